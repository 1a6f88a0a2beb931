#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: STARTTLS and implicit TLS with real clients (swaks, openssl
# s_client, Python's ssl): what is offered when, the restart after the
# handshake, plaintext injection, protocol and cipher settings, a key that
# others may read, and the protocol names in Received:.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
. "${0%/*}/../lib/certs.sh"
plan 38
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
make_certs "$T/pki" || { echo 'Bail out! openssl could not make certificates'; exit 1; }
tls_install "$T/pki"
smtpd_start
P=$TCP_PORT
LOG=$T/.tcpserver.$_seq.err
C="python3 ${0%/*}/smtpd-client.py"
codes() {
	grep -v '^250-' | cut -c1-3 | tr '\n' ' '
}
s_client() {
	timeout 20 openssl s_client -connect 127.0.0.1:$P -starttls smtp \
		-CAfile "$T/pki/ca.pem" -verify_return_error \
		-verify_hostname relay.test -brief -ign_eof "$@" 2>&1
}

out=$($C $P '1:EHLO c.test\r\n' '1:QUIT\r\n')
like "$out" '^250-STARTTLS' 'plain EHLO offers STARTTLS'

out=$(swaks --server 127.0.0.1:$P --tls --from a@b.test --to u@example.com \
	--header 'Subject: over tls' 2>&1)
like "$out" '<~  250 2\.0\.0 Ok: queued as' 'swaks --tls: queued inside TLS'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'envelope: proto ESMTPS' grep -qx 'proto ESMTPS' "$f"
ok 'Received: says ESMTPS' grep -q 'with ESMTPS id' "$f"
like "$(cat "$LOG")" 'event=end client=127\.0\.0\.1 helo=[^ ]+ tls=TLSv1\.3 cipher=TLS_[A-Z0-9_]+ verify=no-certificate msgs=1 result=quit' \
	'the connection log line names protocol and cipher'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

out=$(printf 'EHLO c.test\r\nQUIT\r\n' | s_client)
like "$out" 'Verification: OK' 'openssl s_client -starttls smtp: the chain verifies against the test CA'
like "$out" 'Protocol version: TLSv1\.3' 'TLS 1.3 by default'
like "$out" '221 2\.0\.0' 's_client: the session goes on to QUIT inside TLS'

