#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: priorities over SMTP. MT-PRIORITY (RFC 6710) with
# control/mtpriority, X-Priority and Priority fields from relay and
# authenticated clients only, and control/priorityrules for everyone; the
# priority is in the queue directory, the envelope, zr-qstat -j and the log.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 24
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo yes >"$ZR_CONTROL/mtpriority"
echo 1 >"$ZR_CONTROL/authplaintext"
PASS='S3cret-Pass'
echo "$PASS" | zr-passwd -i 1000 alice >"$ZR_CONTROL/passwords"
chmod 600 "$ZR_CONTROL/passwords"
[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_CONTROL/passwords"
cat >"$ZR_CONTROL/priorityrules" <<'R'
authuser alice high
sender @vip.test urgent
rcpt bulk@example.com low
R
smtpd_start
OUT=$TCP_PORT
OUTLOG=$T/.tcpserver.$_seq.err
smtpd_start RELAYCLIENT=
RELAY=$TCP_PORT
# swaks writes "MAIL FROM:<FROM>"; a FROM of 'a@x.test> MT-PRIORITY=N AUTH=<'
# makes it "MAIL FROM:<a@x.test> MT-PRIORITY=N AUTH=<>", legal parameters.
mt() { printf '%s> MT-PRIORITY=%s AUTH=<' "$1" "$2"; }
send() {
	port=$1
	shift
	swaks --server "127.0.0.1:$port" --to r@example.com --h-From '<a@x.test>' "$@" 2>&1
}
# The priority directory of the only message, and an empty queue after.
where() {
	f=$(find "$ZR_QUEUE/todo" -type f)
	[ "$(echo "$f" | wc -l)" = 1 ] && [ -n "$f" ] || { echo "none: $f"; return; }
	p=${f%/*}
	echo "${p##*/} $(sed -n 's/^priority //p' "$f")"
	rm -f "${f:?}"
}

out=$(send "$RELAY" --from a@x.test --quit-after EHLO)
like "$out" '<-  250-MT-PRIORITY' 'relay client: MT-PRIORITY offered'
out=$(send "$RELAY" --from "$(mt a@x.test 10)")
like "$out" '<\*\* 501 5\.5\.4 ' 'MT-PRIORITY=10: 501 5.5.4'
out=$(send "$RELAY" --from "$(mt a@x.test abc)")
like "$out" '<\*\* 501 5\.5\.4 ' 'MT-PRIORITY=abc: 501 5.5.4'
send "$RELAY" --from "$(mt a@x.test 5)" >/dev/null
is "$(where)" 'urgent urgent' 'MT-PRIORITY=5 from a relay client: urgent, in the envelope too'
send "$RELAY" --from "$(mt a@x.test 2)" >/dev/null
is "$(where)" 'high high' 'MT-PRIORITY=2: high'
send "$RELAY" --from "$(mt a@x.test -5)" >/dev/null
is "$(where)" 'low low' 'MT-PRIORITY=-5: low'
send "$RELAY" --from "$(mt a@x.test +0)" --h-X-Priority 1 >/dev/null
is "$(where)" 'normal normal' 'MT-PRIORITY comes before X-Priority'

# Header fields: believed from a relay client, never from an outsider.
send "$RELAY" --from a@x.test --h-X-Priority '1 (Highest)' >/dev/null
is "$(where)" 'urgent urgent' 'X-Priority: 1 from a relay client: urgent'
send "$RELAY" --from a@x.test --h-Priority non-urgent >/dev/null
is "$(where)" 'low low' 'Priority: non-urgent from a relay client: low'
send "$OUT" --from a@x.test --h-X-Priority 1 >/dev/null
is "$(where)" 'normal normal' 'X-Priority: 1 from an outsider: normal'
out=$(send "$OUT" --from "$(mt a@x.test 9)")
like "$out" '<-  250 2\.0\.0 Ok: queued' 'MT-PRIORITY=9 from an outsider: accepted'
is "$(where)" 'normal normal' 'but ignored'
like "$(cat "$OUTLOG")" 'client=127\.0\.0\.1 from=<a@x\.test> mt-priority=\+9 ignored="not a relay or authenticated client"' \
	'and the ignored value is logged'
# An X-Priority beyond the first 64 KiB of the content is not read.
big=$(head -c 70000 /dev/zero | tr '\0' a | fold -w 900)
send "$RELAY" --from a@x.test --h-Subject x --body "$big" >/dev/null
is "$(where)" 'normal normal' 'a large message with no field: normal'

# Authenticated: the client's values count, and its rule.
out=$(send "$OUT" --auth PLAIN --auth-user alice --auth-password "$PASS" \
	--from "$(mt a@x.test -9)" --to r@foreign.test)
like "$out" '<-  250 2\.0\.0 Ok: queued' 'authenticated: relayed'
is "$(where)" 'high high' 'the rule "authuser alice high" wins over MT-PRIORITY=-9'

# Rules apply to every client.
send "$OUT" --from ceo@vip.test >/dev/null
is "$(where)" 'urgent urgent' 'sender @vip.test urgent, from an outsider'
send "$OUT" --from a@x.test --to bulk@example.com >/dev/null
is "$(where)" 'low low' 'rcpt bulk@example.com low'
send "$RELAY" --from ceo@vip.test --h-X-Priority 5 >/dev/null
f=$(find "$ZR_QUEUE/todo" -type f)
like "$(zr-qstat -j)" '"priority":"urgent"' 'zr-qstat -j shows the priority'
like "$(cat "$T"/.tcpserver.*.err)" 'from=<ceo@vip\.test> to=<r@example\.com> size=[0-9]+ priority=urgent result=queued' \
	'the log line has the priority'
is "$(where)" 'urgent urgent' 'the rule wins over the X-Priority field'

# Without control/mtpriority, MT-PRIORITY is not offered, and unknown.
echo no >"$ZR_CONTROL/mtpriority"
out=$(send "$RELAY" --from "$(mt a@x.test 5)")
ok 'mtpriority no: not offered' sh -c "! echo '$out' | grep -q MT-PRIORITY\$"
like "$out" '<\*\* 555 5\.5\.4 ' 'and the parameter is unknown: 555'
# A malformed rules file: 421, with the line named in the log.
echo 'sender x@y.test superurgent' >>"$ZR_CONTROL/priorityrules"
out=$(send "$RELAY" --from a@x.test)
like "$out" '421 ' 'a malformed control/priorityrules: 421'
done_testing
