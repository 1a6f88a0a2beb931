#!/bin/sh
# SPDX-License-Identifier: MIT
# Weighted load balancing: smart hosts of one priority with weights
# 50/30/20 share 300 messages within 3 points of those shares.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 4
zr_setup
py_server rx --pipelining --listen 3
a=$(port_n rx 1) b=$(port_n rx 2) c=$(port_n rx 3)
control smarthosts "127.0.0.1:$a weight=50
127.0.0.1:$b weight=30
127.0.0.1:$c weight=20
127.0.0.1:$(free_port) priority=50 weight=1000"
control concurrencyperhost 10
i=0
while [ $i -lt 300 ]; do
	inj "w$i@x.test" || break
	i=$((i + 1))
done
send_start
wait_for 60 qhas done/delivered 300
is "$(qcount done/delivered)" 300 'all 300 delivered'
na=$(grep -Ec "success: .*host=127.0.0.1:$a( |\$)" "$T/send.log")
nb=$(grep -Ec "success: .*host=127.0.0.1:$b( |\$)" "$T/send.log")
nc=$(grep -Ec "success: .*host=127.0.0.1:$c( |\$)" "$T/send.log")
diag "shares: $na $nb $nc"
ok 'weight 50: 50% +-3 points' test "$na" -ge 141 -a "$na" -le 159
ok 'weight 30: 30% +-3 points' test "$nb" -ge 81 -a "$nb" -le 99
ok 'weight 20: 20% +-3 points' test "$nc" -ge 51 -a "$nc" -le 69
send_stop
done_testing
