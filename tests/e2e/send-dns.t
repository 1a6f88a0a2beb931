#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-send against DNS answers of any size and shape, from a responder of
# our own on 127.0.0.1 (dns-responder.py): 150 MX records whose best one
# comes last and only over TCP, and MX answers malformed in nine ways,
# which must defer (4.4.3), never bounce.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
bad="badptr loop longname longlabel cut class other question id"
plan 9
zr_setup

dns_start dns dns-responder.py --sink 127.0.0.2
sink_start 127.0.0.2

control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control mxport "$SINK_PORT"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
send_start

inj -f alice@relay.test bob@many.test
log_has 30 'delivery [0-9]+: (success|failure): .*rcpt=<bob@many.test>'
like "$(grep 'rcpt=<bob@many.test>' "$T/send.log")" \
	'success: .*host=127\.0\.0\.2:' \
	'150 MX records, the best one last: delivered to the best'
ok 'the answer came over TCP after a truncated one over UDP' \
	sh -c "grep -q '^udp many.test 15' '$T/dns.log' && grep -q '^tcp many.test 15' '$T/dns.log'"
ok 'the best host was looked up, and none past the best 32 MX' sh -c \
	"grep -q '^udp best.many.test 1' '$T/dns.log' && ! grep -Eq 'd(3[1-9]|[4-9][0-9]|1[0-9][0-9])\.many\.test' '$T/dns.log'"

for d in $bad; do
	inj -f alice@relay.test "u@$d.test"
done
# The id case costs the query timeout (3 s, twice) before it defers.
n=0
for d in $bad; do
	log_has 60 "deferral: 4\\.4\\.3_.*rcpt=<u@$d.test>" && n=$((n + 1))
done
is "$n" 9 'each malformed answer defers with 4.4.3'
is "$(log_count 'failure: .*rcpt=<u@[a-z]+\.test>')" 0 'none fails'
like "$(grep 'rcpt=<u@loop.test>' "$T/send.log")" \
	'malformed_DNS_answer' 'the log line says the answer was malformed'
like "$(grep 'rcpt=<u@other.test>' "$T/send.log")" \
	'answer_for_another_name' 'and how'
is "$(log_count 'bounce msg .* notification of failure')" 0 'nothing bounced'
# The log line is written before the rename into deferred/.
ok 'and each message waits in deferred/' wait_for 10 qhas deferred 9
send_stop
done_testing
