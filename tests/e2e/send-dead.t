#!/bin/bash
# SPDX-License-Identifier: MIT
# Dead-destination back-off: 20 messages for a port nothing listens on.
# After deadafter=5 failed attempts in a row the destination is suspended
# (one log line: destination, reason, duration), so zr-remote is not run
# once per message: the rest wait in deferred/ without spending attempts.
# A probe at the suspension's end that fails too doubles it. Once a
# receiver listens there, all 20 are delivered.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup
port=$(free_port)
control smarthosts "127.0.0.1:$port"
control concurrency 2
control concurrencyperhost 2
control retrybase 3
control hostbackoff 1
control shaping "smarthosts deadafter=5 deadbackoff=4s-8s"
chmod 644 "${ZR_CONTROL:?}"/*
i=0
while [ $i -lt 20 ]; do inj "d$i@x.test"; i=$((i + 1)); done
send_start
log_has 20 'event=shaping dest=smarthosts action=suspended for=4s rule="dead destination, 5 failed attempts in a row"$'
parked() { qhas deferred 20 && qhas active 0; }
ok 'while suspended all 20 wait in deferred/' wait_for 10 parked
tries=$(log_count '^deferral msg ')
diag "$tries attempts before the suspension"
# Five in a row, and at most one more per child that had started.
ok 'zr-remote was run a bounded number of times (5 to 6), not 20' \
	test "$tries" -ge 5 -a "$tries" -le 6
most=0 sum=0
for f in "${ZR_QUEUE:?}"/deferred/*; do
	[ -e "$f" ] || continue
	a=$(sed -n 's/^attempts //p' "$ZR_QUEUE/state/${f##*/}")
	sum=$((sum + a))
	[ "$a" -le "$most" ] || most=$a
done
is "$most" 1 'no message has more than its first attempt'
is "$sum" "$tries" 'attempts in all: those made, none for the wait'
is "$(log_count '^zr-send: info: id=[^ ]+ event=held ino=[0-9]+ .* dest=smarthosts$')" "$((20 - tries))" \
	'the others were held, each with a line'
DEST_RE="^smarthosts .* queued=$((20 - tries)) .* dead_fails=5 slow_start=1 suspended_by=reply\$"
shows() { zr-qstat --destinations >"$T/dests.out" 2>&1 &&
	grep -Eq -- "$DEST_RE" "$T/dests.out"; }
ok 'zr-qstat --destinations: the held queued, dead after 5 failures, slow start' \
	wait_for 5 shows
ok 'the probe at its end failed: suspended twice as long' \
	log_has 20 'event=shaping dest=smarthosts action=suspended for=8s rule="dead destination, 6 failed attempts in a row"$'
deferrals() { test "$(log_count '^deferral msg ')" = "$1"; }
ok 'that was one attempt' wait_for 5 deferrals "$((tries + 1))"
DEST_RE='^smarthosts .* dead_fails=6 '
ok 'dead_fails counts the probe: 6' wait_for 5 shows
py_server rx --pipelining --port "$port"
ok 'a receiver there: all 20 delivered' wait_for 60 qhas done/delivered 20
is "$(grep -c '^data ' "$T/rx.log")" 20 'each once'
DEST_RE='^smarthosts .* queued=0 .* dead_fails=0 slow_start=0$'
ok 'alive again: dead_fails 0, the slow start over' wait_for 10 shows
send_stop
done_testing
