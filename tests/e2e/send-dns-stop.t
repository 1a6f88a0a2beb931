#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGTERM stops zr-send within control/shutdowntimeout whatever DNS is
# doing: ten messages to ten domains whose DNS server never answers each
# wait for a lookup of 6 s (3 s, twice), all ten side by side; the signal
# abandons them and no query is sent after it. Nothing is lost: the ten,
# never attempted, are all still in todo/, none failed.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 6
zr_setup

dns_start dns dns-responder.py
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control shutdowntimeout 3
chmod 644 "${ZR_CONTROL:?}"/*
for i in 0 1 2 3 4 5 6 7 8 9; do
	inj -f alice@relay.test "u@d$i.silent.test"
done
send_start
# Inside the ten lookups (each is asked once, then again after 3 s).
asked() { test "$(grep -c 'silent.test 15$' "$T/dns.log")" -ge 10; }
wait_for 20 asked
t0=$(date +%s%N)
kill -TERM "$SEND_PID"
gone() { ! kill -0 "$SEND_PID" 2>/dev/null; }
wait_for 10 gone
ms=$((($(date +%s%N) - t0) / 1000000))
diag "stopped in $ms ms"
ok 'SIGTERM during a silent lookup: zr-send exits within 5 s' \
	test "$ms" -lt 5000
wait "$SEND_PID"
is "$?" 0 'with status 0'
ok 'it said so' log_has 1 'status: exiting'
is "$(grep -c 'silent.test 15$' "$T/dns.log")" 10 \
	'no query was sent after the signal (one of each domain)'
is "$(qcount todo/normal) $(qcount deferred)" "10 0" \
	'the ten waited for DNS, not attempted: all still in todo/normal'
ok 'and nothing failed or was bounced' \
	test "$(qcount done/failed)$(qcount done/expired)$(log_count '^bounce ')" = 000
done_testing