# CVE-2011-0411: a command sent in plain text after STARTTLS, in the same
# packet, must not run inside TLS. Had RSET run, the first reply in TLS
# would be its 250, not HELP's 214.
out=$($C $P '1:EHLO c.test\r\n' '1:STARTTLS\r\nRSET\r\n' tls '1:HELP\r\n' \
	'1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 214 221 ' \
	'STARTTLS\r\nRSET\r\n in one packet: RSET is not executed inside TLS'
like "$(cat "$LOG")" 'client=127\.0\.0\.1 starttls_discarded=6$' \
	'the six injected octets are logged as discarded'
out=$($C $P '1:EHLO c.test\r\n' \
	'1:STARTTLS\r\nMAIL FROM:<evil@b.test>\r\n' tls '1:EHLO c.test\r\n' \
	'1:RCPT TO:<u@example.com>\r\n' '1:QUIT\r\n')
like "$out" '^503 5\.5\.1 Need MAIL' 'an injected MAIL FROM is not a transaction inside TLS'

# After the handshake the session starts over (RFC 3207 4.2).
out=$($C $P '1:EHLO c.test\r\n' '1:STARTTLS\r\n' tls \
	'1:MAIL FROM:<a@b.test>\r\n' '1:EHLO c.test\r\n' '1:STARTTLS\r\n' \
	'1:QUIT\r\n')
like "$out" '^503 5\.5\.1 Send HELO' 'after STARTTLS, EHLO is needed again'
ok 'EHLO inside TLS no longer offers STARTTLS' \
	sh -c "echo '$out' | sed -n '/^TLS/,\$p' | grep -q '^250-ENHANCED' && ! echo '$out' | sed -n '/^TLS/,\$p' | grep -q '^250-STARTTLS'"
like "$out" '^503 5\.5\.1 TLS already active' 'STARTTLS twice: 503'
out=$($C $P '1:STARTTLS\r\n' '1:EHLO c.test\r\n' '1:STARTTLS now\r\n' \
	'1:MAIL FROM:<a@b.test>\r\n' '1:STARTTLS\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 503 250 501 250 503 221 ' \
	'STARTTLS before EHLO, with a parameter, and in a transaction: refused'
like "$out" '^503 5\.5\.1 Not allowed during a mail transaction' \
	'STARTTLS in a transaction: 503 5.5.1'

# control/tlsprotocols and control/tlsciphers, read per connection.
echo 'TLSv1.2 TLSv1.2' >"$ZR_CONTROL/tlsprotocols"
echo 'ECDHE-ECDSA-AES128-GCM-SHA256' >"$ZR_CONTROL/tlsciphers"
out=$(printf 'QUIT\r\n' | s_client)
like "$out" 'Protocol version: TLSv1\.2' 'tlsprotocols TLSv1.2 TLSv1.2: TLS 1.2'
like "$out" 'Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256' 'tlsciphers: the cipher chosen'
out=$(printf 'QUIT\r\n' | s_client -tls1_3)
ok 'a TLS 1.3-only client fails against a TLS 1.2 maximum' \
	sh -c "! echo '$out' | grep -q 'Protocol version'"
echo 'TLSv1.4' >"$ZR_CONTROL/tlsprotocols"
out=$($C $P '1:QUIT\r\n')
like "$out" '^421 4\.3\.0' 'an unknown protocol name in tlsprotocols: 421'
like "$(cat "$LOG")" 'unable to read control/tlsprotocols' 'and the log says which file'
rm -f "$ZR_CONTROL/tlsprotocols" "$ZR_CONTROL/tlsciphers"

# A certificate OpenSSL cannot load: 454, and the session goes on in plain.
cp "$ZR_CONTROL/tlscert" "$T/cert.saved"
echo 'not a certificate' >"$ZR_CONTROL/tlscert"
out=$($C $P '1:EHLO c.test\r\n' '1:STARTTLS\r\n' '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 454 250 221 ' 'a broken certificate: 454, then plain text goes on'
like "$(cat "$LOG")" 'unable to set up TLS: unable to load the TLS certificate' \
	'the log says why'
cp "$T/cert.saved" "$ZR_CONTROL/tlscert"

# A key that others may read is not used.
chmod 640 "$ZR_CONTROL/tlskey"
out=$($C $P '1:EHLO c.test\r\n' '1:STARTTLS\r\n' '1:QUIT\r\n')
ok 'key mode 0640: STARTTLS not offered' sh -c "! echo '$out' | grep -q '^250-STARTTLS'"
like "$out" '^502 5\.5\.1 STARTTLS not available' 'key mode 0640: STARTTLS refused'
like "$(cat "$LOG")" 'tlskey is accessible by group or others \(chmod 600\): STARTTLS not offered' \
	'the log says why'
chmod 604 "$ZR_CONTROL/tlskey"
out=$($C $P '1:EHLO c.test\r\n' '1:QUIT\r\n')
ok 'key mode 0604: STARTTLS not offered' sh -c "! echo '$out' | grep -q '^250-STARTTLS'"
chmod 600 "$ZR_CONTROL/tlskey"
mv "$ZR_CONTROL/tlskey" "$T/key.saved"
out=$($C $P '1:EHLO c.test\r\n' '1:QUIT\r\n')
ok 'no key: STARTTLS not offered' sh -c "! echo '$out' | grep -q '^250-STARTTLS'"
like "$(cat "$LOG")" 'tlskey is missing: STARTTLS not offered' 'a certificate without a key is logged'
mv "$T/key.saved" "$ZR_CONTROL/tlskey"

# Implicit TLS (RFC 8314): -s.
smtpd_start -- -s
S=$TCP_PORT
SLOG=$T/.tcpserver.$_seq.err
out=$(swaks --server 127.0.0.1:$S --tlsc --from a@b.test --to u@example.com 2>&1)
like "$out" '<~  250 2\.0\.0 Ok: queued as' 'swaks --tlsc: queued over implicit TLS'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'implicit TLS: Received: says ESMTPS' grep -q 'with ESMTPS id' "$f"
out=$($C $S -t '1:EHLO c.test\r\n' '1:QUIT\r\n')
like "$out" '^TLS TLSv1\.3' 'implicit TLS: handshake first'
like "$out" '^220 relay\.test ESMTP' 'then the greeting, inside TLS'
ok 'implicit TLS: STARTTLS not offered' sh -c "! echo '$out' | grep -q '^250-STARTTLS'"
out=$($C $S -e '1:EHLO c.test\r\n' 2>&1)
ok 'a plain-text client gets no greeting from -s' sh -c "! echo '$out' | grep -q '^220'"
wait_for 5 grep -q 'tls=failed' "$SLOG"
like "$(cat "$SLOG")" 'client=127\.0\.0\.1 tls=failed reason="TLS handshake failed' \
	'the failed handshake is logged'
mv "$ZR_CONTROL/tlskey" "$T/key.saved"
out=$($C $S -t '1:QUIT\r\n' 2>&1)
ok '-s without a key: no session' sh -c "! echo '$out' | grep -q '^220'"
wait_for 5 grep -q 'implicit TLS needs' "$SLOG"
like "$(cat "$SLOG")" 'implicit TLS needs control/tlscert and control/tlskey' \
	'-s without a key: the log says why'
mv "$T/key.saved" "$ZR_CONTROL/tlskey"
done_testing
