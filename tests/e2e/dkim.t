#!/bin/bash
# SPDX-License-Identifier: MIT
# DKIM signing at queue time, checked by a real verifier: messages queued
# by zr-inject, by a relay client and by an authenticated client of
# zr-smtpd are signed with an RSA and an Ed25519 key made by zr-dkim
# keygen, delivered by zr-send and zr-remote to an aiosmtpd receiver
# that verifies each signature with
# python3-dkim (keys served through its dnsfunc: no DNS). Mail from
# outside is not signed, a retry is not signed again, and a key file the
# group or others may read stops the signing with a clear error.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
"$PY" -c 'import dkim, aiosmtpd' 2>/dev/null ||
	skip_all 'python3-dkim or python3-aiosmtpd is missing'
plan 28
zr_setup
C=$ZR_CONTROL

# Keys, made as the user the programs run as (the key files are theirs).
as_user zr-dkim keygen -d "$C" example.test s1 >"$T/rsa.out" 2>"$T/keygen.err"
as_user zr-dkim keygen -d "$C" example.test e1 ed25519 >"$T/ed.out" 2>>"$T/keygen.err"
ok 'zr-dkim keygen writes an RSA key of mode 0600' \
	test "$(stat -c %a "$C/example.test.s1.key")" = 600
ok 'and an Ed25519 key' grep -q 'BEGIN PRIVATE KEY' "$C/example.test.e1.key"
like "$(head -n 1 "$T/rsa.out")" \
	'^s1\._domainkey\.example\.test\. IN TXT "v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{200,}" "[A-Za-z0-9+/=]+"$' \
	'it prints the TXT record, in strings of 255 bytes'
like "$(sed -n 2p "$T/ed.out")" "^example\\.test e1 $C/example\\.test\\.e1\\.key ed25519\$" \
	'and the line for control/dkim'
# The receiver's "DNS": the TXT text, its strings joined.
txt() {
	head -n 1 "$1" | sed 's/^[^"]*"//; s/"$//; s/" "//g'
}
{
	echo "s1._domainkey.example.test. $(txt "$T/rsa.out")"
	echo "e1._domainkey.example.test. $(txt "$T/ed.out")"
	echo "s1._domainkey.one.test. $(txt "$T/rsa.out")"
} >"$T/keys"
{
	echo '# signing keys'
	sed -n 2p "$T/rsa.out"
	sed -n 2p "$T/ed.out"
	echo "one.test s1 example.test.s1.key rsa"
} >"$C/dkim"

mkdir "$T/saved"
bg "$PY" "$ZR_ROOT/tests/e2e/dkim-receiver.py" --portfile "$T/rcv.port" \
	--log "$T/rcv.log" --keys "$T/keys" --save "$T/saved" \
	--defer-once 'Subject: retry'
wait_for 20 test -s "$T/rcv.port"
touch "$T/rcv.log"
control smarthosts "127.0.0.1:$(cat "$T/rcv.port")"
send_start

# received SUBJECT SIGS: the receiver saw it with SIGS signatures, all good.
received() {
	wait_for 30 grep -q "subject=$1 sigs=$2 pass=$2\$" "$T/rcv.log"
}
inject() {
	as_user zr-inject -i -f a@example.test b@dest.test
}

printf 'From: A <a@example.test>\nTo: b@dest.test\nSubject: trailing\n\nspaces at the end   \ntab at the end\t\n\tindented\n  inner   spaces  and\t\ttabs\n\n\n\n' | inject
ok 'rsa and ed25519 verify: trailing spaces, tabs, empty lines at the end' \
	received trailing 2
printf 'From: a@example.test\nSubject: folded\n  over\tthree\n lines\nTo: b@dest.test,\n\tc@dest.test\nCc:   \t d@dest.test  \n\nbody\n' | inject
ok 'folded header fields' received folded 2
long=$(printf 'word%.0s ' $(seq 1 120))
refs=$(for i in $(seq 1 30); do printf ' <%d.%d@example.test>\n' "$i" "$i"; done)
printf 'From: a@example.test\nSubject: long %s\nReferences:%s\n\nbody\n' \
	"$(echo "$long" | fold -w 70 | sed '2,$s/^/ /')" "$refs" | inject
