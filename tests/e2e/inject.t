#!/bin/sh
# zr-inject: what lands in the queue, sendmail callers, and every error path.
. "${0%/*}/../lib/harness.sh"
plan 52
zr_setup

inject() { as_user zr-inject "$@"; }
# The one message file in todo/<prio>, or nothing.
only() { find "$ZR_QUEUE/todo/$1" -type f; }
clear_queue() { find "$ZR_QUEUE" -path "$ZR_QUEUE/lock" -prune -o -type f -exec rm -f {} +; }
body_of() { sed '1,/^data$/d' "$1"; }

# --- a plain message -------------------------------------------------------
printf 'Subject: hello\n\nline one\n' | inject -v a@x.test >"$T/id" 2>"$T/err"
is "$?" 0 'a message is accepted'
f=$(only normal)
ok 'it lands in todo/normal' test -n "$f"
is "$(cat "$T/id")" "$(basename "$f")" '-v prints the queue id, which names the file'
is "$(sed -n 1p "$f")" 'zr-envelope 1' 'the envelope starts with its version'
like "$(cat "$f")" '^rcpt <a@x.test>$' 'the recipient is in the envelope'
like "$(cat "$f")" '^sender <[a-z]+@relay.test>$' 'the sender is the user at control/me'
like "$(cat "$f")" '^priority normal$' 'the priority is recorded'
b=$(body_of "$f")
like "$b" '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} ' 'a Date is added'
like "$b" "^Message-ID: <$(basename "$f")@relay.test>\$" 'a Message-ID is added'
like "$b" '^From: ([a-z]+ )?<[a-z]+@relay.test>$' 'a From is added (with the passwd full name, when there is one)'
like "$b" '^line one$' 'the body is kept'
is "$(qcount tmp)" 0 'nothing is left in tmp/'
is "$(cat "$T/err")" '' 'nothing is printed on stderr'
clear_queue

# --- -t, Bcc, existing headers, CRLF ------------------------------------------
printf 'From: Me <me@x.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <keep@x.test>\r\nTo: Bob <bob@x.test>,\r\n  "Smith, Ann" <ann@x.test>\r\nCc: carl@x.test (Carl)\r\nBcc: hidden@x.test\r\nSubject: t\r\n\r\nbody\r\n' |
	inject -t -i
is "$?" 0 '-t accepts a CRLF message'
f=$(only normal)
is "$(grep '^rcpt ' "$f" | tr '\n' ' ')" 'rcpt <bob@x.test> rcpt <ann@x.test> rcpt <carl@x.test> rcpt <hidden@x.test> ' '-t takes To, Cc and Bcc'
b=$(body_of "$f")
ok 'Bcc is removed from the header' sh -c "! grep -qi '^bcc:' '$f'"
ok 'hidden address is nowhere in the content' sh -c "! sed '1,/^data\$/d' '$f' | grep -q hidden"
is "$(printf '%s\n' "$b" | grep -c '^Date:')" 1 'an existing Date is not doubled'
like "$b" '^Message-ID: <keep@x.test>$' 'an existing Message-ID is kept'
like "$b" '^From: Me <me@x.test>$' 'an existing From is kept'
ok 'CRLF is stored as LF' sh -c "! grep -q \"\$(printf '\\r')\" '$f'"
like "$b" '^  "Smith, Ann" <ann@x.test>$' 'a folded header line is kept as it was'
clear_queue

# --- sendmail callers -------------------------------------------------------
printf 'To: root\nSubject: cron\n\nout\n' | inject -FCronDaemon -odi -oem -oi -t
is "$?" 0 'cron (BSD): -FCronDaemon -odi -oem -oi -t'
f=$(only normal)
like "$(cat "$f")" '^rcpt <root@relay.test>$' 'a bare name is qualified with control/me'
like "$(body_of "$f")" '^From: CronDaemon <' '-F names the sender in From'
clear_queue
printf 'Subject: x\n\n.\nafter\n' | inject -i -B8BITMIME -oem someone@x.test
is "$?" 0 'cron (Debian): -i -B8BITMIME -oem rcpt'
like "$(body_of "$(only normal)")" '^after$' 'with -i a lone dot does not end input'
clear_queue
printf 'Subject: x\n\nbefore\n.\nafter\n' | inject -f git@x.test -- a@x.test b@x.test
is "$?" 0 'git send-email: -f sender -- rcpts'
f=$(only normal)
like "$(cat "$f")" '^sender <git@x.test>$' '-f sets the envelope sender'
ok 'without -i a lone dot ends input' sh -c "! grep -q '^after' '$f'"
clear_queue
printf 'Subject: x\n\nb\n' | inject -f '<>' -N success,delay -R hdrs -V 'env+id' a@x.test
f=$(only normal)
like "$(cat "$f")" '^sender <>$' '-f <> is the null sender'
like "$(cat "$f")" '^notify success,delay$' '-N is recorded per recipient'
like "$(cat "$f")" '^orcpt rfc822;a@x.test$' 'with DSN the original recipient is kept'
like "$(cat "$f")" '^ret hdrs$' '-R is recorded'
like "$(cat "$f")" '^envid env\+2Bid$' '-V is recorded as xtext'
clear_queue

