#!/bin/bash
# MTA-STS (RFC 8461) end to end: zr-remote has zr-sts fetch a domain's
# policy (TXT through a DNS responder here, the policy over HTTPS from a
# server on 127.0.0.1:443 under a test CA), caches it in queue/sts/, and
# delivers by it: enforce leaves out MX hosts the policy does not name and
# needs TLS verified against the MX name; testing delivers and logs. At
# tls=dane, when DANE finds no usable TLSA set, enforce applies again.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
[ "$(id -u)" = 0 ] || skip_all 'the policy server needs port 443: run as root'
"$PY" -c 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 443))' \
	2>/dev/null || skip_all 'port 443 of 127.0.0.1 is taken'
plan 22
zr_setup
control timeoutremote 5
control timeoutconnect 2
control retrybase 600
mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
mkcert policy 'DNS:mta-sts.a.test,DNS:mta-sts.b.test,DNS:mta-sts.c.test,DNS:mta-sts.d.test,DNS:mta-sts.e.test,DNS:mta-sts.r.test,DNS:mta-sts.s.test'
mkcert mx 'DNS:mx.a.test,DNS:other.b.test,DNS:mx.d.test,DNS:mx.e.test,DNS:mx.r.test'
cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
cp "$C/ca.pem" "$ZR_CONTROL/mtastsca"

# MX hosts are not 127.0.0.1, which is this host (a loop).
tls_server rx mx --pipelining --addr 127.0.0.2
RX=$(port_of rx)
# c.test's MX is the server without STARTTLS, on its own address.
sink_start 127.0.0.3 "$RX"

Z=$T/zone
{
	for d in a b c d e r s; do
		echo "mta-sts.$d.test A 127.0.0.1"
		echo "_mta-sts.$d.test TXT v=STSv1; id=one;"
	done
	echo "a.test MX 10 mx.a.test"
	echo "mx.a.test A 127.0.0.2"
	echo "b.test MX 10 other.b.test"
	echo "other.b.test A 127.0.0.2"
	echo "c.test MX 10 mx.c.test"
	echo "mx.c.test A 127.0.0.3"
	echo "d.test MX 10 mx.d.test"
	echo "mx.d.test A 127.0.0.2"
	echo "e.test MX 10 mx.e.test"
	echo "mx.e.test A 127.0.0.2"
	echo "r.test MX 10 mx.r.test"
	echo "mx.r.test A 127.0.0.2"
	echo "s.test MX 10 other.b.test"
} >"$Z"
W=$T/www
mkdir -p "$W"
policy() {	# policy DOMAIN MODE MX
	printf 'version: STSv1\r\nmode: %s\r\nmx: %s\r\nmax_age: 86400\r\n' \
		"$2" "$3" >"$W/mta-sts.$1"
}
policy a.test enforce '*.a.test'
policy b.test enforce mx.b.test
policy c.test enforce mx.c.test
policy d.test testing mx.elsewhere.test
policy e.test enforce mx.b.test
touch "$W/mta-sts.r.test.redirect"
bg "$PY" "$ZR_ROOT/tests/e2e/sts-dns.py" --zone "$Z" --portfile "$T/dns.port" \
	--log "$T/dns.log"
bg "$PY" "$ZR_ROOT/tests/e2e/sts-https.py" --cert "$C/policy.pem" \
	--key "$C/policy.key" --dir "$W" --log "$T/https.log" \
	--ready "$T/https.ready" 2>>"$T/https.err"
wait_for 20 test -s "$T/dns.port" && wait_for 20 test -s "$T/https.ready" ||
	{ echo 'Bail out! no DNS or HTTPS server'; exit 1; }
