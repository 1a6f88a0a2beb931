#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-qstat --suspend and --resume: an operator holds the smart hosts'
# destination before zr-send runs, across a restart and while it runs;
# the held mail is parked in deferred/ and counted as queued, nothing
# reaches the receiver until --resume, which makes what zr-send parked
# due at once (what it parked before a restart waits for its time or a
# SIGALRM). Bad arguments are refused with exit 100, and records past
# their time go.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 35
zr_setup
datas() { grep -c '^data ' "$T/rx.log"; }
has_datas() { test "$(datas)" = "$1"; }
qs() { as_user zr-qstat "$@"; }

py_server rx --pipelining
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*

qs --suspend smarthosts 10x >"$T/err" 2>&1
is "$?" 100 'a bad duration: exit 100'
ok 'with a message saying so' grep -q 'bad duration.*: 10x"$' "$T/err"
qs --suspend smarthosts 25h >/dev/null 2>&1
is "$?" 100 'longer than a day: exit 100'
qs --suspend "$(printf 'a%.0s' $(seq 201))" >"$T/err" 2>&1
is "$?" 100 'an overlong key: exit 100'
ok 'said so' grep -q 'destination key too long' "$T/err"
qs --suspend 'a b' 1h >"$T/err" 2>&1
is "$?" 100 'a key with a blank: exit 100'
qs --suspend >/dev/null 2>&1
is "$?" 100 'no key: usage, exit 100'
qs --resume smarthosts 1h >/dev/null 2>&1
is "$?" 100 '--resume takes no duration: usage, exit 100'
qs --resume smarthosts >"$T/err" 2>&1
is "$?" 1 '--resume of what is not suspended: exit 1'
ok 'nothing was made' test ! -e "$ZR_QUEUE/suspend/smarthosts"

# Before zr-send runs, in a queue older than suspend/.
rmdir "${ZR_QUEUE:?}/suspend"
out=$(qs --suspend smarthosts 1h)
ok 'suspend/ is made, with the mode of hold/' test \
	"$(stat -c %a "$ZR_QUEUE/suspend")" = "$(stat -c %a "$ZR_QUEUE/hold")"
like "$out" '^suspended smarthosts until [0-9]+$' '--suspend says until when'
until=${out##* }
ok 'a record in suspend/ named by the key' \
	grep -qx "until $until" "$ZR_QUEUE/suspend/smarthosts"
i=0
while [ $i -lt 5 ]; do inj "s$i@x.test"; i=$((i + 1)); done
send_start
ok 'zr-send logs the suspension: destination, duration, rule operator' \
	log_has 10 '^zr-send: info: event=shaping dest=smarthosts action=suspended for=3[56][0-9][0-9]s rule=operator$'
# Parked: back in deferred/, none pending in memory, all five queued.
DEST_RE="^smarthosts inflight=0 pending=0 .*suspended_until=$until queued=5 .* suspended_by=operator$"
shows() { zr-qstat --destinations >"$T/dests.out" 2>&1 &&
	grep -Eq -- "$DEST_RE" "$T/dests.out"; }
ok 'zr-qstat --destinations: suspended until then, five queued' \
	wait_for 10 shows
ok 'the five wait in deferred/' qhas deferred 5
is "$(log_count '^zr-send: info: id=[^ ]+ event=held ino=[0-9]+ .* dest=smarthosts$')" 5 \
	'each logged as held for smarthosts'
is "$(datas)" 0 'nothing was delivered'

# A restart: the record stays, and so does the suspension.
send_stop
send_start
two() { test "$(log_count 'dest=smarthosts action=suspended for=.* rule=operator$')" = 2; }
ok 'after a restart zr-send reads it again' wait_for 10 two
# zr-qstat(8): what waits in deferred/ is routed, and so counted, only
# when it is tried again.
DEST_RE='^smarthosts inflight=0 pending=0 .* queued=0 .* suspended_by=operator$'
ok 'parked mail read back from deferred/ is not counted until tried' \
	wait_for 10 shows
ok 'the five still wait in deferred/' qhas deferred 5
is "$(datas)" 0 'still nothing delivered'

out=$(qs --resume smarthosts)
is "$out" 'resumed smarthosts' '--resume says so'
ok 'the record is gone' test ! -e "$ZR_QUEUE/suspend/smarthosts"
ok 'zr-send logs the resumption' \
	log_has 10 '^zr-send: info: event=shaping dest=smarthosts action=resumed rule=operator$'
# Parked before the restart, they are not known to be this destination's:
# they wait for their time, or for a SIGALRM (zr-send(8)).
ok 'parked before the restart, they wait for their time' qhas deferred 5
kill -ALRM "$SEND_PID"
ok 'a SIGALRM delivers all five promptly' wait_for 15 has_datas 5

# While it runs.
qs --suspend smarthosts 30s >/dev/null
ok 'a suspension while it runs is logged' \
	log_has 10 'dest=smarthosts action=suspended for=30s rule=operator$'
inj late1@x.test
inj late2@x.test
DEST_RE='^smarthosts inflight=0 pending=0 .* queued=2 .* suspended_by=operator$'
ok 'two new messages are parked and counted' wait_for 10 shows
ok 'in deferred/' qhas deferred 2
is "$(datas)" 5 'and not delivered'
qs --resume smarthosts >/dev/null
ok '--resume makes the parked due at once' wait_for 15 has_datas 7
DEST_RE='^smarthosts .*suspended_until=0 queued=0 .*delivered_total=7 '
ok 'no longer suspended' wait_for 10 shows
send_stop

# Records past their time are removed (by zr-qstat here).
qs --suspend route:x.test 1s >/dev/null
ok 'a one-second suspension' test -e "$ZR_QUEUE/suspend/route:x.test"
swept() {
	qs --resume nothing.test >/dev/null 2>&1
	test ! -e "$ZR_QUEUE/suspend/route:x.test"
}
ok 'is removed once over' wait_for 10 swept
done_testing
