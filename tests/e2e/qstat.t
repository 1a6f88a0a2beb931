#!/bin/sh
# zr-qstat against a queue of known contents.
. "${0%/*}/../lib/harness.sh"
plan 27
zr_setup

inject() { printf 'Subject: %s\n\nbody\n' "$1" | as_user zr-inject -v "$@"; }
ids=
for p in urgent high high normal normal normal low; do
	ids="$ids $(inject -p $p r@x.test)"
done
set -- $ids
# Put messages in the other states the way the scheduler would.
mvq() { mv "$ZR_QUEUE/todo/normal/$1" "$ZR_QUEUE/$2/"; }
mvq "$4" active
mvq "$5" deferred
mvq "$6" hold
d1=$(inject -p low r@x.test s@x.test); mv "$ZR_QUEUE/todo/low/$d1" "$ZR_QUEUE/done/partial/"
d2=$(inject r@x.test); mv "$ZR_QUEUE/todo/normal/$d2" "$ZR_QUEUE/done/delivered/"
d3=$(inject r@x.test); mv "$ZR_QUEUE/todo/normal/$d3" "$ZR_QUEUE/done/failed/"
printf 'zr-state 1\nattempts 3\nnext 1900000000\nlast 1800000000\nrcpt 0 deferred 3 127.0.0.1:25 451 4.3.0 mailbox busy\n' >"$ZR_QUEUE/state/$5"
chmod 644 "$ZR_QUEUE/state/$5"

printf 'zr-stats 1\nmessages_delivered 7\nrcpts_failed 2\nattempts 11\n' >"$ZR_QUEUE/stats/counters"
chmod 644 "$ZR_QUEUE/stats/counters"
json=$(as_user zr-qstat --json)
is "$?" 0 'zr-qstat --json runs'
check() {
	printf '%s' "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); v=$1; sys.exit(0 if v == $2 else print(v) or 1)"
}
ok 'total counts every message' check 'd["total"]' 10
ok 'queued' check 'd["queued"]' 4
ok 'in progress' check 'd["in_progress"]' 1
ok 'deferred' check 'd["deferred"]' 1
ok 'held' check 'd["held"]' 1
ok 'delivered, partially delivered, failed' check '[d["delivered"], d["partially_delivered"], d["failed"]]' '[1, 1, 1]'
ok 'expired, cancelled, damaged' check '[d["expired"], d["cancelled"], d["damaged"]]' '[0, 0, 0]'
ok 'by priority counts pending messages, read from envelopes outside todo/' \
	check 'd["by_priority"]' '{"urgent": 1, "high": 2, "normal": 3, "low": 1}'
ok 'total size is the sum of the files' \
	check 'd["total_size"]' "$(find "$ZR_QUEUE" -path "$ZR_QUEUE/lock" -prune -o -path "$ZR_QUEUE/state" -prune -o -path "$ZR_QUEUE/stats" -prune -o -type f -printf '%s\n' | awk '{s += $1} END {print s}')"
ok 'the oldest message time is the first arrival' check 'd["oldest_message_time"]' "${1%%.*}"

ok 'average attempts over the 7 pending messages' check 'round(d["average_retry_count"], 2)' 0.43
ok 'the next retry is the deferred message'"'"'s' check 'd["next_retry_time"]' 1900000000
ok 'messages by the host of their last attempt' check 'd["by_host"]' '{"127.0.0.1:25": 1}'
ok 'zr-send'"'"'s counters, as they are' check 'd["counters"]' '{"messages_delivered": 7, "rcpts_failed": 2, "attempts": 11}'
ok 'the average queue time is the pending messages'"'"' age' check '0 <= d["average_queue_time"] < 60' True
human=$(as_user zr-qstat)
like "$human" '^  deferred +1$' 'the human summary has the same counts'
list=$(as_user zr-qstat -l)
is "$(printf '%s\n' "$list" | wc -l | tr -d ' ')" 7 '-l lists the 7 pending messages'
like "$(printf '%s\n' "$list" | grep "^$5")" "^$5 deferred +normal +age=[0-9]+s size=[0-9]+ attempts=3 <[a-z]+@relay.test> <r@x.test> host=127\\.0\\.0\\.1:25\$" 'a listed line has state, priority, age, size, attempts, addresses, last host'
is "$(as_user zr-qstat -l done | wc -l | tr -d ' ')" 3 '-l done lists terminal messages'
as_user zr-qstat -l --json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert len(l)==7 and all("recipients" in m for m in l)'
is "$?" 0 '-l --json is a JSON array'
show=$(as_user zr-qstat -s "$5")
like "$show" 'status <r@x.test> deferred attempts=3 host=127.0.0.1:25 reply="451 4.3.0 mailbox busy"' '-s shows per-recipient state and last reply'
as_user zr-qstat -s 1234567890.123456.0123456789abcdef >/dev/null 2>&1
is "$?" 1 '-s of an unknown id: exit 1'

# A damaged envelope is reported, not fatal, and can be set aside.
printf 'zr-envelope 1\narrival 5\nsender <a@b>\n' >"$ZR_QUEUE/todo/normal/1700000000.000000.00000000000000ff"
as_user zr-qstat -l >/dev/null 2>"$T/err"
is "$?" 0 'a damaged envelope does not stop a listing'
as_user zr-qstat --check >/dev/null 2>&1
is "$?" 2 '--check reports it (exit 2)'
as_user zr-qstat --check --fix >/dev/null 2>&1
ok '--check --fix sets it aside in bad/' test -f "$ZR_QUEUE/bad/1700000000.000000.00000000000000ff"
as_user zr-qstat --check >/dev/null 2>&1
is "$?" 0 'after that the queue is clean'
done_testing
