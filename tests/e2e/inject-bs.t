#!/bin/bash
# SPDX-License-Identifier: MIT
# The last sendmail gaps: `sendmail -bs` (SMTP on standard input and
# output, by zr-smtpd, for the local user) driven by a script; -q with an
# interval accepted and ignored; obsolete source routes <@a,@b:user@c>
# dropped in zr-smtpd's MAIL and RCPT and in zr-inject's addresses.
. "${0%/*}/../lib/harness.sh"
plan 16
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
mkdir -p "$T/bin"
ln -s "$ZR_BIN/zr-inject" "$T/bin/sendmail"
clean() { rm -f "${ZR_QUEUE:?}"/todo/normal/*; }

# A whole session written at once, as a script or Alpine writes it; a
# caller's DATABYTES is no part of the environment zr-smtpd gets.
printf 'EHLO me.test\r\nMAIL FROM:<@a.test,@b.test:alice@x.test>\r\nRCPT TO:<bob@foreign.test>\r\nRCPT TO:<@c.test:carol@y.test>\r\nDATA\r\nSubject: bs\r\n\r\nbody line\r\n.\r\nQUIT\r\n' |
	DATABYTES=1 as_user "$T/bin/sendmail" -bs >"$T/out"
is "$?" 0 'sendmail -bs exits 0'
is "$(grep -v '^250-' "$T/out" | cut -c1-3 | tr '\n' ' ')" '220 250 250 250 250 354 250 221 ' \
	'every reply of the session, in order: a local user may send anywhere'
like "$(cat "$T/out")" '^250 2\.0\.0 Ok: queued as ' 'the message is queued'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'its sender: the source route dropped' grep -qx 'sender <alice@x.test>' "$f"
ok 'a foreign recipient' grep -qx 'rcpt <bob@foreign.test>' "$f"
ok 'a routed recipient: the route dropped' grep -qx 'rcpt <carol@y.test>' "$f"
ok 'the content' grep -qx 'body line' "$f"
ok 'the client is this host' grep -qx 'client 127.0.0.1' "$f"
clean

# With a bare LF session too: the session is zr-smtpd's, lines need CRLF.
printf 'HELO me.test\nQUIT\r\n' | as_user "$T/bin/sendmail" -bs >"$T/out"
like "$(cat "$T/out")" '^500 5\.5\.2 ' 'commands still end in CRLF'

# zr-inject itself drops source routes, on the command line and with -t.
printf 'To: Dave <@a.test,@b.test:dave@z.test>\nSubject: r\n\nbody\n' |
	as_user zr-inject -t '<@a.test:erin@z.test>'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'a routed argument: the route dropped' grep -qx 'rcpt <erin@z.test>' "$f"
ok 'a routed header address with -t: the route dropped' grep -qx 'rcpt <dave@z.test>' "$f"
clean
printf 'x\n' | as_user zr-inject '<@bad_host:u@z.test>' 2>/dev/null
is "$?" 64 'a malformed route is a bad address'

# -q: with an interval, nothing is done and standard input is not read.
mkfifo "$T/never"
exec 3<>"$T/never"	# standard input that never ends
as_user timeout 10 "$T/bin/sendmail" -q15m <&3
is "$?" 0 '-q15m exits 0 at once (timeout would say 124)'
exec 3>&-
is "$(qcount todo/normal)" 0 'and queues nothing'
as_user "$T/bin/sendmail" -q </dev/null
is "$?" 0 '-q (wake the scheduler) exits 0'
is "$(qcount todo/normal)" 0 'and queues nothing either'
done_testing
