#!/bin/bash
# SPDX-License-Identifier: MIT
# What stats/destinations says of a destination after deliveries: a
# receiver takes three recipients, answers 451 to two and 550 to one (and
# takes the bounce of that one, which goes to the sender the same way).
# zr-qstat --destinations (text and JSON) and --prometheus show the
# results by kind since zr-send started, the 4xx and 5xx of the last ten
# minutes, and the messages queued; and an operator's suspension as
# such: the messages it parks in deferred/ are queued, until one is
# cancelled there.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup
py_server rx --pipelining --rcpt 'tmp=451 4.3.0 try later' \
	--rcpt 'bad=550 5.1.1 no such user'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 600
# A queue run each second: a message cancelled while parked leaves the
# count at the next.
control queueinterval 1
chmod 644 "${ZR_CONTROL:?}"/*
for r in ok1 ok2 ok3 tmp tmp bad; do inj "$r@x.test"; done
send_start
DEST_RE='^smarthosts inflight=0 pending=0 connections=0 msgsperconn=0 throttled_until=0 suspended_until=0 queued=0 recent_4xx=2 recent_5xx=1 delivered_total=4 deferred_total=2 failed_total=1 dead_fails=0 slow_start=0$'
shows() { zr-qstat --destinations >"$T/dests.out" 2>&1 &&
	grep -Eq -- "$DEST_RE" "$T/dests.out"; }
ok 'text: four delivered, two deferred, one failed, and as recent' \
	wait_for 20 shows
zr-qstat --destinations --json >"$T/dests.json"
ok 'JSON: the same as numbers' python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["destination"] == "smarthosts", d
assert (d["queued"], d["recent_4xx"], d["recent_5xx"]) == (0, 2, 1), d
assert (d["delivered_total"], d["deferred_total"], d["failed_total"]) == (4, 2, 1), d
' "$T/dests.json"
zr-qstat --prometheus >"$T/prom.out"
ok 'Prometheus: zr_destination_deliveries_total is a counter' \
	grep -qx '# TYPE zr_destination_deliveries_total counter' "$T/prom.out"
ok 'delivered 4 (the bounce of the 550 went that way too)' grep -qx \
	'zr_destination_deliveries_total{destination="smarthosts",result="delivered"} 4' \
	"$T/prom.out"
ok 'deferred 2' grep -qx \
	'zr_destination_deliveries_total{destination="smarthosts",result="deferred"} 2' \
	"$T/prom.out"
ok 'failed 1' grep -qx \
	'zr_destination_deliveries_total{destination="smarthosts",result="failed"} 1' \
	"$T/prom.out"
ok 'zr_destination_queued 0' grep -qx \
	'zr_destination_queued{destination="smarthosts"} 0' "$T/prom.out"

# Held by an operator: parked in deferred/, queued counts them,
# suspended_by says who.
as_user zr-qstat --suspend smarthosts 10m >/dev/null
log_has 10 'event=shaping dest=smarthosts action=suspended for=600s rule=operator$'
before=$(qcount deferred)
inj ok4@x.test
inj ok5@x.test
DEST_RE='^smarthosts inflight=0 pending=0 .* queued=2 .* delivered_total=4 .* suspended_by=operator$'
ok 'two queued while suspended by the operator' wait_for 10 shows
ok 'both parked in deferred/' qhas deferred $((before + 2))
zr-qstat --prometheus >"$T/prom.out"
ok 'zr_destination_queued 2' grep -qx \
	'zr_destination_queued{destination="smarthosts"} 2' "$T/prom.out"
ok 'zr_destination_suspended 1' grep -qx \
	'zr_destination_suspended{destination="smarthosts"} 1' "$T/prom.out"
id=$(sed -n 's/^zr-send: info: id=\([^ ]*\) event=held .*/\1/p' "$T/send.log" | tail -1)
as_user zr-qstat --cancel "${id:?}" >/dev/null
DEST_RE='^smarthosts inflight=0 pending=0 .* queued=1 .* suspended_by=operator$'
ok 'one cancelled while parked: queued 1 after the next queue run' \
	wait_for 10 shows
send_stop
done_testing