ok 'long header fields' received long 2
printf 'From: a@example.test\nSubject: nobody\n' | inject
ok 'a message without a body (no empty line either)' received nobody 2
printf 'From: a@example.test\nSubject: emptybody\n\n\n\n' | inject
ok 'a body of empty lines only' received emptybody 2
printf 'From: a@example.test\nSubject: dots\n\n.dot\n..two\n.\nend\n' | inject
ok 'lines starting with a dot (stuffed on the wire)' received dots 2
printf 'From: a@example.test\r\nSubject: crlf\r\n\r\nx  \r\ny\r\n' | inject
ok 'CR LF input' received crlf 2
printf 'From: a@example.test\nSubject: barecr\n\nbare\rcr\n' | inject
ok 'a bare CR, which goes out as a line end' received barecr 2
printf 'From: Someone <s@mail.example.test>\nSubject: parent\n\nx\n' | inject
ok 'a subdomain signed with its parent domain'"'"'s keys' received parent 2
printf 'From: x@elsewhere.test\nSubject: unsigned\n\nx\n' | inject
ok 'a From domain without keys is not signed' received unsigned 0
f=$(grep -l '^Subject: trailing' "$T"/saved/*)
ok 'the signature names d=, s= and oversigns From' sh -c \
	"tr -d '\r\n\t' <'$f' | grep -q 'd=example.test; s=s1;.*h=From:From:To:Subject'"
ok 'every line of the field fits in 78 columns' sh -c \
	"! sed -n '/^DKIM-Signature/,/^[^ \t]/p' '$f' | tr -d '\r' | grep -q '.\{79\}'"

# zr-smtpd: a relay client (control/relaynets) and an outsider, one queue.
echo 127.0.0.0/8 >"$C/relaynets"
C2=$T/control2
mkdir "$C2"
cp "$C/me" "$C/dkim" "$C/dnsservers" "$C2/"
sed -i "s| example.test.s1.key| $C/example.test.s1.key|" "$C2/dkim"
echo dest.test >"$C2/relaydomains"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$C2" "$C/relaynets"
smtpd() {
	if [ "$(id -u)" = 0 ]; then
		tcpserver_start env ZR_CONTROL="$1" setpriv \
			--reuid="$ZR_TEST_USER" --regid="$ZR_TEST_GROUP" \
			--clear-groups -- zr-smtpd
	else
		tcpserver_start env ZR_CONTROL="$1" zr-smtpd
	fi
}
smtpd "$C"
RELAY=$TCP_PORT
smtpd "$C2"
OUTSIDE=$TCP_PORT
swaks_to() {
	local port=$1 data=$2
	shift 2
	swaks --server 127.0.0.1 --port "$port" --from a@example.test \
		--to b@dest.test --data "$data" "$@" >"$T/swaks.out" 2>&1
}
printf 'From: a@example.test\nTo: b@dest.test\nSubject: relayed\nDate: Tue, 1 Dec 2026 12:00:00 +0000\nMessage-ID: <r1@example.test>\n\ntrailing   \n\n\n' >"$T/m1"
ok 'a relay client'"'"'s message is accepted' swaks_to "$RELAY" "$T/m1"
ok 'and arrives signed twice, both verified' received relayed 2
sed 's/relayed/outside/' "$T/m1" >"$T/m2"
ok 'an outsider'"'"'s message for a relay domain is accepted' swaks_to "$OUTSIDE" "$T/m2"
ok 'and arrives unsigned' received outside 0
# The same server, to a client that logs in (AUTH PLAIN, allowed
# without TLS here): its mail is signed.
echo 1 >"$C2/authplaintext"
echo secret | zr-passwd -i 1000 alice >"$C2/passwords"
chmod 600 "$C2/passwords"
[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$C2/passwords" "$C2/authplaintext"
sed 's/relayed/authed/' "$T/m1" >"$T/m3"
ok 'an authenticated client'"'"'s message is accepted' swaks_to "$OUTSIDE" \
	"$T/m3" --auth PLAIN --auth-user alice --auth-password secret
ok 'and arrives signed twice, both verified' received authed 2

# A retry: deferred once by the receiver, delivered at the next attempt.
printf 'From: a@one.test\nSubject: retry\n\nagain\n' |
	as_user zr-inject -v -i -f a@one.test b@dest.test >"$T/retry.id"
id=$(cat "$T/retry.id")
wait_for 30 grep -q '^deferred retry$' "$T/rcv.log"
wait_for 10 test -e "$ZR_QUEUE/deferred/$id"
ok 'the deferred message holds one signature' test "$(grep -c \
	'^DKIM-Signature:' "$ZR_QUEUE/deferred/$id")" = 1
kill -ALRM "$SEND_PID"
ok 'the retry carries that one signature, not a second' received retry 1

# A key file the group or others may read: nothing is signed with it,
# and nothing is queued unsigned either.
chmod 644 "$C/example.test.e1.key"
before=$(qfiles | wc -l)
printf 'From: a@example.test\nSubject: open\n\nx\n' |
	as_user zr-inject -i -f a@example.test b@dest.test 2>"$T/open.err"
is "$?" 75 'zr-inject: a key file of mode 0644 is a temporary failure'
like "$(cat "$T/open.err")" \
	"zr-dkim: fatal: reason=\"unable to sign: $C/dkim line 3: key file $C/example.test.e1.key: the group or others may access it: chmod 600 it\"" \
	'which names the file, its line and the fix'
swaks_to "$RELAY" "$T/m1"
like "$(cat "$T/swaks.out")" '<\*\* *451 4\.3\.0' \
	'zr-smtpd answers 451 to a relay client then'
is "$(qfiles | wc -l)" "$before" 'and neither queued the message'
chmod 600 "$C/example.test.e1.key"
send_stop
done_testing
