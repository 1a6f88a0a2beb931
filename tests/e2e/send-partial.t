#!/bin/sh
# SPDX-License-Identifier: MIT
# Per-recipient results: delivered, failed (5xx) and deferred (4xx) in one
# message; done/partial and done/failed; a deferred recipient retried
# alone, then failed (not expired) past control/maxretries; the sender is
# told with a failure notice.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 16
zr_setup
py_server rx --pipelining --rcpt 'bad=550 5.1.1 no such user' \
	--rcpt 'later=451 4.3.0 try again later'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 1
control retrymax 1
control maxretries 2

printf 'Subject: p\n\nx\n' | as_user zr-inject -v ok@x.test bad@x.test >"$T/partial"
printf 'Subject: d\n\nx\n' | as_user zr-inject -v ok2@x.test later@x.test >"$T/deferred"
printf 'Subject: f\n\nx\n' | as_user zr-inject -v bad@y.test >"$T/failed"
send_start
p=$(cat "$T/partial") d=$(cat "$T/deferred") f=$(cat "$T/failed")
wait_for 20 test -e "$ZR_QUEUE/done/partial/$p" -a -e "$ZR_QUEUE/done/failed/$f"
ok 'delivered + failed: done/partial' test -e "$ZR_QUEUE/done/partial/$p"
ok 'all failed: done/failed' test -e "$ZR_QUEUE/done/failed/$f"
ok 'the record of a partial message is kept in state/' \
	grep -q '^rcpt 1 failed 1 127.0.0.1:[0-9]* 550 5.1.1 no such user$' \
	"$ZR_QUEUE/state/$p"
ok 'with the delivered one too' \
	grep -q '^rcpt 0 delivered 1 127.0.0.1:' "$ZR_QUEUE/state/$p"
like "$(cat "$T/send.log")" "delivery [0-9]+: failure: 550_5.1.1_no_such_user/ msg=$p rcpt=<bad@x.test>" \
	'failure logged with the reply'
# zr-bounce runs as a child after the message has ended: wait for it.
log_has 10 "bounce msg [0-9]+: notification of failure queued rcpts=1 id=$p"
is "$?" 0 'the failure is reported to the sender by zr-bounce'
like "$(cat "$T/send.log")" "delivery [0-9]+: deferral: 451_4.3.0_try_again_later/ msg=$d rcpt=<later@x.test>" \
	'deferral logged'
like "$(cat "$T/send.log")" "deferral msg [0-9]+: next attempt in [0-9]+s next=[0-9]+ attempts=1 pending=1 id=$d" \
	'the next attempt time logged'
wait_for 20 test -e "$ZR_QUEUE/done/partial/$d"
ok 'after maxretries the pending recipient fails: done/partial' \
	test -e "$ZR_QUEUE/done/partial/$d"
ok 'its state says failed after 3 attempts, with the last reply' \
	grep -q '^rcpt 1 failed 3 127.0.0.1:[0-9]* 5.4.7 gave up after 3 attempts (control/maxretries 2); last reply: 451 4.3.0 try again later$' \
	"$ZR_QUEUE/state/$d"
ok 'the delivered recipient was not sent again' \
	test "$(grep -c '^rcpt ok2@x.test' "$T/rx.log")" = 1
ok 'the deferred one was tried three times' \
	test "$(grep -c '^rcpt later@x.test' "$T/rx.log")" = 3
like "$(cat "$T/send.log")" "failed msg [0-9]+: rcpt=<later@x.test> attempts=3 maxretries=2.* id=$d" \
	'the failure logged with the limit'
log_has 10 "bounce msg [0-9]+: notification of failure queued rcpts=1.* id=$d"
is "$?" 0 'a failure notice for it'
# The notice goes to the sender at x.test, the same receiver: find it.
# It may move between directories while it is looked for: look again.
notice_failed() {
	n=$(grep -l "^sender <>$" $(qfiles) /dev/null 2>/dev/null |
		xargs grep -l "Final-Recipient: rfc822;later@x.test" /dev/null 2>/dev/null |
		head -n 1)
	test -n "$n" && grep -q '^Action: failed' "$n" &&
		grep -q '^Status: 5.4.7' "$n"
}
ok 'the notice says failed, 5.4.7' wait_for 10 notice_failed
send_stop
ok 'counters: two partial, one failed, none expired' sh -c "
	grep -q '^messages_partial 2$' '$ZR_QUEUE/stats/counters' &&
	grep -q '^messages_failed 1$' '$ZR_QUEUE/stats/counters' &&
	grep -q '^messages_expired 0$' '$ZR_QUEUE/stats/counters' &&
	grep -q '^rcpts_expired 0$' '$ZR_QUEUE/stats/counters'"
done_testing
