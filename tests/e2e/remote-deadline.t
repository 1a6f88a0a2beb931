#!/bin/bash
# SPDX-License-Identifier: MIT
# control/timeoutremote bounds each read; control/timeouttransaction bounds
# a whole transaction, from the connection to the reply to the final dot.
# Servers that send a byte well within every read's timeout, but take far
# longer in all (remote-raw.py drip-*), cannot keep zr-remote: it gives up
# at the deadline and defers with a reply that says so.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 7
zr_setup
control timeoutremote 2
control timeoutconnect 2
control timeouttransaction 2
printf 'Subject: h\n\nbody\n' | as_user zr-inject -v ok@x.test >"$T/id"
msg=$ZR_QUEUE/todo/normal/$(cat "$T/id")

# remote JOBTEXT: zr-remote on the jobs; the report on one line, each
# record ended by '~'; the seconds it took in $T/secs.
remote() {
	_t0=$(date +%s%N)
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '~'
	echo $(( ($(date +%s%N) - _t0) / 1000000000 )) >"$T/secs"
}
raw() {
	tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" "$1"
}

# The greeting alone takes 11 s at 0.2 s a byte.
raw drip-greet
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\n\n")
like "$out" "^H~Tpolicy=may outcome=unreached~Z4\\.4\\.1 no host answered: 127\\.0\\.0\\.1:$TCP_PORT: .*control/timeouttransaction.*the greeting~$" \
	'a greeting that drips: deferred at the deadline, saying so'
ok 'within the deadline, not the 11 s the greeting takes' test "$(cat "$T/secs")" -le 4
sink_start
out=$(remote "host 127.0.0.1:$TCP_PORT\nhost 127.0.0.1:$SINK_PORT\nfile $msg\n\n")
like "$out" "^H127\\.0\\.0\\.1:$SINK_PORT~Ttls=none[^~]*~r250[^~]*~K250" \
	'the next host of the job gets its own deadline and takes it'

# The reply to the final dot takes 10 s.
raw drip-dot
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\nto <a@x.test>\n\n")
like "$out" "^H127\\.0\\.0\\.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~r250[^~]*~Z4\\.4\\.2 .*control/timeouttransaction.*possible duplicate~$" \
	'a reply to the dot that drips: deferred at the deadline, as a possible duplicate'
ok 'within the deadline' test "$(cat "$T/secs")" -le 4

# Each transaction of a kept connection has a deadline of its own.
control timeouttransaction 3
export RAW_DRIP=0.04
raw drip-dot
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\nto <a@x.test>\n\nhost 127.0.0.1:$TCP_PORT\nfile $msg\nto <b@x.test>\n\n")
like "$out" "^(H127\\.0\\.0\\.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~r250[^~]*~K250[^~]*~){2}$" \
	'two transactions of 2.2 s each on one connection, 3 s allowed for each: both delivered'
ok 'and they took longer together than one deadline' test "$(cat "$T/secs")" -ge 4
done_testing
