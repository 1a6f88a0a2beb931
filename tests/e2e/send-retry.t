#!/bin/sh
# SPDX-License-Identifier: MIT
# The retry schedule with the unit shrunk to seconds: back-off doubles up
# to control/retrymax, and control/lifetime ends it (done/expired).
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 7
zr_setup
py_server rx --data-reply '452 4.3.1 come back later'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 1
control retrymax 2
control lifetime 6
printf 'Subject: r\n\nx\n' | as_user zr-inject -v a@x.test >"$T/id"
id=$(cat "$T/id")
send_start
log_has 20 "deferral msg [0-9]+: .* attempts=3 .*id=$id"
log=$(cat "$T/send.log")
like "$log" "deferral msg [0-9]+: next attempt in 1s .* attempts=1 .*id=$id" 'first retry after 1 unit'
like "$log" "deferral msg [0-9]+: next attempt in 2s .* attempts=2 .*id=$id" 'then 2'
like "$log" "deferral msg [0-9]+: next attempt in 2s .* attempts=3 .*id=$id" 'then capped at retrymax'
ok 'state/ holds attempts and the next time while deferred' sh -c "
	grep -q '^attempts [0-9]' '$ZR_QUEUE/state/$id' &&
	grep -q '^next [1-9]' '$ZR_QUEUE/state/$id'" 
wait_for 20 test -e "$ZR_QUEUE/done/expired/$id"
ok 'past the lifetime: done/expired' test -e "$ZR_QUEUE/done/expired/$id"
like "$(cat "$T/send.log")" "expired msg [0-9]+: rcpt=<a@x.test>.*id=$id" 'expiry logged'
arr=$(sed -n 's/^arrival //p' "$ZR_QUEUE/done/expired/$id")
last=$(sed -n 's/^last //p' "$ZR_QUEUE/state/$id")
ok 'the last attempt came at the end of the lifetime, not long after' \
	test "$((last - arr))" -ge 5 -a "$((last - arr))" -le 9
send_stop
done_testing
