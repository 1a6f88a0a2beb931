#!/bin/sh
# SPDX-License-Identifier: MIT
# Delivery end to end: zr-inject queues, zr-send hands to zr-remote, a real
# receiver takes the mail; the wire form, the log vocabulary, the final
# state and the counters.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 13
zr_setup
mkdir -m 777 "$T/saved"
py_server rx --pipelining --save "$T/saved"
control smarthosts "127.0.0.1:$(port_of rx)"

printf 'Subject: wire\n\n.leading dot\n..two\nbare\rcr\ncrlf\r\nlast line' |
	as_user zr-inject -v a@one.test b@two.test >"$T/id"
inj c@three.test
send_start
wait_for 20 qhas done/delivered 2
ok 'both messages delivered' test "$(qcount done/delivered)" = 2
is "$(qcount active)$(qcount deferred)$(find "$ZR_QUEUE/todo" -type f | wc -l)" \
	000 'nothing left in active, deferred or todo'
id=$(cat "$T/id")
ok 'no state file for a message done in one attempt' \
	test ! -e "$ZR_QUEUE/state/$id"
f=$(grep -l 'leading dot' "$T/saved"/* | head -n 1)
ok 'content arrived' test -n "$f"
printf '\r\n\r\n.leading dot\r\n..two\r\nbare\r\ncr\r\ncrlf\r\nlast line\r\n' >"$T/want"
# The body, after the headers zr-inject completed.
tail -c "$(wc -c <"$T/want")" "$f" >"$T/got"
ok 'dots kept (so doubled on the wire), CRLF everywhere, one end' \
	cmp "$T/want" "$T/got"
ok 'no bare LF or CR in what arrived' "$PY" -c "
import re, sys
d = open('$f', 'rb').read()
sys.exit(1 if re.search(rb'(?<!\r)\n|\r(?!\n)', d) else 0)"
ok 'two recipients of one message went in one transaction' \
	grep -q "^data .* a@one.test b@two.test" "$T/rx.log"
log=$(cat "$T/send.log")
like "$log" "new msg [0-9]+ id=$id" 'new msg logged'
like "$log" "info msg [0-9]+: bytes [0-9]+ from <[^>]*> qp 0 uid 0 .*id=$id" 'info msg logged'
like "$log" "starting delivery [0-9]+: msg [0-9]+ to remote a@one.test .*id=$id" \
	'starting delivery logged'
like "$log" "delivery [0-9]+: success: 250_2.0.0_Ok:_queued/ msg=$id rcpt=<a@one.test> host=127.0.0.1:" \
	'success logged with reply, message id and host'
as_user zr-send 2>"$T/second.err"
is "$?:$(cat "$T/second.err")" "111:zr-send: fatal: reason=\"another zr-send runs on $ZR_QUEUE\"" \
	'a second zr-send on the same queue refuses to start'
send_stop
ok 'counters kept in stats/' grep -q '^messages_delivered 2$' "$ZR_QUEUE/stats/counters"
done_testing
