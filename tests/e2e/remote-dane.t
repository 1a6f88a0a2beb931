#!/bin/bash
# SPDX-License-Identifier: MIT
# DANE (RFC 7672) in zr-remote, by hand: TLSA records from a DNS responder
# on 127.0.0.1 that sets the AD bit, receivers with certificates made here.
# A matching DANE-EE key delivers, even on an expired certificate; a wrong
# key, a DANE-TA certificate for another name, no STARTTLS or a TLSA lookup
# that fails for a signed host defer without a transaction; signed "no
# TLSA", an insecure host, an untrusted or a non-validating resolver are
# opportunistic TLS.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 33
zr_setup
control timeoutremote 5
control timeoutconnect 2
mkcerts && mkcert mx 'DNS:mx.dane.test' ||
	{ echo 'Bail out! unable to make certificates'; exit 1; }
inj ok@dane.test
msg=$(find "$ZR_QUEUE/todo" -type f)

# spki NAME / spkihash NAME: a certificate's public key (DER), in hex whole
# or as its SHA-256, as TLSA records carry them (selector 1).
spki() {
	openssl x509 -in "$C/$1.pem" -pubkey -noout |
		openssl pkey -pubin -outform DER | od -An -v -tx1 | tr -d ' \n'
}
spkihash() {
	keyfp "$1" | cut -d: -f2
}

ZONE=$T/zone
: >"$ZONE"
dns_start dns dane-dns.py --zone "$ZONE"
control dnsservers "127.0.0.1:$(port_of dns)"
control dnssec trust

remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n'
}
# job PORT MXNAME: one job to ok@dane.test, tls=dane, to the MX host MXNAME
# at 127.0.0.1:PORT.
job() {
	remote "host 127.0.0.1:$1 mx=$2 tls=dane\nfile $msg\nto <ok@dane.test>\n\n"
}
rcpts() {
	grep -c '^rcpt' "$T/$1.log"
}
# zone LINES: the responder's zone, the MX hosts' addresses signed.
zone() {
	printf 'secure %s.dane.test A 127.0.0.1\n' mx ee ta exp bad plain fail \
		>"$ZONE"
	printf '%s\n' "$@" >>"$ZONE"
}

tls_server ee good
EE=$(port_of ee)
tls_server exp expired
EXP=$(port_of exp)
tls_server ta mx
TA=$(port_of ta)
py_server plain
PL=$(port_of plain)

zone "secure _$EE._tcp.ee.dane.test TLSA 3 1 1 $(spkihash good)"
out=$(job "$EE" ee.dane.test)
like "$out" '^K250' 'DANE-EE(3) SPKI SHA-256 that matches: delivered'
like "$out" '^Ttls=TLSv1.* policy=dane outcome=verified dane=tlsa$' \
	'T: policy dane, verified against the TLSA records'
ok 'the TLSA name is _PORT._tcp.HOST, asked with the DO bit' \
	grep -qx "_$EE._tcp.ee.dane.test 52 do=1" "$T/dns.log"
like "$(cat "$T/remote.err")" "host=127\.0\.0\.1:$EE .*policy=dane outcome=verified dane=tlsa" \
	'and the connection is logged so'
ok 'SNI carried the MX host name, not the address' \
	grep -qx 'sni ee.dane.test' "$T/ee.log"

zone "secure _$EE._tcp.ee.dane.test TLSA 3 1 1 $(spkihash self)"
out=$(job "$EE" ee.dane.test)
like "$out" '^Z4\.4\.1 no host answered: .*TLS: certificate rejected: TLSA mismatch' \
	'a TLSA record for another key: deferred, and the reason says TLSA mismatch'
like "$out" '^Tpolicy=dane outcome=failed:tlsa-mismatch dane=tlsa$' \
	'T: failed: tlsa-mismatch'
is "$(rcpts ee)" 1 'and no transaction went to the host with the wrong key'

zone "secure _$EE._tcp.ee.dane.test TLSA 3 0 1 $(certfp good | cut -d: -f2)" \
	"secure _$EE._tcp.ee.dane.test TLSA 3 1 2 $(printf '%0128d' 0)"
out=$(job "$EE" ee.dane.test)
like "$out" '^K250' 'DANE-EE(3) full certificate SHA-256, beside one that does not match: delivered'

zone "secure _$EE._tcp.ee.dane.test TLSA 3 1 0 $(spki good)"
out=$(job "$EE" ee.dane.test)
like "$out" '^K250' 'DANE-EE(3) SPKI in full (matching 0): delivered'

zone "secure _$EXP._tcp.exp.dane.test TLSA 3 1 1 $(spkihash expired)"
out=$(job "$EXP" exp.dane.test)
like "$out" '^K250' 'an expired certificate whose key DANE-EE(3) names: delivered (RFC 7672 3.1.1)'
like "$out" 'policy=dane outcome=verified dane=tlsa' 'verified by its TLSA record'

