#!/bin/bash
# SPDX-License-Identifier: MIT
# Mail loops end: a message with too many trace fields (Received: and
# Delivered-To:, control/maxhops, default 100) is refused by zr-smtpd at
# the end of DATA (554 5.4.6; its own Received: counts as a hop) and by
# zr-inject (exit 65), and the fields are counted in the header only.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 16
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
smtpd_start
P=$TCP_PORT

# msg FILE RECEIVED DELIVERED [BODY-RECEIVED]: a message with that many
# Received: and delivered-to: fields in its header (and more in its body).
msg() {
	python3 - "$@" <<'PY'
import sys
f, r, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with open(f, 'w') as o:
    for i in range(r):
        o.write('Received: from h%d.test\n\tby h%d.test; Tue, 1 Dec 2026\n' % (i, i + 1))
    for i in range(d):
        o.write('delivered-to: u%d@example.com\n' % i)
    o.write('Subject: hops\n\n')
    for i in range(b):
        o.write('Received: quoted in the body\n')
    o.write('body\n')
PY
}
send() {
	swaks --server 127.0.0.1:$P --from a@sender.test --to b@example.com \
		--data "$1" 2>&1
}

msg "$T/m99" 99 0
out=$(send "$T/m99")
like "$out" '<-  250 2\.0\.0 Ok: queued' '99 Received, 100 with ours: queued'
msg "$T/m100" 100 0
out=$(send "$T/m100")
like "$out" '<-  354 ' '100 Received: DATA goes ahead'
like "$out" '<\*\* 554 5\.4\.6 Message refused: too many hops' \
	'and is refused at its end with 554 5.4.6'
is "$(qcount todo/normal)" 1 'the looping message was not queued'
is "$(qcount tmp)" 0 'nor left in tmp/'
like "$(cat "$T"/.tcpserver.*.err)" 'result=rejected reject=554 esc=5\.4\.6 reason="Message refused: too many hops' \
	'the refusal is logged'
msg "$T/mixed" 60 40
like "$(send "$T/mixed")" '<\*\* 554 5\.4\.6' \
	'Delivered-To counts too, in any case'
msg "$T/body" 10 0 200
like "$(send "$T/body")" '<-  250 2\.0\.0 Ok: queued' \
	'Received lines in the body do not count'
# The same session goes on after the refusal, as after any 554.
wire() {
	sed 's/$/\r/' "$1" && printf '.\r\n'
}
wire "$T/m100" >"$T/w100"
wire "$T/m99" >"$T/w99"
out=$(python3 "${0%/*}/smtpd-client.py" $P '1:EHLO c.test\r\n' \
	'1:MAIL FROM:<a@sender.test>\r\n' '1:RCPT TO:<b@example.com>\r\n' \
	'1:DATA\r\n' "1:@$T/w100" \
	'1:MAIL FROM:<a@sender.test>\r\n' '1:RCPT TO:<b@example.com>\r\n' \
	'1:DATA\r\n' "1:@$T/w99" '1:QUIT\r\n' | grep -v '^250-' | cut -c1-3 |
	tr '\n' ' ')
is "$out" '220 250 250 250 354 554 250 250 354 250 221 ' \
	'in one session: refused, then the next message is taken'
echo 5 >"$ZR_CONTROL/maxhops"
msg "$T/m4" 4 0
msg "$T/m5" 5 0
like "$(send "$T/m4")" '<-  250 2\.0\.0' 'control/maxhops 5: 4 Received pass'
like "$(send "$T/m5")" '<\*\* 554 5\.4\.6' 'and 5 are refused'
rm "$ZR_CONTROL/maxhops"

# zr-inject adds no trace field: more than maxhops is a data error.
n0=$(qcount todo/normal)
msg "$T/m101" 101 0
as_user zr-inject b@example.com <"$T/m101" 2>"$T/inject.err"
is "$?" 65 'zr-inject: 101 trace fields exit 65 (EX_DATAERR)'
like "$(cat "$T/inject.err")" 'zr-inject: fatal: .*mail loop: 101 Received/Delivered-To fields, more than control/maxhops \(100\)' \
	'with a clear message'
is "$(qcount todo/normal)" "$n0" 'and nothing is queued'
as_user zr-inject b@example.com <"$T/m100"
is "$?" 0 'zr-inject: 100 are within the limit'
msg "$T/i-body" 3 0 300
as_user zr-inject b@example.com <"$T/i-body"
is "$?" 0 'zr-inject: Received lines in the body do not count'
done_testing
