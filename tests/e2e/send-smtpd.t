#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd as the smart host: mail relayed by zr-send lands in a second
# zr queue with its envelope, and its content comes back byte for byte
# after the trip through CRLF and dot-stuffing. Skipped where zr-smtpd is
# not built.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
[ -x "$ZR_BIN/zr-smtpd" ] || skip_all 'zr-smtpd is not built here'
plan 5
zr_setup
Q2=$T/queue2
C2=$T/control2
mkdir -p "$C2"
ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$Q2"
echo hop.test >"$C2/me"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$Q2" "$C2"
smtpd_start ZR_QUEUE="$Q2" ZR_CONTROL="$C2" RELAYCLIENT=
control smarthosts "127.0.0.1:$TCP_PORT"
printf 'Subject: hop\n\n.dot\nbare\rcr\nplain\n' |
	as_user zr-inject -v -f from@x.test a@y.test b@z.test >"$T/id"
id=$(cat "$T/id")
send_start
wait_for 20 test -e "$ZR_QUEUE/done/delivered/$id"
ok 'delivered to zr-smtpd' test -e "$ZR_QUEUE/done/delivered/$id"
f=$(find "$Q2/todo" -type f | head -n 1)
ok 'queued in the second queue' test -n "$f"
ok 'with the envelope sender' grep -q '^sender <from@x.test>$' "$f"
ok 'and both recipients' sh -c "grep -q '^rcpt <a@y.test>$' '$f' &&
	grep -q '^rcpt <b@z.test>$' '$f'"
printf '\n.dot\nbare\ncr\nplain\n' >"$T/want"
tail -c "$(wc -c <"$T/want")" "$f" >"$T/got"
ok 'the body came back as it left (a bare CR as a line end)' cmp "$T/want" "$T/got"
send_stop
done_testing