zone "secure _$TA._tcp.mx.dane.test TLSA 2 1 0 $(spki ca)"
out=$(job "$TA" mx.dane.test)
like "$out" '^K250' 'DANE-TA(2): a chain to the CA key in the TLSA record, the MX name in the certificate'
zone "secure _$EE._tcp.ee.dane.test TLSA 2 1 0 $(spki ca)"
out=$(job "$EE" ee.dane.test)
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: name mismatch' \
	'DANE-TA(2) with a certificate for another name: deferred as a name mismatch'
zone "secure _$TA._tcp.mx.dane.test TLSA 2 1 1 $(spkihash ca2)"
out=$(job "$TA" mx.dane.test)
like "$out" '^Z4\.4\.1 .*TLS: certificate rejected: TLSA mismatch' \
	'DANE-TA(2) naming another CA: TLSA mismatch'

zone "secure _$PL._tcp.plain.dane.test TLSA 3 1 1 $(spkihash good)"
out=$(job "$PL" plain.dane.test)
like "$out" '^Z4\.4\.1 .*STARTTLS not offered, and tls=dane' \
	'usable TLSA records and no STARTTLS: deferred'
like "$out" '^Tpolicy=dane outcome=failed:no-starttls dane=tlsa$' 'T says so'
is "$(rcpts plain)" 0 'and nothing went in plain text'

zone "secure _$PL._tcp.plain.dane.test TLSA 1 1 1 $(spkihash good)"
out=$(job "$EE" ee.dane.test)
like "$out" '^K250' 'signed, no TLSA record: delivered'
like "$out" 'policy=dane outcome=encrypted dane=no-tlsa$' 'at may: STARTTLS, unchecked'
out=$(job "$PL" plain.dane.test)
like "$out" '^Z4\.4\.1 .*STARTTLS not offered, and tls=encrypt' \
	'TLSA records, none usable (PKIX-EE): TLS is still required (RFC 7672 2.2)'
like "$out" 'outcome=failed:no-starttls dane=unusable' 'T: unusable'

zone "servfail _$EE._tcp.ee.dane.test TLSA"
: >"$T/ee.log"
out=$(job "$EE" ee.dane.test)
like "$out" "^Z4\\.4\\.1 no host answered: 127\\.0\\.0\\.1:$EE: DANE: TLSA lookup for _$EE\\._tcp\\.ee\\.dane\\.test failed: DNS server failure" \
	'SERVFAIL for the TLSA records of a signed host: deferred'
like "$out" '^Tpolicy=dane outcome=failed:tlsa-lookup dane=lookup-failed$' 'T says so'
ok 'without connecting at all' test ! -s "$T/ee.log"

printf 'insecure fail.dane.test A 127.0.0.1\nservfail _%s._tcp.fail.dane.test TLSA\n' "$EE" >"$ZONE"
out=$(job "$EE" fail.dane.test)
like "$out" 'policy=dane outcome=encrypted dane=insecure$' \
	'an insecure host: opportunistic TLS'
ok 'its TLSA records not even asked for (RFC 7672 2.2.2)' \
	sh -c "! grep -q '^_$EE._tcp.fail.dane.test ' '$T/dns.log'"

zone "secure _$EE._tcp.ee.dane.test TLSA 3 1 1 $(spkihash self)"
rm "$ZR_CONTROL/dnssec"
out=$(job "$EE" ee.dane.test)
like "$out" 'policy=dane outcome=encrypted dane=untrusted$' \
	'without control/dnssec the AD bit means nothing: may, though the TLSA record would not match'

control dnssec trust
dns_start noad dane-dns.py --zone "$ZONE" --no-ad
control dnsservers "127.0.0.1:$(port_of noad)"
out=$(remote "host 127.0.0.1:$EE mx=ee.dane.test tls=dane\nfile $msg\nto <ok@dane.test>\n\nhost 127.0.0.1:$EE mx=ee.dane.test tls=dane\nfile $msg\nto <ok@dane.test>\n\n")
is "$(grep -c '^K250' <<<"$out")" 2 \
	'a trusted resolver that does not validate: delivered at may, not deferred'
like "$out" 'dane=not-validating' 'T says why'
is "$(grep -c 'does not validate' "$T/remote.err")" 1 'and it is logged once'

control dnsservers 127.0.0.1:1
out=$(job "$EE" ee.dane.test)
like "$out" '^Z4\.4\.1 .*DANE: no DNS server answered for the root zone' \
	'no DNS server answering: deferred, not sent at may'
control dnssec maybe
printf 'host 127.0.0.1:%s\nfile %s\n\n' "$PL" "$msg" |
	as_user zr-remote >/dev/null 2>"$T/remote.err"
like "$?:$(cat "$T/remote.err")" '^111:.*control/dnssec: neither trust nor no' \
	'control/dnssec other than trust or no: zr-remote will not start'
done_testing
