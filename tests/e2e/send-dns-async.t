#!/bin/bash
# SPDX-License-Identifier: MIT
# MX lookups never hold up the scheduling loop. With ten messages to ten
# domains whose DNS server never answers (each lookup 3 s, twice), a
# message on a domain route, which needs no DNS, is delivered within 1 s
# of being queued; SIGTERM with that backlog stops zr-send within 5 s, and
# the ten, never tried, are still in todo/. Then a server that answers
# after 2 s: the messages waiting for it are delivered once it has, and
# two messages to one domain cost one MX query.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup

dns_start dns dns-responder.py --sink 127.0.0.2 --slow 2
sink_start
MX_PORT=$(free_port)
bg smtp-sink -u "$ZR_TEST_USER" "127.0.0.2:$MX_PORT" 100
wait_for 10 "$PY" -c "import socket; socket.create_connection(('127.0.0.2', $MX_PORT)).close()"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control domainroutes "hub.test 127.0.0.1:$SINK_PORT"
control mxport "$MX_PORT"
control retrybase 600
control shutdowntimeout 3
chmod 644 "${ZR_CONTROL:?}"/*
gone() { ! kill -0 "$SEND_PID" 2>/dev/null; }

for i in 0 1 2 3 4 5 6 7 8 9; do
	inj -f alice@relay.test "u@d$i.silent.test"
done
send_start
# The loop is inside the lookups of the silent domains.
wait_for 20 grep -q 'd0.silent.test 15$' "$T/dns.log"
time_delivery hub@hub.test
ok 'a domain-routed message behind ten silent MX lookups is delivered within 1 s' \
	test "$MS" -lt 1000
is "$(grep -c 'silent.test 15$' "$T/dns.log")" 10 \
	'the ten lookups run side by side (one query each so far)'
is "$(log_count 'rcpt=<u@d[0-9].silent.test>')" 0 \
	'the messages waiting for DNS are not attempts: nothing logged for them'

t0=$(now_ms)
kill -TERM "$SEND_PID"
wait_for 10 gone
ms=$(($(now_ms) - t0))
diag "stopped in $ms ms"
ok 'SIGTERM with ten lookups in flight: zr-send exits within 5 s' \
	test "$ms" -lt 5000
wait "$SEND_PID"
is "$?" 0 'with status 0'
is "$(qcount todo/normal) $(qcount deferred) $(qcount active)" "10 0 0" \
	'the ten are back in todo/normal, none deferred'

# A server that answers after 2 s: two messages for each of five domains.
: >"$T/dns.log"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
for i in 0 1 2 3 4; do
	inj -f alice@relay.test "a@s$i.slow.test"
	inj -f alice@relay.test "b@s$i.slow.test"
done
send_start
wait_for 20 grep -q 's0.slow.test 15$' "$T/dns.log"
time_delivery hub2@hub.test
ok 'behind slow lookups, too, within 1 s' test "$MS" -lt 1000
n=0
for i in 0 1 2 3 4; do
	for u in a b; do
		log_has 30 "success: .*rcpt=<$u@s$i.slow.test>" && n=$((n + 1))
	done
done
is "$n" 10 'the ten messages waiting for the slow server are delivered'
is "$(log_count 'deferral: .*slow.test>')" 0 'none was deferred'
per=$(for i in 0 1 2 3 4; do grep -c "^udp s$i.slow.test 15$" "$T/dns.log"; done |
	tr '\n' ' ')
is "$per" "1 1 1 1 1 " 'each domain cost one MX query, shared by its two messages'
is "$(grep -c '^udp mx.s0.slow.test 1$' "$T/dns.log")" 1 \
	'and one address query for its host'
ok 'the silent domains were looked up again, side by side, and deferred' \
	log_has 30 'deferral: 4\.4\.3_.*rcpt=<u@d9.silent.test>'
send_stop
done_testing
