#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: control/ratelimit counts messages per client address across all
# zr-smtpd processes; over the limit MAIL gets 450 4.7.1.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 9
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo '5 3600' >"$ZR_CONTROL/ratelimit"
smtpd_start
P=$TCP_PORT
send() {
	python3 "${0%/*}/smtpd-client.py" "$1" '1:HELO c.test\r\n' \
		'1:MAIL FROM:<a@b.test>\r\n' '1:RSET\r\n' '1:QUIT\r\n' | sed -n 3p
}

# Twelve clients at once from 127.0.0.1: exactly five get through.
pids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	send "$P" >"$T/r.$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$T"/r.* | grep -c '^250 ')" 5 'twelve parallel sessions: five MAIL accepted'
is "$(cat "$T"/r.* | grep -c '^450 4\.7\.1 ')" 7 'the other seven: 450 4.7.1'
like "$(send "$P")" '^450 4\.7\.1 ' 'a later session is still over the limit'
like "$(cat "$T"/.tcpserver.*.err)" 'reject=450 esc=4\.7\.1 cmd=MAIL' 'the refusal is logged'
ok 'the state file is small and bounded' \
	test "$(stat -c %s "$ZR_QUEUE/lock/ratelimit")" -le 131072

# A new window starts after the old one ends.
echo '2 4' >"$ZR_CONTROL/ratelimit"
rm -f "$ZR_QUEUE/lock/ratelimit"
send "$P" >/dev/null
send "$P" >/dev/null
like "$(send "$P")" '^450 ' '2 per 4 seconds: the third is refused'
wait_for 10 sh -c "python3 '${0%/*}/smtpd-client.py' $P '1:HELO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' '1:QUIT\r\n' | grep -q '^250 2.1.0'"
ok 'after the window, accepted again' test $? = 0

# Relay clients are exempt unless the line says "relay".
RELAYCLIENT= smtpd_start
R=$TCP_PORT
for i in 1 2 3; do send "$R" >/dev/null; done
like "$(send "$R")" '^250 ' 'relay clients are not counted by default'
echo '2 3600 relay' >"$ZR_CONTROL/ratelimit"
for i in 1 2 3; do send "$R" >/dev/null; done
like "$(send "$R")" '^450 4\.7\.1 ' '"relay" counts relay clients too'
done_testing
