#!/bin/bash
# SPDX-License-Identifier: MIT
# DANE through zr-send: control/tlsmx says dane, the MX host's name goes
# to zr-remote with its address, and the delivery line names the policy.
# DNS from dane-dns.py on 127.0.0.1, which signs what its zone says; the MX
# host lives at 127.0.0.2 so that it is not this host.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 4
zr_setup
mkcerts && mkcert mx 'DNS:mx.dane.test' ||
	{ echo 'Bail out! unable to make certificates'; exit 1; }
tls_server rx mx --addr 127.0.0.2
P=$(port_of rx)
hash=$(keyfp mx | cut -d: -f2)
other=$(keyfp self | cut -d: -f2)
cat >"$T/zone" <<EOZ
secure dane.test MX 10 mx.dane.test
secure mx.dane.test A 127.0.0.2
secure _$P._tcp.mx.dane.test TLSA 3 1 1 $hash
secure bad.test MX 10 mx.bad.test
secure mx.bad.test A 127.0.0.2
secure _$P._tcp.mx.bad.test TLSA 3 1 1 $other
EOZ
dns_start dns dane-dns.py --zone "$T/zone"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control dnssec trust
control tlsmx dane
control mxport "$P"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
send_start
inj -f alice@relay.test bob@dane.test
inj -f alice@relay.test eve@bad.test
log_has 30 'rcpt=<bob@dane.test>'
log_has 30 'rcpt=<eve@bad.test>'
like "$(grep 'rcpt=<bob@dane.test>' "$T/send.log")" \
	"success: .* host=127\\.0\\.0\\.2:$P tls=TLSv1.* policy=dane outcome=verified dane=tlsa" \
	'tlsmx dane, a TLSA record for the key: delivered, and the line says dane, verified'
like "$(grep 'rcpt=<eve@bad.test>' "$T/send.log")" \
	'deferral: 4\.4\.1_no_host_answered:.*TLSA_mismatch.* host=- policy=dane outcome=failed:tlsa-mismatch' \
	'a TLSA record for another key: deferred, and the line says why'
is "$(grep -c '^rcpt' "$T/rx.log")" 1 'only the verified host got a transaction'
ok 'zr-remote looked up the TLSA records of the MX host name' \
	grep -q "^_$P._tcp.mx.dane.test 52 do=1" "$T/dns.log"
send_stop
done_testing
