#!/bin/sh
# SPDX-License-Identifier: MIT
# Deferrals by reason: zr-send counts each deferred recipient under one of
# a closed set of reasons (stats/counters, deferrals_REASON), and
# zr-qstat exports them as zr_deferrals_total{reason=...}, every reason
# with a sample. Here a 421 greeting (throttled), a closed port
# (connect), a SERVFAIL for the MX lookup (dns), a 452 4.2.2 (mailbox), a
# route to one of this host's own addresses (loop) and a 451 4.3.0
# (other), each deferred once.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 9
zr_setup
dns_start dns dns-responder.py --sink 127.0.0.2
tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" greet421
busy=$TCP_PORT
closed=$(free_port)
py_server rx --rcpt 'full=452 4.2.2 mailbox full' \
	--rcpt 'later=451 4.3.0 try again'
py_server self
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control domainroutes "busy.test 127.0.0.1:$busy
closed.test 127.0.0.1:$closed
rx.test 127.0.0.1:$(port_of rx)
self.test 127.0.0.1:$(port_of self)"
control listenaddrs "127.0.0.1:$(port_of self)"
control retrybase 600
control bounces no
chmod 644 "${ZR_CONTROL:?}"/*
send_start
for r in u@busy.test u@closed.test u@mx.servfail.test full@rx.test \
    later@rx.test u@self.test; do
	inj -f a@relay.test "$r"
done
ok 'six recipients deferred' wait_for 30 sh -c \
	"[ \$(grep -Ec '^delivery [0-9]+: deferral' '$T/send.log') -ge 6 ]"
send_stop
zr-qstat --prometheus -q "$ZR_QUEUE" >"$T/metrics"
m=$(cat "$T/metrics")

# d REASON: the sample of that reason, as exported.
d() {
	sed -n "s/^zr_deferrals_total{reason=\"$1\"} //p" "$T/metrics"
}
is "$(d throttled)/$(d connect)/$(d dns)" 1/1/1 \
	'a 421 greeting is throttled, a closed port connect, SERVFAIL dns'
is "$(d mailbox)/$(d loop)/$(d other)" 1/1/1 \
	'452 4.2.2 is mailbox, a route to ourselves loop, 451 4.3.0 other'
is "$(d tls)/$(d auth)" 0/0 'the reasons not seen have a sample of 0'
like "$m" '^# TYPE zr_deferrals_total counter$' 'one counter family'
is "$(grep -c '^zr_deferrals_total{' "$T/metrics")" 8 \
	'eight reasons, a closed set'
sum=$(sed -n 's/^zr_deferrals_total{[^}]*} //p' "$T/metrics" |
	awk '{ s += $1 } END { print s + 0 }')
is "$sum" "$(sed -n 's/^zr_deliveries_total{result="deferred"} //p' \
	"$T/metrics")" 'the reasons add up to the deferred recipients'
zr-qstat --json -q "$ZR_QUEUE" >"$T/json"
is "$("$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print(c["deferrals_connect"], c["deferrals_throttled"], c["deferrals_tls"])' \
	"$T/json")" '1 1 0' 'the JSON counters carry them too'
ok 'zr-send kept them in stats/counters' \
	grep -q '^deferrals_dns 1$' "$ZR_QUEUE/stats/counters"
done_testing
