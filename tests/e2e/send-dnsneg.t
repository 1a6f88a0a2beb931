#!/bin/bash
# SPDX-License-Identifier: MIT
# Temporary DNS failures are cached for control/dnsnegttl in zr-send's
# shared cache: five messages to a domain whose DNS server never answers
# cost one lookup (its two tries), not five; likewise for SERVFAIL. The
# responder (dns-responder.py) on 127.0.0.1 logs every query it gets.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 6
zr_setup

dns_start dns dns-responder.py
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
queries() {
	grep -c "^udp $1 15$" "$T/dns.log"
}

for i in 1 2 3 4 5; do
	inj -f alice@relay.test "u$i@servfail.test"
done
send_start
n=0
for i in 1 2 3 4 5; do
	log_has 30 "deferral: 4\\.4\\.3_.*rcpt=<u$i@servfail.test>" && n=$((n + 1))
done
is "$n" 5 'SERVFAIL: five messages deferred with 4.4.3'
is "$(queries servfail.test)" 2 'at the cost of one lookup (two tries)'

# Each lookup of a silent server costs its timeout (3 s, twice).
for i in 1 2 3 4 5; do
	inj -f alice@relay.test "u$i@silent.test"
done
n=0
for i in 1 2 3 4 5; do
	log_has 60 "deferral: 4\\.4\\.3_.*rcpt=<u$i@silent.test>" && n=$((n + 1))
done
is "$n" 5 'no answer: five messages deferred with 4.4.3'
is "$(queries silent.test)" 2 'at the cost of one lookup, not five'
like "$(grep 'rcpt=<u5@silent.test>' "$T/send.log")" 'no_server_answered' \
	'the cached failure keeps its reason'
is "$(log_count 'failure: .*rcpt=<u[0-9]@')" 0 'nothing fails'
send_stop
done_testing
