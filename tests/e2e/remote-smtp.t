#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote by hand: the job protocol and the report, against aiosmtpd
# (per-recipient replies, with and without PIPELINING, SIZE, a drop or a
# stall after the final dot) and against misbehaving raw servers (421
# greeting, no EHLO, odd and dirty replies, a megabyte without a line end).
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 22
zr_setup
control timeoutremote 2
control timeoutconnect 2
printf 'Subject: h\n\n.x\n' | as_user zr-inject -v ok@x.test bad@x.test later@x.test >"$T/id"
msg=$ZR_QUEUE/todo/normal/$(cat "$T/id")

# remote JOBTEXT: run zr-remote on one or more jobs; the report with NULs
# turned into newlines.
remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n'
}

py_server pipe --pipelining --rcpt 'bad=550 5.1.1 no such user' \
	--rcpt 'later=451 4.3.0 try later'
P=$(port_of pipe)
out=$(remote "host 127.0.0.1:$P\nfile $msg\n\n")
is "$out" "H127.0.0.1:$P
Ttls=none policy=may outcome=plaintext
r250 2.1.5 Ok
h550 5.1.1 no such user
s451 4.3.0 try later
K250 2.0.0 Ok: queued" 'the report: H, T, r/h/s per recipient in order, then K'
out=$(remote "host 127.0.0.1:$P\nfile $msg\nfrom <s@y.test>\nto <ok@x.test>\n\nhost 127.0.0.1:$P\nfile $msg\nto <later@x.test>\n\n")
is "$out" "H127.0.0.1:$P
Ttls=none policy=may outcome=plaintext
r250 2.1.5 Ok
K250 2.0.0 Ok: queued
H127.0.0.1:$P
Ttls=none policy=may outcome=plaintext
s451 4.3.0 try later
Z4.1.0 no recipient was accepted" 'two jobs: from/to override the envelope; none accepted is Z'
is "$(grep -c '^ehlo' "$T/pipe.log")" 2 'the second job reused the first connection'

py_server plain --rcpt 'bad=550 5.1.1 no such user'
out=$(remote "host 127.0.0.1:$(port_of plain)\nfile $msg\n\n")
like "$out" "^H127.0.0.1:[0-9]+
r250 2.1.5 Ok
h550 5.1.1 no such user
r250 2.1.5 Ok
K250 2.0.0 Ok: queued$" 'without PIPELINING: the same results, one command at a time'

py_server small --pipelining --size 100
out=$(remote "host 127.0.0.1:$(port_of small)\nfile $msg\nto <ok@x.test>\n\n")
like "$out" "^H127.0.0.1:[0-9]+
D5.3.4 message too big for 127.0.0.1:[0-9]+, whose limit is 100$" \
	'SIZE smaller than the message: a permanent failure'
ok 'and nothing was sent' sh -c "! grep -q '^rcpt' '$T/small.log'"

py_server drop --pipelining --drop-after-dot
out=$(remote "host 127.0.0.1:$(port_of drop)\nfile $msg\nto <ok@x.test>\n\n")
like "$out" 'Z4.4.2 127.0.0.1:[0-9]+ connection lost after the final dot: possible duplicate' \
	'lost after the final dot: deferred, a possible duplicate'
like "$(cat "$T/remote.err")" 'warning: id=[^ ]+ host=[^ ]+ after="the final dot" reason="connection lost; possible duplicate"' 'and logged'

py_server stall --pipelining --stall-after-dot
s=$(date +%s)
out=$(remote "host 127.0.0.1:$(port_of stall)\nfile $msg\nto <ok@x.test>\n\n")
like "$out" '^Z4.4.2 .*possible duplicate' 'a stall after the dot times out: Z'
ok 'within control/timeoutremote' test $(($(date +%s) - s)) -le 4

dead=$(free_port)
tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" greet421
g421=$TCP_PORT
out=$(remote "host 127.0.0.1:$dead\nhost 127.0.0.1:$g421\nhost 127.0.0.1:$P\nfile $msg\nto <ok@x.test>\n\n")
like "$out" "^H127.0.0.1:$P
r250" 'a dead host and a 421 greeting: the third host took it'
like "$(cat "$T/remote.err")" "host=127.0.0.1:$g421 reason=\"greeting: 421 4.3.2 too busy\"" \
	'the 421 greeting is logged'
out=$(remote "host 127.0.0.1:$dead\nhost 127.0.0.1:$g421\nfile $msg\n\n")
like "$out" "^H
Z4.4.1 no host answered: 127.0.0.1:$g421: greeting: 421" \
	'no host answered: empty H, Z, and the last reason'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" helo
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\nto <ok@x.test>\n\n")
like "$out" "^H127.0.0.1:$TCP_PORT
r250 2.1.5 ok
K250 2.0.0 taken$" 'EHLO refused: HELO fallback'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" odd
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\nto <ok@x.test>\n\n")
like "$out" '^Z451 first line / 4.3.0 the second differs$' \
	'codes that differ: the last one (451) counts'
like "$(cat "$T/remote.err")" 'what=MAIL reply=.* reason="odd reply \(codes differ; the last counts\)"' \
	'and it is logged'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" nul
remote "host 127.0.0.1:$TCP_PORT\nfile $msg\nto <ok@x.test>\n\n" >"$T/nul.out"
ok 'NUL and control bytes in a reply come out cleaned' \
	grep -qx 'h550 5.1.1 bad?user??\[31m?red' "$T/nul.out"
is "$(tr -d '\n -~' <"$T/nul.out" | wc -c | tr -d ' ')" 0 \
	'nothing but printable text and record ends in the report'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" huge
out=$(remote "host 127.0.0.1:$TCP_PORT\nhost 127.0.0.1:$P\nfile $msg\nto <ok@x.test>\n\n")
like "$out" "^H127.0.0.1:$P" 'a megabyte greeting with no line end: next host'
ok 'the log line about it stays short' \
	test "$(awk '{ if (length > m) m = length } END { print m }' "$T/remote.err")" -lt 2000

out=$(remote "host nonsense:0\nfile $msg\n\nhost 127.0.0.1:$P\n\nsomething\n\n")
is "$out" "H
Z4.3.5 bad job: bad host line
H
Z4.3.5 bad job: no file line
H
Z4.3.5 bad job: unknown line" 'malformed jobs are reported, not fatal'
ok 'zr-remote refuses to run as root' sh -c \
	"[ \$(id -u) != 0 ] || ! printf '' | zr-remote"
done_testing
