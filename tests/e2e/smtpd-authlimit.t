#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: failed AUTH is counted per client address across connections
# and processes (control/authfailures in control/authwindow); a guesser
# that reconnects gets 421 4.7.0 before its credentials are looked at.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 9
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo 1 >"$ZR_CONTROL/authplaintext"
# A checkpassword program that notes each time it is asked.
: >"$T/asked"
chmod 666 "$T/asked"
cat >"$T/checkpw" <<SH
#!/bin/sh
echo asked >>"$T/asked"
tr '\0' '\n' <&3 | { read -r u; read -r p; [ "\$u" = alice ] && [ "\$p" = right ] && exit 0; exit 1; }
SH
chmod 755 "$T/checkpw"
echo "$T/checkpw" >"$ZR_CONTROL/checkpassword"
smtpd_start
P=$TCP_PORT
LOG=$T/.tcpserver.$_seq.err
try() {
	swaks --server 127.0.0.1:$P --auth PLAIN --auth-user alice \
		--auth-password "$1" --from a@b.test --to u@example.com \
		--quit-after AUTH 2>&1
}

# The defaults: five failures in 300 s. One guess per connection, as a
# guesser that reconnects makes them.
n=0
for i in 1 2 3 4 5; do
	try wrong | grep -q '<\*\* 535 5\.7\.8' && n=$((n + 1))
done
is "$n" 5 'five reconnecting guesses: each a 535 5.7.8'
out=$(try right)
like "$out" '<\*\* 421 4\.7\.0 Too many failed authentications from your address' \
	'the sixth attempt, with the right password: 421 4.7.0'
is "$(wc -l <"$T/asked" | tr -d ' ')" 5 'and its password was never checked'
like "$(cat "$LOG")" 'reject=421 esc=4\.7\.0 cmd=AUTH' 'the refusal is logged'
like "$(cat "$LOG")" 'result=auth-limit' 'and why the connection ended'
ok 'the counts live in the queue lock directory, bounded' \
	test "$(stat -c %s "$ZR_QUEUE/lock/authfail")" -le 131072

# Another window: two failures in 10 s (each takes a second or more, and
# longer on a busy machine), then it is over again.
echo 2 >"$ZR_CONTROL/authfailures"
echo 10 >"$ZR_CONTROL/authwindow"
rm -f "$ZR_QUEUE/lock/authfail"
try wrong >/dev/null
try wrong >/dev/null
like "$(try right)" '<\*\* 421 4\.7\.0' 'authfailures 2: the third attempt is refused'
wait_for 30 sh -c "swaks --server 127.0.0.1:$P --auth PLAIN --auth-user alice \
	--auth-password right --from a@b.test --to u@example.com \
	--quit-after AUTH 2>&1 | grep -q '<-  235 2\.7\.0'"
ok 'after authwindow, the right password is accepted again' test $? = 0

# 0 turns the limit off.
echo 0 >"$ZR_CONTROL/authfailures"
for i in 1 2 3; do try wrong >/dev/null; done
like "$(try right)" '<-  235 2\.7\.0' 'authfailures 0: no limit'
done_testing
