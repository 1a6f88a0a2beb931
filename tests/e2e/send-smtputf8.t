#!/bin/bash
# SPDX-License-Identifier: MIT
# SMTPUTF8 (RFC 6531) through the relay: Python's smtplib sends UTF-8
# addresses and header fields to zr-smtpd, which checks them as UTF-8 and
# records the need in the envelope; zr-remote passes SMTPUTF8 on to an
# aiosmtpd receiver that offers it (delivered, addresses intact) and fails
# the recipient with 5.6.7 at one that does not, never downgrading, with a
# notice that says so.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 17
zr_setup
control timeoutremote 5
control timeoutconnect 2
mkdir -p "$T/mail" && chmod 777 "$T/mail"
control localdomains relay.test
control localroot "$T/mail"
chmod 644 "$ZR_CONTROL"/*
chown -R "$ZR_TEST_USER" "$ZR_CONTROL"
if [ "$(id -u)" = 0 ]; then
	tcpserver_start env RELAYCLIENT= setpriv --reuid="$ZR_TEST_USER" \
		--regid="$ZR_TEST_GROUP" --clear-groups -- zr-smtpd
else
	tcpserver_start env RELAYCLIENT= zr-smtpd
fi
P=$TCP_PORT
C="python3 ${0%/*}/smtpd-client.py $P"
codes() { echo "$1" | grep -v '^250-' | cut -c1-9 | tr '\n' ' '; }

# send FROM TO SUBJECT: smtplib's sendmail with SMTPUTF8; prints "sent".
send() {
	"$PY" - "$P" "$@" <<'PY'
import smtplib, sys
port, frm, to, subj = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP('127.0.0.1', port, timeout=20)
s.ehlo('c.test')
print('offered' if s.has_extn('smtputf8') else 'not offered')
msg = ('From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nGr\u00fc\u00dfe\r\n'
       % (frm, to, subj)).encode('utf-8')
s.sendmail(frm, [to], msg, mail_options=['SMTPUTF8'])
print('sent')
s.quit()
PY
}

out=$(send 'jörg@bücher.test' '用户@utf8.test' 'Grüße from Jörg')
is "$out" 'offered
sent' 'zr-smtpd offers SMTPUTF8 and takes a UTF-8 sender and recipient from smtplib'
f=$(grep -l '^rcpt <用户@utf8.test>$' "$ZR_QUEUE"/todo/*/*)
ok 'the envelope records it: smtputf8 yes' grep -qx 'smtputf8 yes' "$f"
ok 'and the sender as it came' grep -qx 'sender <jörg@bücher.test>' "$f"
ok 'the UTF-8 header field is stored as it came' grep -qx 'Subject: Grüße from Jörg' "$f"

# Without SMTPUTF8, 8-bit addresses are refused as ever; malformed UTF-8
# with it is refused with 553 5.6.7 (overlong, surrogate, cut short).
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<j\xc3\xb6rg@b.test>\r\n' \
	'1:MAIL FROM:<a@b.test>\r\n' '1:RCPT TO:<j\xc3\xb6rg@utf8.test>\r\n' \
	'1:RSET\r\n' '1:MAIL FROM:<j\xc0\xafrg@b.test> SMTPUTF8\r\n' \
	'1:MAIL FROM:<j\xed\xa0\x80@b.test> SMTPUTF8\r\n' \
	'1:MAIL FROM:<a@b.test> SMTPUTF8\r\n' '1:RCPT TO:<j\xc3@utf8.test>\r\n' \
	'1:RCPT TO:<ok\xc3\xa9@utf8.test>\r\n' '1:NOOP \xc3\xa9\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 relay 250 DSN 500 5.5.2 250 2.1.0 500 5.5.2 250 2.0.0 553 5.6.7 553 5.6.7 250 2.1.0 553 5.6.7 250 2.1.5 500 5.5.2 221 2.0.0 ' \
	'8-bit without SMTPUTF8: 500 as before; malformed UTF-8: 553 5.6.7; only MAIL and RCPT carry it'

