#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGTERM stops zr-send within control/shutdowntimeout whatever DNS is
# doing: ten messages to ten domains whose DNS server never answers would
# each cost a lookup of 6 s (3 s, twice) in the loop; the signal cuts the
# lookup in progress short and nothing more is started. Nothing is lost:
# every message is back in the queue, none failed, due at the next start.
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
# Inside the first lookup (and well before the sixth).
wait_for 20 grep -q 'silent.test 15$' "$T/dns.log"
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
is "$(grep -c 'silent.test 15$' "$T/dns.log")" 1 \
	'no lookup began after the signal (one query of the first)'
is "$(qcount todo/normal) $(qcount deferred)" "9 1" \
	'the message being routed is deferred, the other nine still queued'
ok 'and nothing failed or was bounced' \
	test "$(qcount done/failed)$(qcount done/expired)$(log_count '^bounce ')" = 000
done_testing
