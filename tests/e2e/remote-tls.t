#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote's TLS security levels by hand, against aiosmtpd with and
# without STARTTLS and with good, self-signed, wrongly named and expired
# certificates, pinned fingerprints, implicit TLS and session resumption.
# What the receiver logged is the proof: EHLO again inside TLS, no
# transaction where the level forbids one.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 62
tls_remote_setup

remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n'
}
rcpts() {
	grep -c '^rcpt' "$T/$1.log"
}

py_server plain --pipelining
PL=$(port_of plain)
tls_server good good --pipelining
G=$(port_of good)
tls_server self self
S=$(port_of self)
tls_server wrong wrongname
W=$(port_of wrong)
tls_server expired expired
E=$(port_of expired)
tls_server smtps good --smtps
I=$(port_of smtps)

out=$(job "127.0.0.1:$G tls=none")
is "$(echo "$out" | sed -n 2p)" 'Ttls=none policy=none outcome=plaintext' \
	'tls=none: plain text though STARTTLS is offered, and T names the policy'
ok 'and the receiver saw one EHLO, outside TLS' \
	test "$(grep -c '^ehlo' "$T/good.log")" = 1 -a \
	"$(grep -c 'tls=0' "$T/good.log")" = 1
: >"$T/good.log"

out=$(job "127.0.0.1:$PL tls=may")
like "$out" '^K250' 'tls=may, no STARTTLS offered: delivered in plain text'
is "$(echo "$out" | sed -n 2p)" 'Ttls=none policy=may outcome=plaintext' \
	'and the report says tls=none, at policy may'

out=$(job "127.0.0.1:$G tls=may")
like "$out" '^K250' 'tls=may with STARTTLS: delivered'
like "$out" '^Ttls=TLSv1\.[23] cipher=[A-Z0-9_-]+ verify=ok' \
	'T: protocol, cipher and verify result'
is "$(grep '^ehlo' "$T/good.log" | cut -d' ' -f4 | tr '\n' ' ')" \
	'tls=0 tls=1 ' 'EHLO sent again after STARTTLS, inside TLS'
ok 'the transaction ran inside TLS only' \
	test "$(rcpts good)" = 1
like "$(cat "$T/remote.err")" "info: id=[^ ]+ host=127.0.0.1:$G tls=TLSv1\.[23] cipher=.* policy=may outcome=encrypted" \
	'the connection is logged with its protocol, cipher, policy and outcome'
like "$out" '^Ttls=TLSv1.* policy=may outcome=encrypted$' \
	'at may, a certificate that happens to verify is still only encrypted'

out=$(job "127.0.0.1:$PL tls=encrypt")
like "$out" "^Z4\.4\.1 no host answered: 127\.0\.0\.1:$PL: STARTTLS not offered, and tls=encrypt" \
	'tls=encrypt, no STARTTLS: deferred, with the reason'
is "$(echo "$out" | sed -n 1,2p | tr '\n' '~')" 'H~Tpolicy=encrypt outcome=failed:no-starttls~' \
	'and no host took it: T alone names the policy and how it failed'
is "$(rcpts plain)" 1 'and nothing was sent in plain text'
out=$(job "127.0.0.1:$PL tls=encrypt" "127.0.0.1:$S tls=encrypt")
like "$out" "^H127\.0\.0\.1:$S\$" 'tls=encrypt: the next host, with STARTTLS, took it'
like "$out" '^Ttls=TLSv1\.[23] .*verify=self-signed' \
	'encrypt does not check the certificate; the log says what it was'

out=$(job "127.0.0.1:$G tls=verify")
like "$out" '^K250' 'tls=verify: a chain to control/tlsca and the address in the certificate'
like "$out" '^Ttls=TLSv1.* policy=verify outcome=verified$' 'T: policy verify, verified'
: >"$T/good.log"
out=$(job "localhost:$G tls=verify")
like "$out" '^K250' 'tls=verify by host name'
ok 'SNI carried the host name' grep -qx 'sni localhost' "$T/good.log"
out=$(job "127.0.0.1:$S tls=verify")
like "$out" '^Z4\.4\.1 no host answered: .*TLS: certificate rejected: self-signed \(' \
	'tls=verify, self-signed: deferred, and the reason says self-signed'
