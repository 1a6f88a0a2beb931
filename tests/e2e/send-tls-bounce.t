#!/bin/bash
# SPDX-License-Identifier: MIT
# A certificate refused at tls=verify until the message expires: the
# deferral lines and the failure notice say why in words (expired), not
# only "certificate verify failed".
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 4
zr_setup
mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
tls_server exp expired
control smarthosts "127.0.0.1:$(port_of exp) tls=verify"
control retrybase 1
control retrymax 1
control lifetime 3
chmod 644 "$ZR_CONTROL"/*
printf 'Subject: t\n\nx\n' | as_user zr-inject -v -f s@relay.test a@x.test >"$T/id"
id=$(cat "$T/id")
send_start
log_has 20 "rcpt=<a@x.test>"
like "$(grep 'rcpt=<a@x.test>' "$T/send.log" | head -1)" \
	'deferral: 4\.4\.1_no_host_answered:_.*TLS:_certificate_rejected:_expired_\(.* policy=verify outcome=failed:expired' \
	'the deferral line says the certificate expired, and the policy'
wait_for 30 test -e "$ZR_QUEUE/done/expired/$id"
notice() {
	grep -rl '^<a@x.test>: .*TLS: certificate rejected: expired (' \
		"$ZR_QUEUE/todo" "$ZR_QUEUE/active" "$ZR_QUEUE/deferred" \
		"$ZR_QUEUE/done" 2>/dev/null | grep -q .
}
ok 'the message expired' test -e "$ZR_QUEUE/done/expired/$id"
wait_for 20 notice
ok 'the failure notice says why: certificate rejected: expired' notice
# The field is folded (RFC 5322 2.2.3): unfold its first line break. The
# notice may move between directories while it is read: look again.
diag_code() {
	find "$ZR_QUEUE" -type f -exec sed -n '/^Diagnostic-Code:/{N;s/\n */ /;p;}' {} + 2>/dev/null |
		grep -q 'certificate rejected: expired'
}
ok 'and so does its Diagnostic-Code field' wait_for 10 diag_code
send_stop
done_testing