touch "$T/https.log"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control mxport "$RX"
chmod 644 "${ZR_CONTROL:?}"/*
chown -R "$ZR_TEST_USER" "$ZR_CONTROL"

send_start
inj x@a.test
inj x@b.test
inj x@c.test
inj x@d.test
inj x@r.test
log_has 30 'rcpt=<x@a\.test>'
log_has 30 'rcpt=<x@b\.test>'
log_has 30 'rcpt=<x@c\.test>'
log_has 30 'rcpt=<x@d\.test>'
log_has 30 'rcpt=<x@r\.test>'
log=$(cat "$T/send.log")
like "$log" "success: .* rcpt=<x@a\.test> host=127\.0\.0\.2:$RX tls=TLSv1\.[23] cipher=[^ ]+ verify=ok" \
	'enforce, the MX matches *.a.test: delivered with TLS verified'
is "$(grep '^sni' "$T/rx.log" | sort -u | tr '\n' ' ')" 'sni mx.a.test sni mx.d.test sni mx.r.test ' \
	'the MX host name went out as SNI, and the certificate was checked against it'
like "$log" 'zr-sts: info: domain=a\.test mta-sts=fetched id=one mode=enforce' \
	'zr-sts logged the fetch'
like "$(cat "$ZR_QUEUE/sts/a.test")" "^zr-sts 1
checked [0-9]+
id one
fetched [0-9]+
mode enforce
max_age 86400
mx \*\.a\.test$" 'the policy is cached in queue/sts/a.test with its id and max_age'
like "$log" 'domain=b\.test mx=other\.b\.test mta-sts=enforce policy_id=one result=skipped' \
	'enforce, the MX matches no pattern: the host is left out, and why is logged'
like "$log" 'deferral: 4\.7\.5_MTA-STS_policy_of_b\.test_\(id_one\)_names_none_of_its_MX_hosts/ msg=[^ ]+ rcpt=<x@b\.test>' \
	'and the message is deferred with 4.7.5'
like "$log" "deferral: .*STARTTLS_not_offered,_and_tls=verify/ msg=[^ ]+ rcpt=<x@c\.test>" \
	'enforce, the MX offers no STARTTLS: deferred, not sent in the clear'
like "$log" "domain=d\.test mx=mx\.d\.test mta-sts=testing policy_id=one result=delivering" \
	'testing, the MX matches no pattern: logged'
like "$log" "success: .* rcpt=<x@d\.test> host=127\.0\.0\.2:$RX" \
	'and delivered all the same'
like "$log" 'zr-sts: warning: domain=r\.test mta-sts=tempfail reason="HTTP redirect refused"' \
	'a redirect from the policy server is not followed'
like "$log" "success: .* rcpt=<x@r\.test>" \
	'and without a policy the message goes as before (RFC 8461 5.1)'
is "$(grep '^rcpt' "$T/rx.log" | sort | tr '\n' ' ')" \
	'rcpt x@a.test rcpt x@d.test rcpt x@r.test ' \
	'the TLS receiver got a.test, d.test and r.test, not b.test'

# RFC 8689 3: TLS-Required: No sets the domain's policy aside.
printf 'Subject: test\nTLS-Required: No\n\nbody\n' | as_user zr-inject z@b.test
log_has 30 'rcpt=<z@b\.test>'
like "$(cat "$T/send.log")" "success: .* rcpt=<z@b\.test> host=127\.0\.0\.2:$RX" \
	'TLS-Required: No: delivered to the MX host the enforce policy does not name'

# A new id in the TXT record is a new policy; the same id is not fetched again.
fetches() { grep -c "^mta-sts.a.test " "$T/https.log"; }
before=$(fetches)
as_user zr-sts a.test 2>>"$T/sts.err"
is "$(fetches)" "$before" 'the same TXT id: zr-sts does not fetch the policy again'
sed -i 's/^_mta-sts.a.test TXT .*/_mta-sts.a.test TXT v=STSv1; id=two;/' "$Z"
policy a.test testing '*.a.test'
as_user zr-sts a.test 2>>"$T/sts.err"
like "$(fetches):$(cat "$ZR_QUEUE/sts/a.test")" "^$((before + 1)):.*id two
.*mode testing" 'a new TXT id: zr-sts fetches and caches the new policy'

# control/mtasts no: no policy is looked at.
send_stop
control mtasts no
chmod 644 "$ZR_CONTROL/mtasts"
send_start
inj x@e.test
log_has 30 'rcpt=<x@e\.test>'
like "$(cat "$T/send.log")" "success: .* rcpt=<x@e\.test>" \
	'control/mtasts no: a policy that names none of the MX hosts does not apply'
ok 'and zr-sts was not asked: nothing cached for e.test' \
	test ! -e "$ZR_QUEUE/sts/e.test"
send_stop

# DANE and MTA-STS: at tls=dane with no usable TLSA set (here no trusted
# resolver, so DANE acts as may), an enforce policy applies again.
rm -f "${ZR_CONTROL:?}/mtasts"
control tlsmx dane
chmod 644 "$ZR_CONTROL/tlsmx"
policy e.test enforce mx.e.test
send_start
inj y@e.test
inj y@c.test
log_has 30 'rcpt=<y@e\.test>'
log_has 30 'rcpt=<y@c\.test>'
log=$(cat "$T/send.log")
like "$log" "success: .* rcpt=<y@e\.test> host=127\.0\.0\.2:$RX tls=TLSv1\.[23] cipher=[^ ]+ verify=ok policy=dane outcome=verified dane=untrusted mta-sts=enforce" \
	'tls=dane, DANE falls back to may: enforce verifies against the MX name'
like "$log" "deferral: .*STARTTLS_not_offered,_and_tls=verify/ msg=[^ ]+ rcpt=<y@c\.test>" \
	'and an MX host without STARTTLS is not sent to in the clear'
ok 'the TLS receiver got y@e.test' grep -q '^rcpt y@e\.test$' "$T/rx.log"
send_stop

# A fetch that ends in a later second than it began (a slow policy
# server, a busy machine): the policy it fetched applies all the same,
# though stamped a second or more after zr-remote began to look.
mkdir "$T/bin"
cp "${ZR_BIN:?}/zr-remote" "$T/bin/"
cat >"$T/bin/zr-sts" <<EOS
#!/bin/sh
start=\$(date +%s)
while [ "\$(date +%s)" = "\$start" ]; do :; done
exec '${ZR_BIN:?}/zr-sts' "\$@"
EOS
chmod 755 "$T/bin/zr-sts"
policy s.test enforce mx.b.test
send_start -r "$T/bin/zr-remote"
inj x@s.test
log_has 30 'rcpt=<x@s\.test>'
like "$(cat "$T/send.log")" 'deferral: 4\.7\.5_MTA-STS_policy_of_s\.test_\(id_one\)_names_none_of_its_MX_hosts/ msg=[^ ]+ rcpt=<x@s\.test>' \
	'a policy whose fetch took over a second applies: deferred with 4.7.5'
ok 'and the TLS receiver did not get it' \
	sh -c "! grep -q '^rcpt x@s.test' '$T/rx.log'"
send_stop
done_testing
