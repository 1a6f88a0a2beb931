#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote reads replies in step with its commands: a server that sends a
# reply nobody asked for (after the greeting, after a RCPT, after the 354
# that ends a pipelined group, after the final dot) is logged and dropped,
# and its next reply is never taken for the answer to another command.
# The raw servers refuse the message (554) when they get it, so a client
# out of step would report the unasked 250 as the message's success.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
plan 13
zr_setup
control timeoutremote 5
control timeoutconnect 2
printf 'Subject: h\n\nbody\n' | as_user zr-inject -v ok@x.test >"$T/id"
msg=$ZR_QUEUE/todo/normal/$(cat "$T/id")

# remote JOBTEXT: zr-remote on the jobs; the report on one line, each
# record ended by '~' (so that one regular expression sees it whole).
remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '~'
}
raw() {
	tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-raw.py" "$1"
}

raw extra-greet
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\n\n")
like "$out" "^H~Tpolicy=may outcome=unreached~Z4\\.4\\.1 no host answered: 127\\.0\\.0\\.1:$TCP_PORT: unsolicited reply after the greeting: 250 2\\.0\\.0 unasked~$" \
	'a reply after the greeting: the host is dropped, the message deferred'
like "$(cat "$T/remote.err")" 'after="the greeting" reply="250 2\.0\.0 unasked" reason="unsolicited reply; connection dropped"' \
	'and it is logged with what came'
sink_start
out=$(remote "host 127.0.0.1:$TCP_PORT\nhost 127.0.0.1:$SINK_PORT\nfile $msg\n\n")
like "$out" "^H127\\.0\\.0\\.1:$SINK_PORT~Ttls=none policy=may outcome=plaintext(~N)?~r250[^~]*~K250" 'the next host takes it'

raw extra-rcpt
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\n\n")
like "$out" "^H127\\.0\\.0\\.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~Z4\\.5\\.0 127\\.0\\.0\\.1:$TCP_PORT: unsolicited reply after RCPT: 250 2\\.1\\.5 again~$" \
	'two replies to one RCPT: deferred, no recipient reported'
ok 'nothing is reported delivered' sh -c "! printf '%s\n' \"\$1\" | grep -Eq '~[rK]'" - "$out"

raw extra-pipe
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\n\n")
like "$out" "^H127\\.0\\.0\\.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~Z4\\.5\\.0 127\\.0\\.0\\.1:$TCP_PORT: unsolicited reply after DATA: 250 2\\.0\\.0 unasked~$" \
	'a reply more after a pipelined group: deferred'
ok 'nothing is reported delivered (the 554 for the message is never read as 250)' \
	sh -c "! printf '%s\n' \"\$1\" | grep -Eq '~[rK]'" - "$out"
like "$(cat "$T/remote.err")" "host=127\\.0\\.0\\.1:$TCP_PORT after=DATA reply=\"250 2\\.0\\.0 unasked\" reason=\"unsolicited reply" 'logged'

raw extra-dot
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $msg\n\nhost 127.0.0.1:$TCP_PORT\nfile $msg\n\n")
is "$out" "H127.0.0.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~r250 2.1.5 ok~K250 2.0.0 taken~H127.0.0.1:$TCP_PORT~Ttls=none policy=may outcome=plaintext~r250 2.1.5 ok~K250 2.0.0 taken~" \
	'a reply more after the final 250: the message stands, the next job is sent'
like "$(cat "$T/remote.err")" 'after="the end of the message" reply="250 2\.0\.0 unasked" reason="unsolicited reply' \
	'the extra reply is logged'
is "$(grep -c 'info: .*host=127.0.0.1:'"$TCP_PORT" "$T/remote.err")" 2 \
	'and the connection is not reused: the second job connects anew'

# Over TLS: a reply more with the EHLO after STARTTLS (the server sends
# it only once in TLS, so seeing it means the handshake was made).
mkcerts || { echo 'Bail out! unable to make certificates'; exit 1; }
RAW_CERT=$C/good.pem RAW_KEY=$C/good.key raw starttls-extra
out=$(remote "host 127.0.0.1:$TCP_PORT tls=encrypt\nfile $msg\n\n")
like "$out" "^H~Tpolicy=encrypt outcome=unreached~Z4\\.4\\.1 no host answered: 127\\.0\\.0\\.1:$TCP_PORT: unsolicited reply after EHLO: 250 2\\.0\\.0 unasked~$" \
	'under TLS, a reply more after EHLO: the host is dropped'

# In step, with PIPELINING, nothing is taken for unsolicited.
py_server pipe --pipelining
out=$(remote "host 127.0.0.1:$(port_of pipe)\nfile $msg\n\nhost 127.0.0.1:$(port_of pipe)\nfile $msg\n\n")
ok 'a well-behaved pipelining server: two messages, one connection, no complaint' \
	sh -c "[ \$(printf '%s\n' \"\$1\" | tr '~' '\\n' | grep -c '^K250') = 2 ] && [ \$(grep -c '^ehlo' '$T/pipe.log') = 1 ] && ! grep -q unsolicited '$T/remote.err'" - "$out"
done_testing
