#!/bin/bash
# SPDX-License-Identifier: MIT
# TLS and AUTH end to end: zr-send reads tls= and auth= from
# control/smarthosts and control/domainroutes, passes them to zr-remote
# in the job, and its delivery log says how each message went out.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 11
zr_setup
control timeoutremote 5
control timeoutconnect 2
mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
secrets "relay alice pw"
tls_server rx good --auth alice:pw --pipelining
py_server plain --pipelining
control smarthosts "localhost:$(port_of rx) tls=verify auth=relay"
control domainroutes "strict.test 127.0.0.1:$(port_of plain) tls=encrypt
plain.test 127.0.0.1:$(port_of plain) tls=none"
inj a@x.test
inj b@strict.test
inj c@plain.test
send_start
log_has 20 'rcpt=<a@x.test>'
log_has 20 'rcpt=<b@strict.test>'
log_has 20 'rcpt=<c@plain.test>'
log=$(cat "$T/send.log")
like "$log" "success: .* rcpt=<a@x\.test> host=localhost:$(port_of rx) tls=TLSv1\.[23] cipher=[^ ]+ verify=ok" \
	'smart host at tls=verify: delivered, and the log line says TLS and verify=ok'
is "$(grep -E '^(sni|auth)' "$T/rx.log" | tr '\n' ' ')" \
	'sni localhost auth PLAIN tls=1 authok alice ' \
	'SNI sent, AUTH inside TLS with the credentials named by auth='
like "$log" "deferral: 4\.4\.1_no_host_answered:_127\.0\.0\.1:$(port_of plain):_STARTTLS_not_offered,_and_tls=encrypt/ msg=[^ ]+ rcpt=<b@strict\.test>" \
	'a domain route at tls=encrypt to a server without STARTTLS: deferred'
like "$log" "success: .* rcpt=<c@plain\.test> host=127\.0\.0\.1:$(port_of plain) tls=none" \
	'tls=none: the log line says so'
like "$log" "success: .* rcpt=<a@x\.test> host=localhost:$(port_of rx) tls=TLSv1.* policy=verify outcome=verified" \
	'every delivery line names the TLS policy and its outcome: verify, verified'
like "$log" "deferral: .* rcpt=<b@strict\.test> host=- policy=encrypt outcome=failed:no-starttls" \
	'a deferral too: encrypt, failed for want of STARTTLS'
like "$log" "success: .* rcpt=<c@plain\.test> host=[^ ]+ tls=none policy=none outcome=plaintext" \
	'tls=none: policy none, plain text'
is "$(grep -c '^rcpt' "$T/plain.log")" 1 'only the tls=none message reached the plain server'

control smarthosts "localhost:$(port_of rx) tls=verify auth=relay fingerprint=sha256:00"
kill -HUP "$SEND_PID"
log_has 10 'unable to reread controls'
control smarthosts "localhost:$(port_of rx) tls=verify tls=encrypt auth=relay"
kill -HUP "$SEND_PID"
log_has 10 'smarthosts:1: conflicting tls= keys: tls=encrypt'
ok 'two tls= keys that conflict in control/smarthosts: refused with file and line' \
	grep -q 'unable to reread controls: smarthosts:1: conflicting tls= keys: tls=encrypt' "$T/send.log"
control smarthosts "localhost:$(port_of rx) tls=verify auth=relay fingerprint=sha256:00"
kill -HUP "$SEND_PID"
like "$(cat "$T/send.log")" 'unable to reread controls: smarthosts:1: bad value: fingerprint=sha256:00; keeping the old ones' \
	'a bad TLS setting is reported with file and line, the old ones kept'
inj d@x.test
log_has 20 'rcpt=<d@x.test>'
like "$(cat "$T/send.log")" "success: .* rcpt=<d@x\.test> host=localhost:$(port_of rx) tls=TLSv1" \
	'and mail still goes out with them'
send_stop
done_testing
