#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: relay control. Local and relay domains (exact and subdomain),
# relaynets (CIDR), RELAYCLIENT, and the address tricks that must not open
# a relay.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 38
zr_setup
printf '%s\n' '# local' example.com .sub.test >"$ZR_CONTROL/localdomains"
printf '%s\n' relay.example >"$ZR_CONTROL/relaydomains"
smtpd_start
P=$TCP_PORT
# rcpt PORT ADDRESS: the reply code to RCPT TO:<ADDRESS>.
rcpt() {
	python3 "${0%/*}/smtpd-client.py" "$1" '1:HELO c.test\r\n' \
		'1:MAIL FROM:<a@b.test>\r\n' "1:RCPT TO:$2\\r\\n" '1:QUIT\r\n' |
		sed -n 4p | cut -c1-9
}
check() {
	is "$(rcpt "$P" "$2")" "$1" "${3:-$2}"
}
check '250 2.1.5' '<u@example.com>' 'local domain'
check '250 2.1.5' '<u@EXAMPLE.Com>' 'local domain, mixed case'
check '250 2.1.5' '<u@relay.example>' 'relay domain'
check '250 2.1.5' '<u@a.sub.test>' '.sub.test matches a name below it'
check '250 2.1.5' '<u@a.b.SUB.test>' '.sub.test matches deeper, any case'
check '550 5.7.1' '<u@sub.test>' '.sub.test does not match sub.test itself'
check '550 5.7.1' '<u@evilsub.test>' 'matching is on label boundaries'
check '550 5.7.1' '<u@example.com.evil.test>' 'no prefix match'
check '550 5.7.1' '<u@foreign.test>' 'foreign domain: 550 5.7.1'
check '550 5.7.1' '<u%foreign.test@example.com>' '% hack refused'
check '550 5.7.1' '<foreign.test!u@example.com>' 'bang path refused'
check '550 5.7.1' '<@example.com:u@foreign.test>' 'source route to a foreign domain refused'
check '250 2.1.5' '<@foreign.test,@x.test:u@example.com>' 'a source route is dropped (RFC 5321 C): to a local domain, accepted'
check '550 5.7.1' '<"u@foreign.test"@example.com>' 'quoted local part holding @ refused'
check '550 5.7.1' '<"u%foreign.test"@example.com>' 'quoted local part holding % refused'
check '550 5.7.1' '<u@[127.0.0.1]>' 'address literal refused'
check '501 5.1.3' '<u@example.com.>' 'trailing dot: bad syntax'
check '501 5.1.3' '<u@example.com (comment)>' 'comment: bad syntax'
check '501 5.1.3' '<u @example.com>' 'white space: bad syntax'
check '501 5.1.3' 'u@example.com' 'no angle brackets: bad syntax'
check '501 5.1.3' '<u@example..com>' 'empty label: bad syntax'
check '250 2.1.5' '<Postmaster>' '<postmaster> without a domain accepted'
log=$(cat "$T"/.tcpserver.*.err)
like "$log" 'reject=550 esc=5\.7\.1 cmd=RCPT arg=<u@foreign\.test> reason="Relaying denied"' \
	'a refusal is logged with its reason'

# relaynets: CIDR, IPv4 and IPv6; the client here is 127.0.0.1.
printf '%s\n' '10.0.0.0/8' '::1/128' >"$ZR_CONTROL/relaynets"
check '550 5.7.1' '<u@foreign.test>' 'relaynets without the client: refused'
printf '%s\n' '10.0.0.0/8' '127.0.0.0/8' >"$ZR_CONTROL/relaynets"
check '250 2.1.5' '<u@foreign.test>' 'client in relaynets 127.0.0.0/8 may relay'
printf '%s\n' '::ffff:127.0.0.0/104' >"$ZR_CONTROL/relaynets"
check '250 2.1.5' '<u@foreign.test>' 'IPv4-mapped IPv6 network matches an IPv4 client'
printf '%s\n' '127.0.0.1/33' >"$ZR_CONTROL/relaynets"
like "$(python3 "${0%/*}/smtpd-client.py" "$P" 2>&1)" '^421 4\.3\.0' \
	'a malformed relaynets line: 421 and no service'
rm "$ZR_CONTROL/relaynets"

# Where the client's address comes from: ${PROTO}REMOTEIP, REMOTE_ADDR,
# else the socket.
printf '%s\n' '2001:db8::/32' '10.0.0.0/8' >"$ZR_CONTROL/relaynets"
smtpd_start PROTO=TCP6 TCP6REMOTEIP=2001:db8::5
is "$(rcpt "$TCP_PORT" '<u@foreign.test>')" '250 2.1.5' 'PROTO=TCP6: TCP6REMOTEIP in an IPv6 relaynet'
smtpd_start PROTO=TCP6 TCP6REMOTEIP=2001:db9::5
is "$(rcpt "$TCP_PORT" '<u@foreign.test>')" '550 5.7.1' 'PROTO=TCP6: outside it, refused'
smtpd_start -u PROTO -u TCPREMOTEIP REMOTE_ADDR=10.1.2.3
is "$(rcpt "$TCP_PORT" '<u@foreign.test>')" '250 2.1.5' 'systemd REMOTE_ADDR used without PROTO'
smtpd_start TCPREMOTEIP='10.1.2.3 evil'
is "$(rcpt "$TCP_PORT" '<u@foreign.test>')" '550 5.7.1' 'a malformed address is no address'
printf '%s\n' '127.0.0.1' >"$ZR_CONTROL/relaynets"
smtpd_start -u PROTO -u TCPREMOTEIP -u REMOTE_ADDR
is "$(rcpt "$TCP_PORT" '<u@foreign.test>')" '250 2.1.5' 'no environment: the socket peer (127.0.0.1)'
like "$(cat "$T"/.tcpserver.*.err)" 'client=2001:db9::5 reject=550 esc=5\.7\.1' 'the IPv6 client is logged'
rm "$ZR_CONTROL/relaynets"

# RELAYCLIENT, even empty, means "may relay".
RELAYCLIENT= smtpd_start
R=$TCP_PORT
is "$(rcpt "$R" '<u@foreign.test>')" '250 2.1.5' 'RELAYCLIENT="": foreign domain accepted'
is "$(rcpt "$R" '<u%foreign.test@example.com>')" '250 2.1.5' 'RELAYCLIENT: % routing allowed'
is "$(rcpt "$R" '<@a.test:u@foreign.test>')" '250 2.1.5' 'RELAYCLIENT: source route accepted'
rm -f "${ZR_QUEUE:?}"/todo/normal/*
python3 "${0%/*}/smtpd-client.py" "$R" '1:HELO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' \
	'1:RCPT TO:<@a.test,@b.test:u@foreign.test>\r\n' '1:DATA\r\n' '1:x\r\n.\r\n' \
	'1:QUIT\r\n' >/dev/null
ok 'the source route is dropped, the mailbox kept' \
	grep -qx 'rcpt <u@foreign.test>' "$ZR_QUEUE"/todo/normal/*
ok 'HELO session stored as proto SMTP' grep -qx 'proto SMTP' "$ZR_QUEUE"/todo/normal/*
done_testing
