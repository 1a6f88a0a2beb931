#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-remote takes one path through a transaction with and without
# PIPELINING: the same commands in the same order, each reply given to its
# own command (a RCPT refused between two accepted ones, then a 554 to
# DATA), RSET before the second transaction on a kept connection. The
# pipelining server answers nothing before DATA, so a client that waited
# for each reply would hang; the other one logs a command that came before
# the reply to the one before it.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 8
zr_setup
control timeoutremote 5
control timeoutconnect 2
printf 'Subject: h\n\nbody\n' |
	as_user zr-inject -v ok@x.test bad@x.test ok2@x.test >"$T/id"
msg=$ZR_QUEUE/todo/normal/$(cat "$T/id")

remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n'
}

# The commands a server saw, the greeting's name and the sender left out.
seen() {
	sed -e 's/^EHLO .*/EHLO/' -e 's/^MAIL FROM:<[^>]*>/MAIL FROM:<S>/' \
		"${1:?}"
}

one="r250 2.1.5 ok
h550 5.1.1 no such user
r250 2.1.5 ok
D554 5.5.1 no thanks"
wire="EHLO
MAIL FROM:<S>
RCPT TO:<ok@x.test>
RCPT TO:<bad@x.test>
RCPT TO:<ok2@x.test>
DATA
RSET
MAIL FROM:<S>
RCPT TO:<ok@x.test>
RCPT TO:<bad@x.test>
RCPT TO:<ok2@x.test>
DATA
QUIT"
for mode in pipe plain; do
	: >"$T/$mode.log"
	tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-cursor.py" $mode \
		"$T/$mode.log"
	job="host 127.0.0.1:$TCP_PORT\nfile $msg\n\n"
	out=$(remote "$job$job")
	head="H127.0.0.1:$TCP_PORT
Ttls=none policy=may outcome=plaintext"
	is "$out" "$head
$one
$head
$one" "$mode: each recipient gets its own reply, DATA's 554 the message"
	wait_for 5 grep -q '^QUIT' "$T/$mode.log"
	is "$(seen "$T/$mode.log" | grep -v '^early\|^group')" "$wire" \
		"$mode: the same commands in the same order"
done
ok 'plain: no command came before the reply to the one before it' \
	sh -c "! grep -q '^early' '$T/plain.log'" || diag "$(cat "$T/plain.log")"
is "$(grep '^group' "$T/pipe.log" | tr '\n' ' ')" 'group 5 group 6 group 1 ' \
	'pipelined: MAIL, RCPTs and DATA in one group; RSET first in the next; QUIT'
ok 'nothing was logged as out of step' \
	sh -c "! grep -q 'unsolicited' '$T/remote.err'"
ok 'and nothing was odd' sh -c "! grep -q 'odd reply' '$T/remote.err'"
