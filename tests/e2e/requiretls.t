#!/bin/bash
# SPDX-License-Identifier: MIT
# REQUIRETLS (RFC 8689) through the relay: zr-smtpd offers it inside TLS
# only and records it in the envelope; zr-remote passes it on to a host
# reached with verified TLS that offers it, and otherwise fails the
# recipients with 5.7.30, with a notice that carries the header only.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
[ -x "$ZR_BIN/zr-smtpd-tls" ] || skip_all 'zr-smtpd-tls is not built here'
plan 13
zr_setup
control timeoutremote 5
control timeoutconnect 2
mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
cp "$C/good.pem" "$ZR_CONTROL/tlscert"
cp "$C/good.key" "$ZR_CONTROL/tlskey"
mkdir -p "$T/mail" && chmod 777 "$T/mail"
control localdomains relay.test
control localroot "$T/mail"
chmod 644 "${ZR_CONTROL:?}"/*
chmod 600 "$ZR_CONTROL/tlskey"
chown -R "$ZR_TEST_USER" "$ZR_CONTROL"
smtpd_start RELAYCLIENT=
P=$TCP_PORT

# smtp STEP...: Python's smtplib against zr-smtpd; prints what it saw.
smtp() {
	"$PY" - "$P" "$C/ca.pem" "$@" <<'PY'
import smtplib, ssl, sys
port, ca, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = smtplib.SMTP('127.0.0.1', port, timeout=20)
s.ehlo('c.test')
for step in steps:
    if step == 'features':
        print('requiretls' if s.has_extn('requiretls') else 'no-requiretls')
    elif step == 'tls':
        s.starttls(context=ssl.create_default_context(cafile=ca))
        s.ehlo('c.test')
    elif step.startswith('mail='):
        print(s.mail('alice@relay.test', options=step[5:].split(','))[0])
        s.rset()
    elif step.startswith('send='):
        to, opts = step[5:].split(':')
        msg = ('Subject: secret for %s\r\n\r\nSECRET-BODY\r\n' % to)
        s.sendmail('alice@relay.test', [to], msg,
                   mail_options=[o for o in opts.split(',') if o])
        print('sent')
s.quit()
PY
}

is "$(smtp features tls features)" 'no-requiretls
requiretls' 'REQUIRETLS is offered inside TLS, not before'
is "$(smtp mail=REQUIRETLS)" 555 'MAIL FROM ... REQUIRETLS outside TLS: 555, it was not offered'
is "$(smtp tls mail=REQUIRETLS=1 mail=REQUIRETLS,REQUIRETLS)" '501
501' 'REQUIRETLS takes no value, and comes once'
is "$(smtp tls send=x@rt.test:REQUIRETLS send=x@nort.test:REQUIRETLS \
	send=x@may.test:REQUIRETLS send=y@nort.test:)" 'sent
sent
sent
sent' 'inside TLS, MAIL FROM ... REQUIRETLS is taken'
f=$(grep -l '^rcpt <x@rt.test>$' "$ZR_QUEUE"/todo/*/*)
ok 'the envelope records it: requiretls yes' grep -qx 'requiretls yes' "$f"
f=$(grep -l '^rcpt <y@nort.test>$' "$ZR_QUEUE"/todo/*/*)
ok 'and a message without it has no such line' sh -c "! grep -q requiretls '$f'"

tls_server rt good --pipelining --requiretls
tls_server nort good --pipelining
control domainroutes "rt.test localhost:$(port_of rt) tls=verify
nort.test localhost:$(port_of nort) tls=verify
may.test 127.0.0.1:$(port_of rt) tls=may"
chmod 644 "$ZR_CONTROL/domainroutes"
send_start
for r in x@rt.test x@nort.test x@may.test y@nort.test; do
	log_has 30 "rcpt=<$r>" || diag "no delivery line for $r"
done
log=$(cat "$T/send.log")
like "$log" "success: .* rcpt=<x@rt\.test> host=localhost:$(port_of rt) tls=TLSv1\.[23] cipher=[^ ]+ verify=ok" \
	'verified TLS to a host that offers REQUIRETLS: delivered'
ok 'and MAIL FROM passed REQUIRETLS on' grep -qx 'mail requiretls' "$T/rt.log"
like "$log" "failure: 5\.7\.30_REQUIRETLS_support_required:_localhost:$(port_of nort):_REQUIRETLS:_the_server_does_not_offer_REQUIRETLS/ msg=[^ ]+ rcpt=<x@nort\.test>" \
	'a host that does not offer REQUIRETLS: the recipient fails with 5.7.30'
like "$log" 'failure: 5\.7\.30_REQUIRETLS_support_required:_127\.0\.0\.1:[0-9]+:_REQUIRETLS_needs_verified_TLS,_and_the_host.s_level_is_may/ msg=[^ ]+ rcpt=<x@may\.test>' \
	'a host at tls=may: 5.7.30, without a connection'
like "$log" "success: .* rcpt=<y@nort\.test>" \
	'a message without REQUIRETLS goes to that host as before'
wait_for 30 sh -c "grep -ls 'x@nort.test' '$T'/mail/alice/new/* | grep -q ." &&
	n=$(grep -l 'x@nort.test' "$T"/mail/alice/new/* | head -n 1)
like "$(cat "${n:-/dev/null}")" 'Subject: secret for x@nort\.test' \
	'the failure notice comes back to the sender with the header'
ok 'but not the content, as with RET=HDRS (RFC 8689 4.3)' \
	sh -c "! grep -q SECRET-BODY '${n:-/nonexistent}'"
send_stop
done_testing
