#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: clients that are not SMTP clients or do not listen. An HTTP
# request line or a header line gets 554 and the connection is closed, so
# no command in an HTTP body ever runs; commands pipelined before HELO/EHLO
# was answered get 554 and close, while real pipelining clients (swaks
# --pipe, smtp-source) work; control/maxjunk ends a session of commands
# that do no work with 421.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 27
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
smtpd_start
P=$TCP_PORT
LOG=$T/.tcpserver.$_seq.err
C="python3 ${0%/*}/smtpd-client.py $P"
codes() {
	grep -v '^250-' | cut -c1-3 | tr '\n' ' '
}
SESSION='EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nfrom an HTTP body\r\n.\r\nQUIT\r\n'

# A cross-protocol POST: curl, as a browser's form would, sends an HTTP
# request whose body is an SMTP session.
printf "$SESSION" >"$T/body"
out=$(curl -s --http0.9 --max-time 20 --data-binary @"$T/body" \
	"http://127.0.0.1:$P/" 2>&1 | tr -d '\r')
# It talks before the greeting, and is told what it reached.
like "$out" '^554 5\.7\.0 Protocol violation: this is an SMTP server' \
	'curl POST: 554 5.7.0'
# The greeting may go out before the request arrives; no other reply may.
is "$(echo "$out" | grep -v '^220 ' | grep -c '^[0-9][0-9][0-9]')" 1 \
	'and nothing else: no command of the body was answered'
like "$(cat "$LOG")" 'reject=554 esc=5\.7\.0 cmd=POST' 'the refusal is logged'
out=$($C "2:POST /form HTTP/1.1\\r\\nHost: relay.test\\r\\nContent-Length: 200\\r\\n\\r\\n$SESSION")
is "$(echo "$out" | codes)" '220 554 EOF ' 'raw POST with an SMTP body: 554, then closed'
is "$(qcount todo/normal)$(qcount tmp)" 00 'nothing queued, nothing in tmp'
is "$(grep -c 'reject=554 esc=5\.7\.0 cmd=POST' "$LOG")" 2 'both POSTs logged'
like "$(cat "$LOG")" 'result=http' 'and why the connection ended'
got=
for req in 'GET / HTTP/1.1' 'HEAD /index.html HTTP/1.0' 'PUT /x HTTP/1.1' \
	'CONNECT relay.test:25 HTTP/1.1' 'OPTIONS * HTTP/1.1' 'get / http/1.0'; do
	got="$got$($C "2:$req\\r\\n" | codes)"
done
is "$got" '220 554 EOF 220 554 EOF 220 554 EOF 220 554 EOF 220 554 EOF 220 554 EOF ' \
	'GET, HEAD, PUT, CONNECT, OPTIONS, lower case: 554 and close'
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' '2:Host: relay.test\r\n')
is "$(echo "$out" | codes)" '220 250 250 554 EOF ' 'a Host: line in a session: 554 and close'
out=$($C '1:EHLO c.test\r\n' '2:Subject: not a command\r\n')
is "$(echo "$out" | codes)" '220 250 554 EOF ' 'any header field line: the same'
out=$($C '2:GET / HTTP/1.0\n\n')
is "$(echo "$out" | codes)" '220 554 EOF ' 'a request line ending in a bare LF: the same'
out=$($C '1:GET\r\n' '1:GET /\r\n' '1:POSTMASTER x\r\n' '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 500 500 500 250 221 ' \
	'GET alone, or without HTTP/1.x, is only an unknown command'

# Early talkers: more input behind a command before HELO/EHLO is answered.
out=$($C '2:EHLO c.test\r\nMAIL FROM:<a@b.test>\r\n')
is "$(echo "$out" | codes)" '220 554 EOF ' 'EHLO with MAIL behind it in one packet: 554, closed'
like "$out" '^554 Protocol violation: commands sent before the reply to HELO/EHLO' \
	'the reply says why'
out=$($C '2:HELO c.test\r\nMAIL FROM:<a@b.test>\r\n')
is "$(echo "$out" | codes)" '220 554 EOF ' 'HELO likewise'
out=$($C '2:NOOP\r\nEHLO c.test\r\n')
is "$(echo "$out" | codes)" '220 554 EOF ' 'two commands before EHLO: 554'
out=$($C "2:$SESSION")
is "$(echo "$out" | codes)$(qcount todo/normal)" '220 554 EOF 0' \
	'a whole session in one packet: refused at EHLO, nothing queued'
like "$(cat "$LOG")" 'result=pipelining' 'logged as pipelining'
out=$($C '1:EHLO c.test\r\n' \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:x\r\n.\r\n' '1:QUIT\r\n')
like "$out" '^250 2\.0\.0 Ok: queued' 'after the EHLO reply, a pipelined group is fine'
out=$(swaks --server 127.0.0.1:$P --pipeline --from a@b.test --to u@example.com 2>&1)
like "$out" '<-  250 2\.0\.0 Ok: queued' 'swaks --pipeline: queued'
rm -f "${ZR_QUEUE:?}"/todo/normal/*
ok 'smtp-source, 4 messages over 2 sessions, and 3 over one' sh -c \
	"smtp-source -s 2 -m 4 -f a@b.test -t u@example.com 127.0.0.1:$P &&
	smtp-source -d -m 3 -f a@b.test -t u@example.com 127.0.0.1:$P"
is "$(qcount todo/normal)" 7 'all seven queued'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

# control/maxjunk: NOOP, RSET, VRFY, HELP and bad commands do no work.
echo 5 >"$ZR_CONTROL/maxjunk"
out=$($C '1:EHLO c.test\r\n' '1:NOOP\r\n' '1:RSET\r\n' '1:VRFY u\r\n' \
	'1:HELP\r\n' '2:NOOP\r\n' '1:NOOP\r\n')
is "$(echo "$out" | codes)" '220 250 250 250 252 214 250 421 EOF ' \
	'maxjunk 5: the fifth is answered, then 421 and close'
like "$out" '^421 4\.7\.0 Too many commands that do no work' '421 4.7.0'
out=$($C '1:EHLO c.test\r\n' '1:FOO\r\n' '1:MAIL FROM:<x>\r\n' '1:NOOP\r\n' \
	'1:NOOP\r\n' '2:NOOP\r\n')
is "$(echo "$out" | codes)" '220 250 500 501 250 250 250 421 ' \
	'unknown commands and bad syntax count too'
out=$($C '1:EHLO c.test\r\n' '4:NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n' \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:x\r\n.\r\n' '4:NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n' '1:QUIT\r\n')
like "$out" '^221 ' 'a message accepted starts the count again'
rm "$ZR_CONTROL/maxjunk"
noops=$(python3 -c "print('NOOP\\\\r\\\\n' * 100, end='')")
out=$($C '1:EHLO c.test\r\n' "101:$noops")
is "$(echo "$out" | grep -c '^250 2\.0\.0 Ok')/$(echo "$out" | tail -n 1 | cut -c1-9)" \
	'100/421 4.7.0' 'the default: 100 NOOPs answered, then 421'
done_testing
