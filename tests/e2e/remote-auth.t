#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote's AUTH PLAIN and LOGIN against aiosmtpd: success, 535 (the
# next host, else deferred), credentials never sent without TLS (the
# receiver's log of every AUTH command is the proof), a secrets file with
# a bad mode, and no secret in any log.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
plan 20
tls_remote_setup
secret='s3cret pass phrase'
secrets "# name user password
relay alice $secret
wrong alice not-the-password"

remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n' |
		tee -a "$T/reports"
	cat "$T/remote.err" >>"$T/remote.all"
}

tls_server both good --auth "alice:$secret" --pipelining
B=$(port_of both)
tls_server login good --auth "alice:$secret" --no-plain
L=$(port_of login)
py_server open --auth "alice:$secret" --auth-plaintext --pipelining \
	2>>"$T/open.err"
O=$(port_of open)
py_server noauth --pipelining
N=$(port_of noauth)

out=$(job "127.0.0.1:$B tls=verify auth=relay")
like "$out" '^K250' 'AUTH PLAIN inside TLS: delivered'
is "$(grep -E '^auth' "$T/both.log" | tr '\n' ' ')" 'auth PLAIN tls=1 authok alice ' \
	'PLAIN preferred, sent inside TLS, accepted'
like "$(cat "$T/remote.err")" "host=127.0.0.1:$B tls=TLSv1\.[23] .* auth=PLAIN" \
	'the connection log names the mechanism'

out=$(job "127.0.0.1:$L tls=encrypt auth=relay")
like "$out" '^K250' 'AUTH LOGIN when PLAIN is not offered: delivered'
is "$(grep -E '^auth' "$T/login.log" | tr '\n' ' ')" 'auth LOGIN tls=1 authok alice ' \
	'LOGIN sent inside TLS, accepted'

: >"$T/both.log"
out=$(job "127.0.0.1:$B tls=encrypt auth=wrong" "127.0.0.1:$N tls=may")
like "$out" "^H127\.0\.0\.1:$N\$" '535: the next host took the message'
like "$(cat "$T/remote.err")" "host=127\.0\.0\.1:$B reason=\"AUTH PLAIN failed: 535" \
	'and the log says why'
ok 'no transaction on the host that refused the credentials' \
	sh -c "! grep -q '^rcpt' '$T/both.log'"
out=$(job "127.0.0.1:$B tls=encrypt auth=wrong")
like "$out" "^Z4\.4\.1 no host answered: 127\.0\.0\.1:$B: AUTH PLAIN failed: 535" \
	'535 on the only host: deferred'
out=$(job "127.0.0.1:$L tls=encrypt auth=wrong")
like "$out" "^Z4\.4\.1 .*AUTH LOGIN failed: 535" 'LOGIN refused: deferred too'

out=$(job "127.0.0.1:$O tls=may auth=relay")
like "$out" "^Z4\.4\.1 .*not sending credentials without TLS" \
	'AUTH offered without TLS, tls=may: not sent, deferred'
ok 'the receiver never saw an AUTH command' \
	sh -c "! grep -q '^auth' '$T/open.log'"
out=$(job "127.0.0.1:$O tls=may auth=relay" "127.0.0.1:$N tls=may")
like "$out" "^H127\.0\.0\.1:$N\$" 'and the next host is tried'
out=$(job "127.0.0.1:$O tls=none auth=relay authplain=yes")
like "$out" '^K250' 'authplain=yes: the line allows it in plain text'
is "$(grep -E '^auth' "$T/open.log" | tr '\n' ' ')" 'auth PLAIN tls=0 authok alice ' \
	'and only then does the receiver see AUTH outside TLS'

out=$(job "127.0.0.1:$B tls=encrypt auth=nobody")
like "$out" "^Z4\.4\.1 .*no credentials: control/smarthost-secrets: no such name" \
	'a name missing from the secrets file: deferred'
chmod 640 "$ZR_CONTROL/smarthost-secrets"
: >"$T/both.log"
out=$(job "127.0.0.1:$B tls=encrypt auth=relay")
like "$out" "^Z4\.4\.1 .*smarthost-secrets: readable by group or others, refused" \
	'a secrets file the group can read: deferred, and the log says why'
ok 'and no AUTH was tried' sh -c "! grep -q '^auth' '$T/both.log'"
chmod 600 "$ZR_CONTROL/smarthost-secrets"

out=$(job "127.0.0.1:$N tls=may auth=relay")
like "$out" "^Z4\.4\.1 .*the server offers no AUTH PLAIN or LOGIN" \
	'auth= and a server without AUTH: deferred'
b64=$(printf '\0alice\0%s' "$secret" | base64)
ok 'no secret, plain or encoded, in any log line or report' sh -c \
	"test -s '$T/remote.all' && ! grep -qF -e 's3cret' -e '$b64' '$T/remote.all' '$T/reports'"
done_testing
