#!/bin/bash
# SPDX-License-Identifier: MIT
# Back-off on throttling replies. With the shipped control/shaperules, a
# receiver that answers "451 4.7.28 unusual rate" after 5 messages gets
# the destination throttled to 10 a minute: one log line says so, and the
# receiver sees the next attempts 6 s apart, not the rest of the queue at
# once. A receiver that answers 421 to every greeting has the destination
# suspended, 15 s and then 30 s: two connections in the first 15 s, not
# one per message.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup
now_ms() { echo $(($(date +%s%N) / 1000000)); }
datas() { grep -c '^data ' "$T/rx.log"; }
at_least() { test "$(datas)" -ge "$1"; }

py_server rx --pipelining --throttle-after 5
control smarthosts "127.0.0.1:$(port_of rx)"
control concurrency 1
control retrybase 600
cp "$ZR_ROOT/etc/shaperules" "$ZR_CONTROL/shaperules"
chmod 644 "${ZR_CONTROL:?}"/*
i=0
while [ $i -lt 30 ]; do inj "t$i@x.test"; i=$((i + 1)); done
send_start
log_has 20 'event=shaping dest=smarthosts action=throttle'
t0=$(now_ms)
n0=$(datas)
ok 'one log line: destination, rule and duration' \
	grep -qF 'event=shaping dest=smarthosts action=throttle msgrate=10/60000ms for=1800s rule="4\\.7\\.28"' "$T/send.log"
is "$n0" 6 'the throttle came with the first throttling reply'
shows() { zr-qstat --destinations "$@" >"$T/dests.out" 2>&1 &&
	grep -q "$DEST_RE" "$T/dests.out"; }
DEST_RE='^smarthosts inflight=[01] pending=[0-9]* connections=0 msgsperconn=0 throttle=10/60000ms throttled_until=[1-9][0-9]* suspended_until=0 queued=[0-9]* recent_4xx=[1-9][0-9]* recent_5xx=0 delivered_total=[1-9][0-9]* deferred_total=[1-9][0-9]* failed_total=0 dead_fails=0 slow_start=0$'
ok 'zr-qstat --destinations shows the throttle and until when' \
	wait_for 5 shows
DEST_RE='"destination":"smarthosts","inflight":[01],.*"throttle":"10/60000ms","throttled_until":[1-9]'
ok 'and as JSON' sh -c 'zr-qstat --destinations --json |
	python3 -c "import json,sys; d=json.load(sys.stdin); assert d[0][\"throttle\"] == \"10/60000ms\" and d[0][\"throttled_until\"] > 0, d"'
zr-qstat --prometheus >"$T/prom.out"
ok 'Prometheus: zr_destination_throttled 1 for the destination' \
	grep -q '^zr_destination_throttled{destination="smarthosts"} 1$' "$T/prom.out"
wait_for 30 at_least 7
ms=$(($(now_ms) - t0))
diag "the next attempt came $ms ms after the throttle"
ok 'the next attempt waits for the throttled rate (about 6 s)' \
	test "$ms" -ge 5000
is "$(datas)" 7 'and only one came in that time'
wait_for 30 at_least 8
ms=$(($(now_ms) - t0))
diag "the one after $ms ms"
ok 'two further attempts in 11 s of the throttle' test "$ms" -ge 11000
one_each() {
	test "$(log_count '^deferral msg ')" = "$(grep -c '^throttled ' "$T/rx.log")"
}
ok 'the messages held back are no attempts: a deferral per 451 alone' \
	wait_for 10 one_each
send_stop

# 421 to every greeting: suspended, with a back-off of its own.
rm -f "${ZR_CONTROL:?}/shaperules"
tcpserver_start sh -c "echo c >>'$T/greet.log'; exec $PY '$ZR_ROOT/tests/e2e/remote-raw.py' greet421"
control smarthosts "127.0.0.1:$TCP_PORT"
chmod 644 "${ZR_CONTROL:?}"/*
: >"$T/send.log"
i=0
while [ $i -lt 10 ]; do inj "g$i@x.test"; i=$((i + 1)); done
send_start
log_has 20 'event=shaping dest=smarthosts action=suspended for=15s rule="421 at the greeting"'
t0=$(now_ms)
is "$(wc -l <"$T/greet.log")" 1 'one connection, then suspended'
log_has 40 'event=shaping dest=smarthosts action=suspended for=30s'
ms=$(($(now_ms) - t0))
diag "the second suspension $ms ms after the first"
ok 'the next connection waited out the 15 s' test "$ms" -ge 14000
is "$(wc -l <"$T/greet.log")" 2 'two connections in all for ten messages'
send_stop
done_testing
