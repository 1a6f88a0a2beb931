#!/bin/sh
# SPDX-License-Identifier: MIT
# Limits: at most control/concurrency deliveries at once, at most
# control/concurrencyperhost to one host; and several messages share a
# connection to one host.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 7
zr_setup
py_server rx --pipelining --listen 2 --delay-dot 0.15
a=$(port_n rx 1) b=$(port_n rx 2)
control smarthosts "127.0.0.1:$a
127.0.0.1:$b"
control concurrency 3
control concurrencyperhost 2
i=0
while [ $i -lt 24 ]; do inj "c$i@x.test"; i=$((i + 1)); done
send_start
wait_for 40 qhas done/delivered 24
is "$(qcount done/delivered)" 24 'all delivered'
maxa=$(sed -n "s/.* port=$a active=\([0-9]*\) .*/\1/p" "$T/rx.log" | sort -n | tail -n 1)
maxb=$(sed -n "s/.* port=$b active=\([0-9]*\) .*/\1/p" "$T/rx.log" | sort -n | tail -n 1)
maxt=$(sed -n 's/.* total=\([0-9]*\)$/\1/p' "$T/rx.log" | sort -n | tail -n 1)
diag "max per host $maxa $maxb, total $maxt"
ok 'per host: never more than 2 at once' test "$maxa" -le 2 -a "$maxb" -le 2
ok 'in all: never more than 3 at once' test "$maxt" -le 3
ok 'and the limits were reached (work went in parallel)' test "$maxt" -ge 2
conns=$(grep -c '^ehlo ' "$T/rx.log")
diag "$conns connections for 24 messages"
ok 'connections were reused: far fewer than messages' test "$conns" -le 8
ok 'RSET or not, each message is its own transaction' \
	test "$(grep -c '^data ' "$T/rx.log")" = 24
send_stop
ok 'the counters say 24' grep -q '^messages_delivered 24$' "$ZR_QUEUE/stats/counters"
done_testing
