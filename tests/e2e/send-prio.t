#!/bin/sh
# SPDX-License-Identifier: MIT
# Priorities: urgent, high, normal, low; oldest first within one. Queued
# while zr-send is stopped, then drained one delivery at a time.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 5
zr_setup
py_server rx --pipelining
control smarthosts "127.0.0.1:$(port_of rx)"
control concurrency 1
for i in 1 2 3; do inj -p low "low$i@x.test"; done
for i in 1 2 3 4 5 6 7 8 9 10; do inj "normal$i@x.test"; done
inj -p high high1@x.test
inj -p urgent urgent1@x.test
inj -p high high2@x.test
send_start
wait_for 30 qhas done/delivered 16
is "$(qcount done/delivered)" 16 'all delivered'
order=$(sed -n 's/^starting delivery [0-9]*: msg [^ ]* to remote \([a-z]*[0-9]*\)@.*/\1/p' \
	"$T/send.log" | tr '\n' ' ')
diag "$order"
like "$order" '^urgent1 high1 high2 normal1 ' 'urgent, then high oldest first, then normal'
like "$order" 'normal9 normal10 low1 low2 low3 $' 'normal oldest first, low last'
is "$(grep -c '^rcpt ' "$T/rx.log")" 16 'each delivered once'
ok 'never more than one delivery at once' sh -c \
	"! grep -Eq 'status: local 0/0 remote ([2-9]|[1-9][0-9])/' '$T/send.log'"
send_stop
done_testing
