#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: control/senderlimits caps the messages per sender, per sending
# domain and per AUTH user across connections and processes (the shared
# rate table); over a cap MAIL gets 450 4.7.1, logged once per window.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 16
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo 1 >"$ZR_CONTROL/authplaintext"
PASS='S3cret-Pass'
echo "$PASS" | zr-passwd -i 1000 alice >"$ZR_CONTROL/passwords"
chmod 600 "$ZR_CONTROL/passwords"
[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_CONTROL/passwords"
cat >"$ZR_CONTROL/senderlimits" <<'L'
# a leaked application password sends no more than this
app@x.test 3/1h
@bulk.test 2/1h
authuser:alice 2/1h
w@x.test 1/3s
L
smtpd_start
OUT=$TCP_PORT
OUTLOG=$T/.tcpserver.$_seq.err
smtpd_start RELAYCLIENT=
RELAY=$TCP_PORT
RELAYLOG=$T/.tcpserver.$_seq.err
# One message per connection: MAIL's reply code.
mail() {
	port=$1
	shift
	swaks --server "127.0.0.1:$port" --to r@example.com "$@" 2>&1 |
		sed -n 's/^<[-*~]*  *\([0-9][0-9][0-9]\) \([0-9.]*\) Sender.*/\1/p; s/^<\*\* \(4[0-9][0-9] [0-9.]*\) .*/\1/p' | head -n 1
}
codes=
for i in 1 2 3 4 5; do
	codes="$codes $(mail "$RELAY" --from app@x.test)"
done
is "$codes" ' 250 250 250 450 4.7.1 450 4.7.1' 'app@x.test 3/1h: three messages, then 450 4.7.1 at MAIL'
is "$(grep -c 'senderlimit=app@x.test' "$RELAYLOG")" 1 'the refusal is logged once in the window'
like "$(cat "$RELAYLOG")" 'reject=450 esc=4\.7\.1 cmd=MAIL arg=<app@x\.test> senderlimit=app@x\.test limit=3/3600s' \
	'the log line names the sender and the cap'
is "$(mail "$RELAY" --from APP@x.test)" '450 4.7.1' 'an address is matched without regard to case'
is "$(mail "$RELAY" --from other@x.test)" 250 'another sender is not held back'
is "$(find "$ZR_QUEUE/todo" -type f | wc -l | tr -d ' ')" 4 'four messages queued in all'

# A domain shares one count.
codes="$(mail "$RELAY" --from a@bulk.test) $(mail "$RELAY" --from b@bulk.test) $(mail "$RELAY" --from c@bulk.test)"
is "$codes" '250 250 450 4.7.1' '@bulk.test 2/1h: counted for the whole domain'

# An AUTH user, whatever sender it claims; processes share the count.
auth() {
	mail "$OUT" --auth PLAIN --auth-user alice --auth-password "$PASS" \
		--to r@foreign.test "$@"
}
codes="$(auth --from one@y.test) $(auth --from two@y.test) $(auth --from three@y.test)"
is "$codes" '250 250 450 4.7.1' 'authuser:alice 2/1h: by user, not by address'
like "$(cat "$OUTLOG")" 'user=alice senderlimit=authuser:alice limit=2/3600s' \
	'the AUTH user is in the log line'

# An outsider sending to a local domain is not outbound mail.
is "$(mail "$OUT" --from app@x.test)" 250 'unauthenticated mail for a local domain is not capped'

# After the window, a sender may send again.
is "$(mail "$RELAY" --from w@x.test)" 250 'w@x.test 1/3s: the first'
is "$(mail "$RELAY" --from w@x.test)" '450 4.7.1' 'the second in the window is refused'
wait_for 10 sh -c "swaks --server 127.0.0.1:$RELAY --from w@x.test --to r@example.com 2>&1 | grep -q '^<-  250 2.0.0 Ok: queued'"
ok 'after the window, accepted again' test $? = 0
ok 'the table is small and bounded' \
	test "$(stat -c %s "$ZR_QUEUE/lock/senderlimit")" -le 131072

# A malformed line: every client gets 421, and the log names the line.
echo 'app@x.test lots' >>"$ZR_CONTROL/senderlimits"
like "$(swaks --server "127.0.0.1:$RELAY" --from a@x.test --to r@example.com 2>&1)" \
	'<\*\* 421 ' 'a malformed control/senderlimits: 421'
like "$(cat "$RELAYLOG")" 'control/senderlimits entry 5' 'the bad line is named'
done_testing
