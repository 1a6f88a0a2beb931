#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd with control/qualifyheaders: addresses without a domain in the
# header of a relay client's message get control/defaultdomain; an
# outsider's message, and any message without the file, stay as sent.
. "${0%/*}/../lib/harness.sh"
plan 7
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
cp -a "$ZR_CONTROL" "$T/control-off"
echo 1 >"$ZR_CONTROL/qualifyheaders"
echo example.org >"$ZR_CONTROL/defaultdomain"
start() {
	if [ "$(id -u)" = 0 ]; then
		tcpserver_start env "$@" setpriv --reuid=nobody --regid=nogroup \
			--clear-groups "$ZR_BIN/zr-smtpd"
	else
		tcpserver_start env "$@" "$ZR_BIN/zr-smtpd"
	fi
}
start RELAYCLIENT= ZR_CONTROL="$ZR_CONTROL"
RELAY=$TCP_PORT
start ZR_CONTROL="$ZR_CONTROL"
OUT=$TCP_PORT
start RELAYCLIENT= ZR_CONTROL="$T/control-off"
OFF=$TCP_PORT
msg='From: root (Cron Daemon)\r\nTo: someone, Ops <ops>\r\nSubject: to root\r\n\r\nFrom: root\r\n.\r\n'
send() {
	python3 "${0%/*}/smtpd-client.py" "$1" '1:EHLO c.test\r\n' \
		'3:MAIL FROM:<root@host.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n' \
		"1:$msg" '1:QUIT\r\n' >/dev/null
	find "$ZR_QUEUE/todo/normal" -type f
}
body_of() { sed '1,/^data$/d' "$1"; }

f=$(send "$RELAY")
b=$(body_of "$f")
like "$b" '^From: root@example\.org \(Cron Daemon\)$' 'relay client: From: gets control/defaultdomain'
like "$b" '^To: someone@example\.org, Ops <ops@example\.org>$' 'and To:'
like "$b" '^Subject: to root$' 'other fields as sent'
is "$(sed '1,/^$/d' "$f")" 'From: root' 'the body is not touched'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

f=$(send "$OUT")
like "$(body_of "$f")" '^From: root \(Cron Daemon\)$' 'an outsider: as sent'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

f=$(send "$OFF")
like "$(body_of "$f")" '^From: root \(Cron Daemon\)$' 'without control/qualifyheaders: as sent'
like "$(body_of "$f")" '^To: someone, Ops <ops>$' 'To: too'
done_testing