out=$(job "127.0.0.1:$W tls=verify")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: name mismatch \(' \
	'tls=verify, wrong host name: deferred as a name mismatch'
out=$(job "127.0.0.1:$E tls=verify")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: expired \(' \
	'tls=verify, expired: deferred as expired'
like "$out" '^Tpolicy=verify outcome=failed:expired$' 'T: policy verify, failed: expired'
tls_server stranger stranger
out=$(job "127.0.0.1:$(port_of stranger) tls=verify")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: untrusted issuer \(' \
	'tls=verify, signed by a CA not in control/tlsca: an untrusted issuer'
like "$(cat "$T/remote.err")" 'certificate rejected: untrusted issuer' \
	'and the log line says so too'
is "$(rcpts self)$(rcpts wrong)$(rcpts expired)$(rcpts stranger)" 1000 \
	'no transaction on a certificate that failed (one went at encrypt)'

out=$(job "127.0.0.1:$S tls=fingerprint fingerprint=$(certfp self)")
like "$out" '^K250' 'tls=fingerprint: the certificate pinned, self-signed is fine'
out=$(job "127.0.0.1:$W tls=fingerprint fingerprint=$(keyfp wrongname)")
like "$out" '^K250' 'tls=fingerprint: the public key pinned'
out=$(job "127.0.0.1:$G tls=fingerprint fingerprint=$(certfp self)")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: pin mismatch' \
	'a fingerprint that does not match: deferred as a pin mismatch'
like "$out" '^Tpolicy=fingerprint outcome=failed:pin-mismatch$' 'T: failed: pin-mismatch'

out=$(job "127.0.0.1:$I tls=smtps")
like "$out" "^H127\.0\.0\.1:$I
Ttls=TLSv1" 'tls=smtps: implicit TLS'
is "$(grep '^ehlo' "$T/smtps.log" | cut -d' ' -f4)" 'tls=1' \
	'the first byte was TLS: one EHLO, inside TLS'
out=$(job "127.0.0.1:$I tls=may")
like "$out" '^Z4\.4\.1 no host answered' 'an implicit TLS port spoken to in plain text fails'
out=$(job "127.0.0.1:$I tls=smtps tls=verify")
like "$out" '^K250' 'tls=smtps tls=verify: implicit TLS, a certificate that verifies'
like "$out" '^Ttls=TLSv1.* policy=smtps\+verify outcome=verified$' 'T: policy smtps+verify'
tls_server smtpsw wrongname --smtps
out=$(job "127.0.0.1:$(port_of smtpsw) tls=smtps tls=verify")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: name mismatch' \
	'tls=smtps tls=verify checks the certificate: a wrong name is refused'
out=$(job "127.0.0.1:$(port_of smtpsw) tls=smtps")
like "$out" '^K250' 'while tls=smtps alone still checks nothing'
out=$(job "127.0.0.1:$I tls=smtps tls=fingerprint fingerprint=$(certfp self)")
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: pin mismatch' \
	'tls=smtps with a pin that does not match: deferred'
out=$(job "127.0.0.1:$I tls=smtps tls=fingerprint fingerprint=$(keyfp good)")
like "$out" '^K250' 'tls=smtps with the key pinned: delivered'
is "$(rcpts smtpsw)" 1 'no transaction over implicit TLS that failed its check'
out=$(job "127.0.0.1:$G tls=verify tls=may")
like "$out" '^Z4\.3\.5 bad job: bad host line' \
	'two tls= keys that conflict: a bad job, and it says so'

# Resumption: the connection to good is closed in between (another host).
: >"$T/good.log"
out=$(remote "host 127.0.0.1:$G tls=encrypt\nfile $msg\nto <ok@x.test>\n\nhost 127.0.0.1:$PL tls=none\nfile $msg\nto <ok@x.test>\n\nhost 127.0.0.1:$G tls=encrypt\nfile $msg\nto <ok@x.test>\n\n")
is "$(grep 'tls=1' "$T/good.log" | cut -d' ' -f5 | tr '\n' ' ')" \
	'resumed=0 resumed=1 ' 'a second connection to the host resumes the TLS session'
like "$out" 'resumed=yes' 'and the report says so'
: >"$T/good.log"
out=$(remote "host 127.0.0.1:$G tls=verify\nfile $msg\nto <ok@x.test>\n\nhost 127.0.0.1:$G tls=verify\nfile $msg\nto <ok@x.test>\n\nhost 127.0.0.1:$G tls=encrypt\nfile $msg\nto <ok@x.test>\n\n")
is "$(grep -c '^K250' <<<"$out"):$(grep -c '^ehlo' "$T/good.log"):$(grep -c '^rcpt' "$T/good.log")" \
	'3:4:3' 'a TLS connection serves the next job for the same host and level, a new level gets its own'

control tlsmx encrypt
out=$(job "127.0.0.1:$PL")
like "$out" "^Z4\.4\.1 .*STARTTLS not offered, and tls=encrypt" \
	'a host line without tls= takes control/tlsmx'
control tlsmx sometimes
printf 'host 127.0.0.1:%s\nfile %s\n\n' "$PL" "$msg" |
	as_user zr-remote >/dev/null 2>"$T/remote.err"
is "$?" 111 'an unknown level in control/tlsmx: zr-remote will not start'
like "$(cat "$T/remote.err")" 'control/tlsmx: unknown level: sometimes' 'and says why'
control tlsmx fingerprint
printf 'host 127.0.0.1:%s\nfile %s\n\n' "$PL" "$msg" |
	as_user zr-remote >/dev/null 2>"$T/remote.err"
like "$?:$(cat "$T/remote.err")" '^111:.*control/tlsmx: not a default level: fingerprint' \
	'fingerprint, a per-host pin, is refused as the default level'
control tlsmx smtps
printf 'host 127.0.0.1:%s\nfile %s\n\n' "$PL" "$msg" |
	as_user zr-remote >/dev/null 2>"$T/remote.err"
like "$?:$(cat "$T/remote.err")" '^111:.*control/tlsmx: not a default level: smtps' \
	'so is smtps'
rm "$ZR_CONTROL/tlsmx"
control tlsclientmaxproto TLSv1.2
out=$(job "127.0.0.1:$G tls=encrypt")
like "$out" '^Ttls=TLSv1\.2 ' 'control/tlsclientmaxproto caps the protocol'
control tlsclientminproto TLSv1.3
rm "$ZR_CONTROL/tlsclientmaxproto"
out=$(job "127.0.0.1:$G tls=encrypt")
like "$out" '^Ttls=TLSv1\.3 ' 'control/tlsclientminproto raises the floor'
control tlsclientminproto SSLv3
printf 'host 127.0.0.1:%s\nfile %s\n\n' "$PL" "$msg" |
	as_user zr-remote >/dev/null 2>"$T/remote.err"
like "$?:$(cat "$T/remote.err")" '^111:.*control/tlsclientminproto: unknown protocol: SSLv3' \
	'an unknown protocol stops zr-remote'
rm "$ZR_CONTROL/tlsclientminproto"

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" starttls-inject
out=$(job "127.0.0.1:$TCP_PORT tls=may")
like "$out" "^Z4\.4\.1 .*STARTTLS: data after the 220, before TLS" \
	'a reply more with the 220 to STARTTLS: the connection is dropped'
tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" starttls-454
R=$TCP_PORT
out=$(job "127.0.0.1:$R tls=may")
like "$out" '^K250 2\.0\.0 taken' 'tls=may, STARTTLS refused: goes on in plain text'
out=$(job "127.0.0.1:$R tls=encrypt")
like "$out" "^Z4\.4\.1 .*STARTTLS refused: 454 4\.7\.0" 'tls=encrypt, STARTTLS refused: deferred'

# A client certificate from control/tlsclientcert and tlsclientkey.
mkcert client 'DNS:relay.test'
cp "$C/client.pem" "$ZR_CONTROL/tlsclientcert"
out=$(job "127.0.0.1:$G tls=encrypt")
like "$out" "^Z4\.4\.1 .*tlsclientcert and control/tlsclientkey go together" \
	'a client certificate without its key: no TLS, and the log says why'
cp "$C/client.key" "$ZR_CONTROL/tlsclientkey"
[ "$(id -u)" != 0 ] || chown "$ZR_TEST_USER" "$ZR_CONTROL/tlsclientkey"
chmod 600 "$ZR_CONTROL/tlsclientkey"
tls_server cc good --client-ca "$C/ca.pem"
out=$(job "127.0.0.1:$(port_of cc) tls=verify")
like "$out" '^K250' 'with a client certificate: delivered'
ok 'the server saw the client certificate' grep -qx 'client=client' "$T/cc.log"
rm "$ZR_CONTROL/tlsclientcert" "$ZR_CONTROL/tlsclientkey"

out=$(job "127.0.0.1:$G tls=verify fingerprint=sha256:00")
like "$out" '^Z4\.3\.5 bad job: bad host line' 'a malformed host setting is a bad job'

# An MX host's address with its name (mx=): the name is sent and checked,
# and a connection or session made for one name does not serve another.
control mtasts no
mkcert mxn 'DNS:mx1.a.test,DNS:mx2.b.test'
tls_server mxn mxn --pipelining
M=$(port_of mxn)
# one NAME: a job as remote() takes it (its printf makes the line ends).
one() {
	echo "host 127.0.0.1:$M tls=verify mx=$1\\nfile $msg\\nto <ok@x.test>\\n\\n"
}
out=$(remote "$(one mx1.a.test)$(one mx2.b.test)$(one evil.test)")
like "$(echo "$out" | grep -c '^K250')" '^2$' \
	'mx= names: the certificate is checked against each name'
like "$out" 'Z4\.4\.1 .*certificate' 'and a name the certificate lacks is refused'
is "$(grep '^sni' "$T/mxn.log" | tr '\n' ' ')" \
	'sni mx1.a.test sni mx2.b.test sni evil.test ' \
	'one connection per name: none is kept for a job with another name'
done_testing