# RFC 6532: with SMTPUTF8 the header must be UTF-8; without it, 8-bit
# header text (an old charset) is taken as before.
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test> SMTPUTF8\r\n' \
	'1:RCPT TO:<x@utf8.test>\r\n' '1:DATA\r\n' '1:Subject: \xc0\xaf\r\n\r\nb\r\n.\r\n' \
	'1:MAIL FROM:<a@b.test>\r\n' '1:RCPT TO:<latin1@utf8.test>\r\n' '1:DATA\r\n' \
	'1:Subject: Gr\xfc\xdfe\r\n\r\nb\r\n.\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 relay 250 DSN 250 2.1.0 250 2.1.5 354 End d 554 5.6.7 250 2.1.0 250 2.1.5 354 End d 250 2.0.0 221 2.0.0 ' \
	'malformed UTF-8 in an SMTPUTF8 header: 554 5.6.7; Latin-1 without SMTPUTF8: queued'

# An ASCII message needs nothing new.
printf 'Subject: plain\n\nbody\n' | as_user zr-inject -f alice@relay.test x@utf8.test
f=$(grep -l '^rcpt <x@utf8.test>$' "$ZR_QUEUE"/todo/*/*)
ok 'an ASCII message has no smtputf8 line' sh -c "! grep -q smtputf8 '$f'"

send 'alice@relay.test' 'jörg@plain.test' 'Ärger' >/dev/null

py_server utf8 --smtputf8 --pipelining --save "$T/saved"
mkdir -p "$T/saved"
py_server plain --pipelining
control domainroutes "utf8.test 127.0.0.1:$(port_of utf8)
plain.test 127.0.0.1:$(port_of plain)"
chmod 644 "$ZR_CONTROL/domainroutes"
send_start
log_has 30 'rcpt=<用户@utf8\.test>' || diag 'no delivery line for 用户@utf8.test'
log_has 30 'rcpt=<jörg@plain\.test>' || diag 'no delivery line for jörg@plain.test'
log=$(cat "$T/send.log")
like "$log" 'success: .* rcpt=<用户@utf8\.test>' 'a next hop that offers SMTPUTF8: delivered'
ok 'MAIL FROM passed SMTPUTF8 on' grep -qx 'mail smtputf8' "$T/utf8.log"
ok 'the sender arrived intact' grep -qx 'mail FROM:<jörg@bücher.test>' "$T/utf8.log"
ok 'the recipient arrived intact' grep -qx 'rcpt 用户@utf8.test' "$T/utf8.log"
wait_for 10 sh -c "grep -lq 'Subject: Grüße from Jörg' '$T'/saved/*" 
ok 'the UTF-8 header field arrived intact' sh -c "grep -q 'Subject: Grüße from Jörg' '$T'/saved/*"
log_has 30 'success: .* rcpt=<x@utf8\.test>' || diag 'no delivery line for x@utf8.test'
like "$(cat "$T/send.log")" 'success: .* rcpt=<x@utf8\.test>' 'the ASCII message goes there too'
like "$log" "failure: 5\\.6\\.7_SMTPUTF8_support_required.*127\\.0\\.0\\.1:$(port_of plain):_SMTPUTF8:_the_server_does_not_offer_SMTPUTF8/ msg=[^ ]+ rcpt=<jörg@plain\\.test>" \
	'a next hop without SMTPUTF8: the recipient fails with 5.6.7'
ok 'nothing was sent to it: no MAIL, no downgrade' sh -c "! grep -q '^rcpt' '$T/plain.log'"
wait_for 30 sh -c "grep -ls 'jörg@plain.test' '$T'/mail/alice/new/* | grep -q ." &&
	n=$(grep -l 'jörg@plain.test' "$T"/mail/alice/new/* | head -n 1)
like "$(cat "${n:-/dev/null}")" 'Status: 5\.6\.7' 'the failure notice comes back with status 5.6.7'
like "$(cat "${n:-/dev/null}")" 'SMTPUTF8' 'and says SMTPUTF8 is what was missing'
send_stop
done_testing
