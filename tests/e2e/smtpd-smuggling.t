#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: SMTP smuggling. Only <CR><LF>.<CR><LF> ends DATA; a message
# with a bare CR or LF is refused whole (554 5.6.0) and the session stays in
# step: commands hidden after a fake end of data are never run.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 26
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
smtpd_start
C="python3 ${0%/*}/smtpd-client.py $TCP_PORT"
hidden='MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n'

for v in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r' '\r\n.\r' '\n.\r'; do
	rm -f "${ZR_QUEUE:?}"/todo/normal/*
	out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
		"1:Subject: real\\r\\n\\r\\nbody$v$hidden.\\r\\n" '1:QUIT\r\n')
	is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
		'220 250 250 250 354 554 221 ' \
		"variant $v: one reply to the one true end, session in step"
	like "$out" '^554 5\.6\.0 ' "variant $v: 554 5.6.0"
	is "$(qcount todo/normal)" 0 "variant $v: nothing queued"
done

# The same session goes on cleanly after a refused message.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
	'1:Subject: bad\r\n\r\nbare\nlf\r\n.\r\n' \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
	'1:Subject: good\r\n\r\n..\r\n.x\r\n.\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 354 554 250 250 354 250 221 ' 'refused, then accepted'
is "$(qcount todo/normal)" 1 'exactly one message queued'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'it is the good one' grep -qx 'Subject: good' "$f"
is "$(tail -n 2 "$f" | tr '\n' '|')" '.|x|' 'its content ends with the unstuffed lines'

# A real end of data followed by a pipelined second message: two messages.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
	'4:Subject: one\r\n\r\n.\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n' \
	'1:Subject: two\r\n\r\n.\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 354 250 250 250 354 250 221 ' 'CRLF.CRLF ends; the rest are commands'
is "$(qcount todo/normal)" 2 'two messages queued'
ok 'one to x, one to y' sh -c "grep -l 'rcpt <x@example.com>' '$ZR_QUEUE'/todo/normal/* | xargs grep -qx 'Subject: one' && grep -l 'rcpt <y@example.com>' '$ZR_QUEUE'/todo/normal/* | xargs grep -qx 'Subject: two'"
ok 'no smuggled sender anywhere' sh -c "! grep -rq 'evil@x.test' '$ZR_QUEUE'"
done_testing