# --- priorities ---------------------------------------------------------------
# A refused inject must not pass for a wrong directory: its exit status is
# part of each check, and what it said is shown when one fails.
# prio_lands DIR DESCRIPTION MESSAGE [OPTION...]
prio_lands() {
	_want=$1 _what=$2 _msg=$3
	shift 3
	printf "$_msg" | inject "$@" a@x.test 2>"$T/err"
	_rc=$?
	_got=$(only "$_want")
	ok "$_what" test "$_rc" = 0 -a -n "$_got"
	[ "$_rc" = 0 ] && [ -n "$_got" ] ||
		diag "zr-inject exit $_rc; stderr: $(cat "$T/err"); in the queue:" \
		    "$(find "$ZR_QUEUE" -path "$ZR_QUEUE/lock" -prune -o -type f -print)"
}
prio_lands urgent '-p urgent lands in todo/urgent' 'Subject: x\n\nb\n' -p urgent
prio_lands high 'X-Priority: 2 lands in todo/high' \
	'X-Priority: 2 (High)\nSubject: x\n\nb\n'
prio_lands low 'Priority: non-urgent lands in todo/low' \
	'Priority: non-urgent\n\nb\n'
clear_queue

# --- mailq and friends --------------------------------------------------------
printf 'Subject: x\n\nb\n' | inject listed@x.test
like "$(inject -bp)" 'listed@x.test' '-bp lists the queue'
ok 'newaliases (-bi) succeeds quietly' sh -c 'as_user() { "$@"; }; zr-inject -bi </dev/null'
clear_queue

# --- errors -------------------------------------------------------------------
printf 'Subject: x\n\nb\n' | inject >/dev/null 2>"$T/err"
is "$?" 64 'no recipient: exit 64'
like "$(cat "$T/err")" '^zr-inject: fatal: reason="no recipients"$' 'and says so'
printf 'Subject: x\n\nb\n' | inject 'bad..address@x.test' 2>"$T/err"
is "$?" 64 'a bad address: exit 64'
like "$(cat "$T/err")" 'bad address: bad..address@x.test' 'naming the address'
printf 'Subject: x\n\nb\n' | inject -p soonest a@x.test 2>/dev/null
is "$?" 64 'a bad priority: exit 64'
printf 'Subject: x\n\nnul\000byte\n' | inject a@x.test 2>"$T/err"
is "$?" 65 'a NUL byte: exit 65'
echo 100 >"$ZR_CONTROL/databytes"
head -c 500 /dev/zero | tr '\0' 'x' | sed 's/^/Subject: x\n\n/' | inject a@x.test 2>"$T/err"
is "$?" 65 'over control/databytes: exit 65'
rm "$ZR_CONTROL/databytes"
printf 'Subject: x\n\nb\n' | ZR_QUEUE=$T/nonexistent inject a@x.test 2>"$T/err"
is "$?" 73 'a missing queue: exit 73'
like "$(cat "$T/err")" "unable to open queue $T/nonexistent" 'naming the queue'
chmod 500 "$ZR_QUEUE/tmp"
printf 'Subject: x\n\nb\n' | inject a@x.test 2>"$T/err"
is "$?" 73 'an unwritable queue: exit 73'
chmod 700 "$ZR_QUEUE/tmp"
is "$(qfiles | wc -l | tr -d ' ')$(qcount tmp)" 00 'no error left anything in the queue'

# A full disk: a small tmpfs queue, filled up first.
if [ "$(id -u)" = 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=256k tmpfs "$T/full" 2>/dev/null; then
	ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$T/full/q"
	chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$T/full/q"
	head -c 300000 /dev/zero >"$T/full/filler" 2>/dev/null
	head -c 100000 /dev/zero | tr '\0' 'x' | sed 's/^/Subject: x\n\n/' |
		ZR_QUEUE=$T/full/q as_user zr-inject a@x.test 2>"$T/err"
	rc=$?
	n=$(find "$T/full/q" -type f | wc -l | tr -d ' ')
	umount "$T/full"
	is "$rc:$n" 75:0 'a full disk: exit 75 and nothing left in the queue'
else
	skip 'needs root to mount a small tmpfs'
fi
done_testing
