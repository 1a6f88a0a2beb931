#!/bin/bash
# SPDX-License-Identifier: MIT
# A suspended destination's backlog waits in deferred/, not in active/:
# a receiver answers 421 to the greeting, the destination is suspended
# for 15 s, and the messages queued for it go back to deferred/ due after
# the suspension (spread by control/retryjitter), their states showing no
# attempt beyond the ones that met the 421. When the receiver is back, all
# are delivered, and the backlog starts slowly: one session until the
# first delivery succeeds, although four children are free. A wait of
# more than 30 s for a msgrate is parked likewise, a slot per message.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 18
zr_setup

tcpserver_start sh -c "echo c >>'$T/greet.log'; exec $PY '$ZR_ROOT/tests/e2e/remote-raw.py' greet421"
down=$BG_PID
port=$TCP_PORT
control smarthosts "127.0.0.1:$port"
control concurrency 4
control concurrencyperhost 4
control retrybase 20
control retryjitter 20
chmod 644 "${ZR_CONTROL:?}"/*
i=0
while [ $i -lt 10 ]; do inj "b$i@x.test"; i=$((i + 1)); done
send_start
log_has 20 'event=shaping dest=smarthosts action=suspended for=15s rule="421 at the greeting"'
parked() { qhas deferred 10 && qhas active 0; }
ok 'during the suspension all 10 wait in deferred/' wait_for 10 parked
is "$(qcount active)" 0 'and none in active/'
is "$(log_count '^zr-send: info: event=shaping dest=smarthosts action=suspended')" 1 \
	'the 421s met together suspend it once'
greets=$(wc -l <"$T/greet.log")
diag "$greets connections met the 421"
# attempts N of each state: the sum is the connections made, no more.
sum=0 zero=0 nexts=
for f in "${ZR_QUEUE:?}"/deferred/*; do
	[ -e "$f" ] || continue
	id=${f##*/}
	a=$(sed -n 's/^attempts //p' "$ZR_QUEUE/state/$id")
	sum=$((sum + a))
	[ "$a" != 0 ] || zero=$((zero + 1))
	[ "$a" != 0 ] || nexts="$nexts $(sed -n 's/^next //p' "$ZR_QUEUE/state/$id")"
done
is "$sum" "$greets" 'attempts in all: one per 421 met, none for the wait'
is "$zero" "$((10 - greets))" 'the others have no attempt in their state'
is "$(log_count '^zr-send: info: id=[^ ]+ event=held ino=[0-9]+ wait=[0-9]+s next=[0-9]+ attempts=0 dest=smarthosts$')" \
	"$zero" 'a "held" line for each message parked'
distinct=$(printf '%s\n' $nexts | sort -u | wc -l)
diag "the parked ones fall due at $distinct distinct seconds:$nexts"
ok 'their next attempts are spread, not one second' test "$distinct" -ge 2
# Those that met the 421 were deferred after an attempt, not parked.
DEST_RE="^smarthosts .* queued=$zero .* slow_start=1 suspended_by=reply\$"
shows() { zr-qstat --destinations >"$T/dests.out" 2>&1 &&
	grep -Eq -- "$DEST_RE" "$T/dests.out"; }
ok 'zr-qstat --destinations: the parked queued, a slow start of one session' \
	wait_for 5 shows
is "$(unmatched | wc -l)" 0 'no parked job logged a "starting delivery"'

# The receiver recovers on the same port; each message takes 0.5 s.
kill "$down"
py_server rx --pipelining --times --delay-dot 0.5 --port "$port"
wait_for 60 qhas done/delivered 10
is "$(qcount done/delivered)" 10 'after the suspension all 10 are delivered'
is "$(wc -l <"$T/greet.log")" "$greets" 'no connection during the suspension'
first=$(awk '$1 == "session" { sub("open=", "", $2); if ($2 > m) m = $2 }
	$1 == "time" { print m; exit }' "$T/rx.log")
diag "sessions open at the first delivery: $first; at most $(sed -n 's/^session open=//p' "$T/rx.log" | sort -n | tail -n 1) later"
is "$first" 1 'slow start: one session until the first delivery'
ok 'no message went twice' test "$(grep -c '^data ' "$T/rx.log")" = 10
is "$(unmatched | tr '\n' ' ')" '' 'every "starting delivery N:" has its "delivery N:"'
DEST_RE='^smarthosts .* queued=0 .* slow_start=0$'
ok 'the slow start is over once the sessions reached their limit' \
	wait_for 10 shows
send_stop

# A wait of more than 30 s for a rate is spent in deferred/ too, each
# message given a slot of its own: at msgrate=1/1m one goes now, the next
# two are due in about 60 and 120 s (plus up to 20% jitter).
control shaping "smarthosts msgrate=1/1m"
chmod 644 "${ZR_CONTROL:?}"/*
: >"$T/send.log"
for i in 0 1 2; do inj "r$i@x.test"; done
send_start
two_held() { qhas deferred 2 && qhas active 0 && qhas done/delivered 11; }
ok 'msgrate=1/1m: one delivered, two wait in deferred/' wait_for 20 two_held
ins=$(sed -n 's/^zr-send: info: id=[^ ]* event=held ino=[0-9]* wait=\([0-9]*\)s .*attempts=0 dest=smarthosts$/\1/p' "$T/send.log" | sort -n | tr '\n' ' ')
diag "next attempts in: $ins"
set -- $ins
ok 'their slots one interval apart: about 60 s and 120 s' \
	test "$#" = 2 -a "$1" -ge 59 -a "$1" -le 75 -a "$2" -ge 119 -a "$2" -le 150
is "$(unmatched | tr '\n' ' ')" '' 'the two parked left no "starting delivery" open'
send_stop
done_testing
