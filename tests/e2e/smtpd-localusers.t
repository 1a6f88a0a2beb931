#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd with control/localusers: unknown local users are refused at
# RCPT (550 5.1.1); users, aliases, user+ext and postmaster pass.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 9
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
printf '%s\n' alice bob >"$ZR_CONTROL/localusers"
printf '%s\n' 'sales: alice, bob' 'help: |/bin/true' >"$ZR_CONTROL/localaliases"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER" "$ZR_CONTROL"
smtpd_start
rcpt() {
	python3 "${0%/*}/smtpd-client.py" "$TCP_PORT" '1:HELO c.test\r\n' \
		'1:MAIL FROM:<a@b.test>\r\n' "1:RCPT TO:$1\\r\\n" '1:QUIT\r\n' |
		sed -n 4p | cut -c1-9
}
is "$(rcpt '<alice@example.com>')" '250 2.1.5' 'a listed user'
is "$(rcpt '<Bob@EXAMPLE.com>')" '250 2.1.5' 'in any case'
is "$(rcpt '<sales@example.com>')" '250 2.1.5' 'an alias'
is "$(rcpt '<help@example.com>')" '250 2.1.5' 'a command alias'
is "$(rcpt '<alice+news@example.com>')" '250 2.1.5' 'user+ext goes to user'
is "$(rcpt '<carol@example.com>')" '550 5.1.1' 'an unknown user: 550 5.1.1'
is "$(rcpt '<postmaster@example.com>')" '250 2.1.5' 'postmaster always'
is "$(rcpt '<carol@foreign.test>')" '550 5.7.1' 'a foreign domain is still a relay question'
rm "$ZR_CONTROL/localusers"
is "$(rcpt '<carol@example.com>')" '250 2.1.5' 'without localusers every name is accepted'
done_testing
