#!/bin/sh
# SPDX-License-Identifier: MIT
# Crashes: SIGKILL of zr-send mid-delivery, then a restart; SIGKILL of the
# zr-remote children mid-delivery. Every message ends delivered, none is
# lost, none bounced; duplicates are counted and bounded by the deliveries
# that were in flight.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 9
zr_setup
py_server rx --pipelining --delay-dot 0.1
control smarthosts "127.0.0.1:$(port_of rx)"
control concurrency 4
control concurrencyperhost 4
control retrybase 1
N=40
i=0
while [ $i -lt $N ]; do inj "k$i@x.test"; i=$((i + 1)); done
send_start
wait_for 20 grep -q '^data ' "$T/rx.log"
kill -KILL "$SEND_PID"
wait "$SEND_PID" 2>/dev/null
ok 'zr-send was killed with work in flight' \
	test "$(qcount done/delivered)" -lt $N
send_start
wait_for 60 qhas done/delivered $N
is "$(qcount done/delivered)" $N 'after a restart every message is delivered'
got=$(sed -n 's/^data [0-9]* \([^ ]*\) .*/\1/p' "$T/rx.log" | sort -u | wc -l)
all=$(grep -c '^data ' "$T/rx.log")
diag "received $all transactions for $got distinct messages"
is "$got" $N 'none lost'
ok 'duplicates at most the deliveries in flight (4) plus the reports in the pipe' \
	test $((all - got)) -le 8
like "$(cat "$T/send.log")" 'recovered msg [0-9]+: from active/ to todo/normal' \
	'recovery logged'

# Now kill the deliverers instead.
: >"$T/rx.log"
for i in 1 2 3 4 5 6; do inj "r$i@x.test"; done
wait_for 20 grep -q '^rcpt r' "$T/rx.log"
pids=$(pgrep -P "$SEND_PID" zr-remote)
kill -KILL $pids 2>/dev/null
wait_for 60 qhas done/delivered $((N + 6))
is "$(qcount done/delivered)" $((N + 6)) 'killed zr-remote: all delivered after a retry'
like "$(cat "$T/send.log")" 'report mangled, will defer: zr-remote exited' \
	'the lost report is logged'
is "$(qcount done/failed)$(qcount done/partial)" 00 'nothing bounced or failed'
send_stop
is "$(qcount active)" 0 'nothing left in active'
done_testing
