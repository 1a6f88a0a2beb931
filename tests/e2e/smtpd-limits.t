#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: limits and hostile input. Line lengths, recipients, sizes, the
# idle timeout, bad commands, NUL and 8-bit bytes, early talkers, and
# running as root.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 32
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo 3 >"$ZR_CONTROL/maxrcpt"
echo 20000 >"$ZR_CONTROL/databytes"
smtpd_start
P=$TCP_PORT
C="python3 ${0%/*}/smtpd-client.py $P"
codes() {
	grep -v '^250-' | cut -c1-3 | tr '\n' ' '
}
x() {
	python3 -c "import sys; sys.stdout.write('$1' * $2)"
}

out=$($C '1:EHLO c.test\r\n' "1:NOOP $(x a 505)\\r\\n" "1:NOOP $(x a 506)\\r\\n" \
	"1:MAIL FROM:<a@b.test> ENVID=$(x e 100)\\r\\n" \
	"1:RCPT TO:<u@example.com> ORCPT=rfc822;$(x o 490)\\r\\n" \
	"1:RCPT TO:<v@example.com> ORCPT=rfc822;$(x o 490) NOTIFY=NEVER$(x ' ' 600)\\r\\n" \
	'1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 250 500 250 250 500 221 ' \
	'512-octet command ok, 513 refused; MAIL/RCPT may grow to 1024'
like "$out" '^500 5\.5\.2 Line too long' 'long line: 500 5.5.2'

# A huge line: refused once, memory bounded, the session goes on.
head -c 8000000 /dev/zero | tr '\0' 'z' >"$T/huge"
printf '\r\n' >>"$T/huge"
out=$($C '1:EHLO c.test\r\n' "1:@$T/huge" '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 500 250 221 ' '8 MB line: one 500, then in step'

# Bytes that have no place in a command.
out=$($C '1:NO\x00OP\r\n' '1:HELO caf\xe9.test\r\n' '1:NOOP\n' '1:NO\rOP\r\n' \
	'1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 500 500 500 500 250 221 ' \
	'NUL, 8-bit, bare LF, bare CR in commands: 500'
like "$out" '^500 5\.5\.2 Commands must end in CRLF' 'bare LF: 500 5.5.2'

# maxrcpt 3: the fourth recipient is 452 4.5.3.
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' \
	'4:RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nRCPT TO:<d@example.com>\r\n' \
	'1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 250 250 250 250 452 221 ' 'maxrcpt 3: fourth gets 452'
like "$out" '^452 4\.5\.3 ' '452 4.5.3'

# databytes 20000: SIZE at MAIL, and the real size after the dot.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test> SIZE=20001\r\n' '1:QUIT\r\n')
like "$out" '^552 5\.3\.4 ' 'SIZE over databytes: 552 5.3.4 at MAIL'
python3 -c "import sys; sys.stdout.write('Subject: big\r\n\r\n' + ('y' * 98 + '\r\n') * 400 + '.\r\n')" >"$T/big"
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	"1:@$T/big" '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 250 250 354 552 250 221 ' '40 KB message: 552 after the dot, in step'
is "$(qcount todo/normal)$(qcount tmp)" 00 'nothing queued, nothing left in tmp'
DATABYTES=50000 smtpd_start
out=$(python3 "${0%/*}/smtpd-client.py" "$TCP_PORT" '1:EHLO c.test\r\n' \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' "1:@$T/big" '1:QUIT\r\n')
like "$out" '^250-SIZE 50000' 'DATABYTES in the environment overrides control/databytes'
like "$out" '^250 2\.0\.0 Ok: queued' 'and the 40 KB message is accepted'

# A stream far beyond the limit keeps memory bounded and ends in step.
python3 -c "
import sys
w = sys.stdout.write
w('Subject: flood\r\n\r\n')
line = 'f' * 998 + '\r\n'
for i in range(30000):
    w(line)
w('.\r\n')" >"$T/flood"
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	"1:@$T/flood" '1:QUIT\r\n')
like "$out" '^552 5\.3\.4 ' '30 MB message: 552 5.3.4'

# Text lines: 1000 octets with CRLF is the most (RFC 5321 4.5.3.1.6).
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	"1:x\\r\\n\\r\\n$(x l 998)\\r\\n..$(x l 996)\\r\\n.\\r\\n" \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	"1:x\\r\\n\\r\\n$(x l 999)\\r\\n.\\r\\n" '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 250 250 354 250 250 250 354 554 221 ' \
	'1000-octet line accepted, 1001 refuses the message'
like "$out" '^554 5\.6\.0 Message refused: line longer' 'long text line: 554 5.6.0'

# NUL in the content refuses the message.
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:x\r\n\r\na\x00b\r\n.\r\n' '1:QUIT\r\n')
like "$out" '^554 5\.6\.0 Message refused: NUL' 'NUL in DATA: 554 5.6.0'

# Too many bad commands: 421 and close.
out=$($C '1:FOO\r\n' '1:FOO\r\n' '1:FOO\r\n' '1:FOO\r\n' '1:FOO\r\n' '1:FOO\r\n' \
	'1:FOO\r\n' '1:FOO\r\n' '1:FOO\r\n' '2:FOO\r\n' '1:NOOP\r\n')
like "$out" '^421 4\.7\.0 ' 'ten bad commands: 421 4.7.0'
like "$out" 'EOF$' 'and the connection is closed'

# Idle timeout.
echo 1 >"$ZR_CONTROL/timeoutsmtpd"
out=$($C '1:EHLO c.test\r\n' '1:' '1:NOOP\r\n')
like "$out" '^421 4\.4\.2 ' 'idle: 421 4.4.2 after timeoutsmtpd'
like "$out" 'EOF$' 'then closed'
echo 300 >"$ZR_CONTROL/timeoutsmtpd"
like "$(cat "$T"/.tcpserver.*.err)" 'result=timeout' 'the timeout is logged'

# Early talker: input before the greeting.
echo 1 >"$ZR_CONTROL/greetdelay"
out=$($C -e '1:EHLO c.test\r\n' '1:NOOP\r\n')
like "$out" '^554 Protocol violation' 'early talker: 554'
like "$out" 'EOF$' 'early talker: closed'
out=$($C '1:EHLO c.test\r\n' '1:QUIT\r\n')
like "$out" '^220 ' 'a patient client is greeted after greetdelay'
rm "$ZR_CONTROL/greetdelay"
like "$(cat "$T"/.tcpserver.*.err)" 'result=early-talker' 'the early talker is logged'

# Root: refused unless told which user to become.
if [ "$(id -u)" = 0 ]; then
	out=$(env -u UID -u GID "$ZR_BIN/zr-smtpd" </dev/null 2>&1)
	r=$?
	is "$r" 100 'as root without UID/GID: exit 100'
	like "$out" 'refusing to run as root' 'and says why'
	out=$(env UID=0 GID=0 "$ZR_BIN/zr-smtpd" </dev/null 2>&1)
	like "$out" 'refusing to run as root' 'UID=0 is no answer'
	rm -f "${ZR_QUEUE:?}"/todo/normal/*
	tcpserver_start env UID="$(id -u nobody)" GID="$(id -g nobody)" \
		"$ZR_BIN/zr-smtpd"
	out=$(python3 "${0%/*}/smtpd-client.py" "$TCP_PORT" '1:HELO c.test\r\n' \
		'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' '1:x\r\n.\r\n' '1:QUIT\r\n')
	like "$out" '^250 2\.0\.0 Ok: queued' 'started as root with UID/GID: works'
	is "$(stat -c %U "$ZR_QUEUE"/todo/normal/*)" nobody 'and the message belongs to that user'
	rm -f "${ZR_QUEUE:?}"/todo/normal/*
	bg tcpserver -1 -H -R -l 0 -u "$(id -u nobody)" -g "$(id -g nobody)" \
		127.0.0.1 0 "$ZR_BIN/zr-smtpd" >"$T/ug.port" 2>"$T/ug.err"
	wait_for 10 test -s "$T/ug.port"
	TCP_PORT=$(head -n 1 "$T/ug.port")
	out=$(python3 "${0%/*}/smtpd-client.py" "$TCP_PORT" '1:HELO c.test\r\n' \
		'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' '1:x\r\n.\r\n' '1:QUIT\r\n')
	like "$out" '^250 2\.0\.0 Ok: queued' 'under tcpserver -u -g: works'
	is "$(stat -c %U "$ZR_QUEUE"/todo/normal/*)" nobody 'as that user'
else
	for i in 1 2 3 4 5 6 7; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP not root"
	done
fi
done_testing
