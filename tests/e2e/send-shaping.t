#!/bin/bash
# SPDX-License-Identifier: MIT
# Traffic shaping per destination (control/shaping): msgrate=5/1s spreads
# 20 messages over about 4 s, never more than 6 in any second, and the
# wait is no attempt; connections=1 means one session at a time however
# many children are free; three domains whose MX is one host name are one
# destination and share its connection limit.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup

# spread LOG: seconds between the first and the last arrival, and the most
# arrivals in any window of one second.
spread() {
	awk '$1 == "time" { t[n++] = $3 }
	END {
		m = 0
		for (i = 0; i < n; i++) {
			k = 0
			for (j = i; j < n && t[j] < t[i] + 1; j++) k++
			if (k > m) m = k
		}
		printf "%.2f %d\n", t[n - 1] - t[0], m
	}' "$1"
}
datas() { grep -c '^data ' "$T/$1.log"; }
has_data() { test "$(datas "$1")" -ge "$2"; }
maxopen() {
	sed -n 's/^session open=\([0-9]*\)$/\1/p' "$1" | sort -n | tail -n 1
}

py_server rx --pipelining --times
control smarthosts "127.0.0.1:$(port_of rx)"
control concurrency 4
control concurrencyperhost 4
control retrybase 600
control shaping "# the smart hosts, at 5 a second
smarthosts msgrate=5/1s"
chmod 644 "${ZR_CONTROL:?}"/*
i=0
while [ $i -lt 20 ]; do inj "r$i@x.test"; i=$((i + 1)); done
send_start
wait_for 30 qhas done/delivered 20
is "$(qcount done/delivered)" 20 'msgrate: all 20 delivered'
set -- $(spread "$T/rx.log")
diag "msgrate=5/1s: 20 arrivals over $1 s, at most $2 in one second"
ok 'the 20 take about 4 s (3.3 to 8)' awk "BEGIN { exit !($1 >= 3.3 && $1 <= 8) }"
ok 'no second has more than 6' test "$2" -le 6
is "$(log_count 'deferral: ')" 0 'waiting for the rate is no deferral'
send_stop

# A destination held back by its rate does not hold up another: 4
# messages to slow.test (1 per 10 s) first, then 5 to fast.test.
py_server slow --pipelining --times
py_server fast --pipelining --times
control domainroutes "slow.test 127.0.0.1:$(port_of slow)
fast.test 127.0.0.1:$(port_of fast)"
control shaping "route:slow.test msgrate=1/10s"
chmod 644 "${ZR_CONTROL:?}"/*
for i in 0 1 2 3; do inj "s$i@slow.test"; done
for i in 0 1 2 3 4; do inj "f$i@fast.test"; done
send_start
wait_for 8 has_data fast 5
is "$(datas fast)" 5 \
	'the 5 to fast.test went while slow.test waited for its rate'
is "$(grep -c '^data ' "$T/slow.log")" 1 'slow.test: one so far'
send_stop
# The 3 left for slow.test stay on their route and rate from here on.

# connections=1: one session at a time, even with four children free;
# msgsperconn=3: at most 3 messages on one.
py_server one --pipelining --times --delay-dot 0.2
control smarthosts "127.0.0.1:$(port_of one)"
control shaping "route:slow.test msgrate=1/10s
smarthosts connections=1 msgsperconn=3"
i=0
while [ $i -lt 8 ]; do inj "c$i@x.test"; i=$((i + 1)); done
send_start
wait_for 30 has_data one 8
is "$(datas one)" 8 'connections=1: all 8 delivered'
diag "at most $(maxopen "$T/one.log") sessions at once"
is "$(maxopen "$T/one.log")" 1 'never two sessions at once'
sess=$(grep -c '^ehlo ' "$T/one.log")
diag "$sess sessions for 8 messages at msgsperconn=3"
ok 'msgsperconn=3: a new session after every 3 messages' test "$sess" -ge 3
send_stop

# MX roll-up: three domains, one MX host name, one destination.
bg "$PY" "$ZR_ROOT/tests/e2e/dns-responder.py" --portfile "$T/dns.port" \
	--log "$T/dns.log" --sink 127.0.0.2
wait_for 10 test -s "$T/dns.port"
MXP=$(free_port)
py_server mx --pipelining --times --delay-dot 0.2 --addr 127.0.0.2 \
	--port "$MXP"
rm -f "${ZR_CONTROL:?}/smarthosts"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control mxport "$MXP"
# default: without the roll-up each domain would have a connection of its own.
control shaping "route:slow.test msgrate=1/10s
default connections=1"
chmod 644 "${ZR_CONTROL:?}"/*
for d in a b c; do
	i=0
	while [ $i -lt 3 ]; do inj "m$i@$d.hosted.test"; i=$((i + 1)); done
done
send_start
wait_for 30 has_data mx 9
is "$(datas mx)" 9 'MX roll-up: all 9 delivered'
diag "at most $(maxopen "$T/mx.log") sessions at once to mx.provider.test"
is "$(maxopen "$T/mx.log")" 1 'the three domains share one connection'
ok 'all three domains went there' test \
	"$(grep -c '^rcpt m.@[abc].hosted.test' "$T/mx.log")" = 9
send_stop
done_testing
