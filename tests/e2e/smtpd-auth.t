#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: AUTH PLAIN and LOGIN (RFC 4954) with swaks and raw exchanges:
# where AUTH is offered, success and failure, every way an exchange can go
# wrong, the failure limit, a checkpassword program, passwords kept out of
# the log, relaying once authenticated, and control/requireauth.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
. "${0%/*}/../lib/certs.sh"
plan 46
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
make_certs "$T/pki" || { echo 'Bail out! openssl could not make certificates'; exit 1; }
tls_install "$T/pki"
PASS='S3cret-Pass'
echo "$PASS" | zr-passwd -i 1000 alice >"$ZR_CONTROL/passwords"
chmod 600 "$ZR_CONTROL/passwords"
# The failures here are many; the limit per client has a test of its own.
echo 100 >"$ZR_CONTROL/authfailures"
[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_CONTROL/passwords"
# start [ENV=VALUE...]: zr-smtpd under tcpserver with that environment.
smtpd_start
P=$TCP_PORT
LOG=$T/.tcpserver.$_seq.err
C="python3 ${0%/*}/smtpd-client.py"
codes() {
	grep -v '^250-' | cut -c1-3 | tr '\n' ' '
}
b64() {
	printf "$1" | base64 -w0
}
GOOD=$(b64 "\\0alice\\0$PASS")
BAD=$(b64 '\0alice\0wrong')
U=$(b64 alice)
PW=$(b64 "$PASS")

# Offered inside TLS only.
out=$($C $P '1:EHLO c.test\r\n' "1:AUTH PLAIN $GOOD\\r\\n" '1:QUIT\r\n')
ok 'plain text: AUTH not offered' sh -c "! echo '$out' | grep -q '^250-AUTH'"
like "$out" '^538 5\.7\.11 ' 'plain text: AUTH refused, encryption required'
out=$(swaks --server 127.0.0.1:$P --tls --auth PLAIN --auth-user alice \
	--auth-password "$PASS" --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<~  250-AUTH PLAIN LOGIN' 'inside TLS: AUTH PLAIN LOGIN offered'
like "$out" '<~  235 2\.7\.0 Authentication successful' 'swaks --tls --auth PLAIN: 235 2.7.0'
like "$out" '<~  250 2\.1\.5' 'authenticated: a foreign recipient is relayed'
like "$out" '<~  250 2\.0\.0 Ok: queued' 'and the message queued'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'Received: says ESMTPSA' grep -q 'with ESMTPSA id' "$f"
ok 'envelope: proto ESMTPSA' grep -qx 'proto ESMTPSA' "$f"
rm -f "${ZR_QUEUE:?}"/todo/normal/*
like "$(cat "$LOG")" 'id=[0-9.a-f]+ client=127\.0\.0\.1 helo=[^ ]+ user=alice from=<a@b\.test> to=<r@foreign\.test>' \
	'the message log line names the user'
like "$(cat "$LOG")" 'end client=127\.0\.0\.1 helo=[^ ]+ tls=TLSv1\.3 cipher=[^ ]+ verify=[^ ]+ user=alice msgs=1 result=quit' \
	'the connection log line names TLS and the user'
out=$(swaks --server 127.0.0.1:$P --tls --auth LOGIN --auth-user alice \
	--auth-password "$PASS" --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<~  235 2\.7\.0' 'swaks --tls --auth LOGIN: 235'
out=$(swaks --server 127.0.0.1:$P --tls --auth PLAIN --auth-user alice \
	--auth-password wrong --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<~\* 535 5\.7\.8 Authentication credentials invalid' 'bad password: 535 5.7.8'
out=$(swaks --server 127.0.0.1:$P --tls --auth LOGIN --auth-user mallory \
	--auth-password "$PASS" --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<~\* 535 5\.7\.8' 'unknown user, LOGIN: 535 5.7.8'
is "$(qcount todo/normal)" 1 'only the authenticated sessions queued mail'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

# The exchange, step by step, inside TLS.
pre=('1:EHLO c.test\r\n' '1:STARTTLS\r\n' tls '1:EHLO c.test\r\n')
out=$($C $P "${pre[@]}" '1:AUTH PLAIN\r\n' "1:$GOOD\\r\\n" '1:AUTH PLAIN\r\n' \
	'1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 250 334 235 503 221 ' \
	'PLAIN without an initial response: 334, then 235; AUTH again: 503'
like "$out" '^334 $' 'PLAIN: an empty challenge'
out=$($C $P "${pre[@]}" '1:AUTH LOGIN\r\n' "1:$U\\r\\n" "1:$PW\\r\\n" '1:QUIT\r\n')
like "$out" '^334 VXNlcm5hbWU6' 'LOGIN: asks for the user name'
like "$out" '^334 UGFzc3dvcmQ6' 'LOGIN: then the password'
like "$out" '^235 2\.7\.0' 'LOGIN: 235'
out=$($C $P "${pre[@]}" "1:AUTH LOGIN $U\\r\\n" "1:$PW\\r\\n" '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 250 334 235 221 ' \
	'LOGIN with the user name as initial response'
out=$($C $P "${pre[@]}" '1:AUTH PLAIN\r\n' '1:*\r\n' '1:AUTH LOGIN\r\n' "1:$U\\r\\n" \
	'1:*\r\n' '1:AUTH PLAIN !!!!\r\n' '1:AUTH PLAIN =\r\n' \
	'1:AUTH CRAM-MD5\r\n' '1:AUTH\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 250 334 501 334 334 501 501 501 504 501 221 ' \
	'cancel (twice), bad base64, empty PLAIN, unknown mechanism, no mechanism'
like "$out" '^501 5\.0\.0 Authentication cancelled' '"*" cancels: 501 5.0.0'
like "$out" '^501 5\.5\.2 Cannot decode response' 'bad base64: 501 5.5.2'
like "$out" '^504 5\.5\.4 ' 'unknown mechanism: 504 5.5.4'
long=$(python3 -c "print('A' * 1100)")
out=$($C $P "${pre[@]}" '1:AUTH PLAIN\r\n' "1:$long\\r\\n" '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 250 334 500 250 221 ' \
	'an over-long response is refused and the session goes on'
like "$out" '^500 5\.5\.6 Authentication Exchange line is too long' 'over-long: 500 5.5.6'
out=$($C $P "${pre[@]}" '1:MAIL FROM:<a@b.test>\r\n' "1:AUTH PLAIN $GOOD\\r\\n" \
	'1:QUIT\r\n')
like "$out" '^503 5\.5\.1 Not allowed during a mail transaction' 'AUTH in a transaction: 503'
out=$($C $P '1:HELO c.test\r\n' '1:STARTTLS\r\n' '1:QUIT\r\n')
like "$out" '^502 5\.5\.1' 'STARTTLS after HELO is refused (EHLO only)'

# Three failures close the connection, each after a longer wait.
t0=$(date +%s)
out=$($C $P "${pre[@]}" "1:AUTH PLAIN $BAD\\r\\n" "1:AUTH PLAIN $BAD\\r\\n" \
	"1:AUTH PLAIN $BAD\\r\\n" '1:NOOP\r\n')
t1=$(date +%s)
is "$(echo "$out" | codes)" '220 250 220 TLS 250 535 535 421 EOF ' \
	'third failure: 421 and the connection closes'
like "$out" '^421 4\.7\.0 Too many failed authentications' '421 4.7.0'
ok 'failures were slowed down (1 s, then 2 s)' test $((t1 - t0)) -ge 2
like "$(cat "$LOG")" 'result=auth-failures' 'the connection log says why it ended'

# Secrets never reach the log.
ok 'no password in the log' sh -c "! grep -qF '$PASS' '$LOG'"
ok 'no base64 of a credential in the log' \
	sh -c "! grep -qF '$GOOD' '$LOG' && ! grep -qF '$PW' '$LOG' && ! grep -qF '$U' '$LOG'"

# control/authplaintext: AUTH without TLS.
echo 1 >"$ZR_CONTROL/authplaintext"
out=$(swaks --server 127.0.0.1:$P --auth PLAIN --auth-user alice \
	--auth-password "$PASS" --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<-  235 2\.7\.0' 'authplaintext: AUTH in plain text'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'Received: says ESMTPA' grep -q 'with ESMTPA id' "$f"
rm -f "${ZR_QUEUE:?}"/todo/normal/* "$ZR_CONTROL/authplaintext"

# A checkpassword program (fd 3) instead of control/passwords.
cat >"$T/checkpw" <<'SH'
#!/bin/sh
tr '\0' '\n' <&3 | { read -r u; read -r p; [ "$u" = bob ] && [ "$p" = hunter2 ] && exit 0; [ "$u" = down ] && exit 111; exit 1; }
SH
chmod 755 "$T/checkpw"
echo "$T/checkpw" >"$ZR_CONTROL/checkpassword"
out=$($C $P "${pre[@]}" "1:AUTH PLAIN $(b64 '\0bob\0hunter2')\\r\\n" \
	"1:AUTH PLAIN $(b64 '\0down\0x')\\r\\n" '1:QUIT\r\n')
like "$out" '^235 2\.7\.0' 'checkpassword: its yes is 235'
out=$($C $P "${pre[@]}" "1:AUTH PLAIN $(b64 '\0down\0x')\\r\\n" \
	"1:AUTH PLAIN $(b64 '\0bob\0nope')\\r\\n" '1:QUIT\r\n')
is "$(echo "$out" | codes)" '220 250 220 TLS 250 454 535 221 ' \
	'checkpassword: a temporary failure is 454, a no is 535'
like "$out" '^454 4\.7\.0 Temporary authentication failure' '454 4.7.0'
rm -f "$ZR_CONTROL/checkpassword"

# control/passwords that the group may read is not used, and says so.
chmod 640 "$ZR_CONTROL/passwords"
out=$($C $P "${pre[@]}" "1:AUTH PLAIN $GOOD\\r\\n" '1:QUIT\r\n')
is "$(echo "$out" | grep -c '^250-AUTH')" 0 \
	'control/passwords readable by the group: AUTH not offered'
like "$out" '^503 5\.5\.1 AUTH not available' 'and AUTH refused'
like "$(cat "$LOG")" 'control/passwords is accessible by group or others \(chmod 600\)' \
	'with a warning'
chmod 600 "$ZR_CONTROL/passwords"

# control/requireauth: authenticate before MAIL, unless relaynets or
# RELAYCLIENT says the client may relay.
echo 1 >"$ZR_CONTROL/requireauth"
mail() {
	$C "$1" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' '1:QUIT\r\n' |
		sed -n '/^250 /{n;p;}' | cut -c1-9
}
is "$(mail $P)" '530 5.7.0' 'requireauth: an unauthenticated client gets 530 5.7.0'
echo 127.0.0.0/8 >"$ZR_CONTROL/relaynets"
is "$(mail $P)" '250 2.1.0' 'requireauth: a client in relaynets needs no AUTH'
echo 192.0.2.0/24 >"$ZR_CONTROL/relaynets"
smtpd_start RELAYCLIENT=
is "$(mail $TCP_PORT)" '250 2.1.0' 'requireauth: RELAYCLIENT needs no AUTH'
out=$(swaks --server 127.0.0.1:$P --tls --auth LOGIN --auth-user alice \
	--auth-password "$PASS" --from a@b.test --to r@foreign.test 2>&1)
like "$out" '<~  250 2\.0\.0 Ok: queued' 'requireauth: an authenticated client relays'
done_testing
