#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote's AUTH OAUTHBEARER and XOAUTH2 against aiosmtpd servers that
# accept only the token their token program issued last: the mechanism
# chosen from the EHLO offer, the token cached across connections of one
# process, a revoked token answered through the error challenge, renewed
# once and tried again, a stated lifetime, and token programs that hang,
# fail, print nothing or print too much: each a clean deferral with a
# log line that says why, and no token in any log or report.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
plan 27
zr_setup
control timeoutremote 5
control timeoutconnect 2
control timeouttoken 2
inj ok@x.test
msg=$(find "$ZR_QUEUE/todo" -type f)
D=$T/tok
mkdir -p "$D"
# The token program: each run issues a new token, which alone the
# servers accept from then on; the run count is kept in $D/n.
cat >"$D/issue" <<'SH'
#!/bin/sh
n=$(($(cat "$1/n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$1/n"
echo "tok$n-$$" >"$1/current"
echo "tok$n-$$"
if [ -n "${2:-}" ]; then echo "expires_in $2"; fi
SH
printf '#!/bin/sh\necho $$ >"%s/hang.pid"\nexec sleep 60\n' "$D" >"$D/hang"
printf '#!/bin/sh\necho tokfail\nexit 3\n' >"$D/fail"
printf '#!/bin/sh\nexit 0\n' >"$D/empty"
printf '#!/bin/sh\nhead -c 100000 /dev/zero | tr "\\\\0" a\n' >"$D/huge"
chmod 755 "${D:?}"/*
touch "$D/current"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER" "$D"
secrets "ms alice@x.test oauth2 $D/issue $D
short alice@x.test oauth2 $D/issue $D 0
hang alice@x.test oauth2 $D/hang
fail alice@x.test oauth2 $D/fail
empty alice@x.test oauth2 $D/empty
huge alice@x.test oauth2 $D/huge
rel alice@x.test oauth2 issue"

py_server both --oauth "$D/current" --auth-plaintext --listen 2 2>>"$T/srv.err"
P1=$(port_n both 1)
P2=$(port_n both 2)
py_server x2 --oauth "$D/current" --oauth-mechs XOAUTH2 --auth-plaintext \
	2>>"$T/srv.err"
X=$(port_of x2)

jobfor() {
	printf 'host 127.0.0.1:%s tls=none authplain=yes auth=%s\nfile %s\nto <ok@x.test>\n\n' \
		"$1" "$2" "$msg"
}
# remote_feed: zr-remote reading jobs from this function's standard input.
remote_feed() {
	as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n' | tee -a "$T/reports"
	cat "$T/remote.err" >>"$T/remote.all"
}
data_n() {
	test "$(grep -c '^data' "$T/both.log")" -ge "$1"
}

out=$({
	jobfor "$P1" ms
	jobfor "$P2" ms
	wait_for 10 data_n 2
	# Someone else renews: the token zr-remote holds is revoked.
	as_user "$D/issue" "$D" >/dev/null
	jobfor "$P1" ms
} | remote_feed)
is "$(printf '%s\n' "$out" | grep -c '^K250')" 3 \
	'three messages over OAuth2, one zr-remote process'
like "$(cat "$T/remote.err")" "host=127\.0\.0\.1:$P1 tls=none policy=none outcome=plaintext auth=OAUTHBEARER" \
	'OAUTHBEARER chosen when offered with XOAUTH2, and logged'
is "$(grep -c '^oauthok alice@x.test tok1-' "$T/both.log")" 2 \
	'the first token served two connections'
is "$(cat "$D/n")" 3 'the program ran once, the test once, once more on refusal'
like "$(grep '^oauthfail' "$T/both.log")" '^oauthfail alice@x.test tok1-' \
	'the revoked token was refused'
is "$(grep '^oauthdummy' "$T/both.log")" 'oauthdummy 01' \
	'the error challenge got the RFC 7628 dummy response %x01'
like "$(grep '^oauthok' "$T/both.log" | tail -n 1)" \
	'oauthok alice@x.test tok3-' 'the renewed token was accepted on the same connection'
like "$(grep '^oauthbearer' "$T/both.log" | head -n 1)" \
	"^oauthbearer host=127\.0\.0\.1 port=$P1\$" 'OAUTHBEARER names host and port'

: >"$T/x2.log"
out=$(jobfor "$X" ms | remote_feed)
like "$out" '^K250' 'XOAUTH2 when it is the only mechanism: delivered'
like "$(cat "$T/remote.err")" "host=127\.0\.0\.1:$X tls=none policy=none outcome=plaintext auth=XOAUTH2" \
	'and the log names XOAUTH2'
out=$({
	jobfor "$X" ms
	jobfor "$P1" ms
	wait_for 10 data_n 4
	as_user "$D/issue" "$D" >/dev/null
	jobfor "$X" ms
} | remote_feed)
is "$(grep '^oauthdummy' "$T/x2.log")" 'oauthdummy ' \
	'XOAUTH2: the error challenge got the empty response'
is "$(printf '%s\n' "$out" | grep -c '^K250')" 3 \
	'the revoked token renewed, the message delivered'

echo 0 >"$D/n"
out=$({ jobfor "$P1" short; jobfor "$P2" short; } | remote_feed)
is "$(printf '%s\n' "$out" | grep -c '^K250')" 2 'expires_in 0: delivered'
is "$(cat "$D/n")" 2 'expires_in 0: the token is fetched for each connection'

: >"$T/both.log"
start=$(date +%s)
out=$(jobfor "$P1" hang | remote_feed)
end=$(date +%s)
like "$out" "^Z4\.4\.1 .*127\.0\.0\.1:$P1: AUTH: token program: timed out \(control/timeouttoken\): 2s" \
	'a program that hangs: deferred at control/timeouttoken'
ok 'within a few seconds' test $((end - start)) -lt 10
ok 'and the program was killed' sh -c "! kill -0 \$(cat '$D/hang.pid')"
out=$(jobfor "$P1" fail | remote_feed)
like "$out" "^Z4\.4\.1 .*AUTH: token program: exited 3\$" \
	'a program that fails: deferred, with its exit code'
out=$(jobfor "$P1" empty | remote_feed)
like "$out" "^Z4\.4\.1 .*AUTH: token program: printed no token\$" \
	'a program that prints nothing: deferred'
out=$(jobfor "$P1" huge | remote_feed)
like "$out" "^Z4\.4\.1 .*token program: the token line is longer than the limit \(8192 bytes\)" \
	'a program that prints a huge line: deferred'
like "$(cat "$T/remote.err")" "warning: .*token line is longer" \
	'and the log says so'
out=$(jobfor "$P1" rel | remote_feed)
like "$out" "^Z4\.4\.1 .*token program: not an absolute path: issue" \
	'a relative program name: deferred'
ok 'no AUTH was tried for any of them' sh -c "! grep -q '^auth' '$T/both.log'"

py_server plain --auth-plaintext --auth 'alice:pw' 2>>"$T/srv.err"
out=$(jobfor "$(port_of plain)" ms | remote_feed)
like "$out" "^Z4\.4\.1 .*names a token program, but the server offers no AUTH XOAUTH2 or OAUTHBEARER" \
	'a server without OAuth2 mechanisms: deferred'
out=$(printf 'host 127.0.0.1:%s tls=may auth=ms\nfile %s\nto <ok@x.test>\n\n' \
	"$P1" "$msg" | remote_feed)
like "$out" "^Z4\.4\.1 .*not sending credentials without TLS" \
	'the token, like a password, needs TLS or authplain=yes'

chmod 640 "$ZR_CONTROL/smarthost-secrets"
out=$(jobfor "$P1" ms | remote_feed)
like "$out" "^Z4\.4\.1 .*readable by group or others, refused" \
	'the secrets file keeps its 0600 rule'
chmod 600 "$ZR_CONTROL/smarthost-secrets"

toks=$(grep -ho 'tok[0-9]*-[0-9]*' "$T/both.log" "$T/x2.log" | sort -u)
ok 'no token in any zr-remote log line or report' sh -c \
	"test -s '$T/remote.all' && ! printf '%s\n' '$toks' | grep -qF -f - '$T/remote.all' '$T/reports'"
done_testing
