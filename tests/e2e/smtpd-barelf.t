#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: bare LF. curl's upload of an LF-only file is taken from a relay
# client (control/relaynets), its lines stored as CRLF lines are, and
# refused (554 5.6.0) from an outsider; for both, only <CR><LF>.<CR><LF>
# ends the data, so no smuggled end is believed.
. "${0%/*}/../lib/harness.sh"
plan 12
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
# The outsider's server reads a control directory without relaynets.
cp -a "$ZR_CONTROL" "$T/control-out"
echo 127.0.0.1/32 >"$ZR_CONTROL/relaynets"
start() {
	if [ "$(id -u)" = 0 ]; then
		tcpserver_start env "$@" setpriv --reuid=nobody --regid=nogroup \
			--clear-groups "$ZR_BIN/zr-smtpd"
	else
		tcpserver_start env "$@" "$ZR_BIN/zr-smtpd"
	fi
}
start ZR_CONTROL="$ZR_CONTROL"
RELAY=$TCP_PORT
start ZR_CONTROL="$T/control-out"
OUT=$TCP_PORT

printf 'From: a@b.test\nTo: x@example.com\nSubject: lf only\n\nline one\nlast\n' >"$T/lf.txt"
up() {
	curl -v --max-time 20 "smtp://127.0.0.1:$1" --mail-from a@b.test \
		--mail-rcpt x@example.com --upload-file "$T/lf.txt" 2>&1
}

out=$(up "$RELAY")
ok 'relay client: curl succeeds' test $? = 0
is "$(qcount todo/normal)" 1 'relay client: the message is queued'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'the header fields are lines of their own' grep -qx 'Subject: lf only' "$f"
ok 'the body lines are lines of their own' grep -qx 'line one' "$f"
ok 'no CR is stored: every line ends as a CRLF line does' sh -c "! grep -q \"\$(printf '\\r')\" '$f'"
ok 'the body is intact' sh -c "sed '1,/^\$/d' '$f' | grep -qx 'last'"

rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$(up "$OUT")
like "$out" '< 554 5\.6\.0 ' 'outsider: curl is refused with 554 5.6.0'
is "$(qcount todo/normal)" 0 'outsider: nothing queued'

# Smuggled ends from a relay client: refused, the session stays in step.
C="python3 ${0%/*}/smtpd-client.py $RELAY"
hidden='MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n'
all=1
for v in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r' '\r\n.\r' '\n.\r'; do
	out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
		"1:Subject: real\\r\\n\\r\\nbody$v$hidden.\\r\\n" '1:QUIT\r\n')
	[ "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" = \
		'220 250 250 250 354 554 221 ' ] || { all=0; diag "variant $v: $out"; }
done
ok 'relay client: every smuggling variant is refused, session in step' test "$all" = 1
is "$(qcount todo/normal)" 0 'relay client: nothing smuggled was queued'
ok 'no smuggled sender anywhere' sh -c "! grep -rq 'evil@x.test' '$ZR_QUEUE'"

# A relay client's LF lines, then CRLF.CRLF and a pipelined command.
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
	'2:Subject: mixed\n\nbody\r\n.\r\nNOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 354 250 250 221 ' 'LF lines then CRLF.CRLF: queued, the next command runs'
done_testing
