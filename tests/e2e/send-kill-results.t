#!/bin/sh
# SPDX-License-Identifier: MIT
# Results survive the scheduler's death: zr-send is killed with SIGKILL
# while 20 deliveries wait for a slow receiver's reply to the final dot,
# and restarted at once. The zr-remote children finish, append their
# results to their journals in state/ and exit; the new zr-send waits for them, folds the
# results in, and sends nothing twice. Three rounds; every Message-ID the
# receiver saw is counted.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
ROUNDS=3
N=20
plan $((ROUNDS * 4 + 2))
zr_setup
py_server rx --pipelining --delay-dot 2
control smarthosts "127.0.0.1:$(port_of rx)"
control concurrency $N
control concurrencyperhost $N
control retrybase 1
control timeouttransaction 60

# data_count: the transactions the receiver has seen.
data_count() {
	grep -c '^data ' "$T/rx.log"
}
data_at_least() {
	test "$(data_count)" -ge "$1"
}

send_start
r=1
while [ $r -le $ROUNDS ]; do
	seen=$(data_count)
	i=0
	while [ $i -lt $N ]; do
		printf 'Message-ID: <r%s-%s@kill.test>\nSubject: k\n\nbody\n' \
			$r $i | as_user zr-inject "k$r-$i@x.test"
		i=$((i + 1))
	done
	ok "round $r: $N deliveries in flight" \
		wait_for 30 data_at_least $((seen + N))
	kill -KILL "$SEND_PID"
	wait "$SEND_PID" 2>/dev/null
	send_start
	ok "round $r: every message delivered after the restart" \
		wait_for 60 qhas done/delivered $((r * N))
	ids=$(sed -n "s/^msgid [0-9]* <\(r$r-[0-9]*@kill\.test\)>$/\1/p" \
		"$T/rx.log")
	is "$(printf '%s\n' "$ids" | sort | uniq -d | wc -l | tr -d ' ')" 0 \
		"round $r: no Message-ID received twice"
	is "$(printf '%s\n' "$ids" | sort -u | wc -l | tr -d ' ')" $N \
		"round $r: none lost"
	r=$((r + 1))
done
like "$(cat "$T/send.log")" \
	'recovered msg [0-9]+: delivered before the crash rcpts=1 id=' \
	'the folded results are logged'
send_stop
ok 'no journal is left in state/' \
	test -z "$(find "${ZR_QUEUE:?}/state" -name 'journal.*')"
done_testing
