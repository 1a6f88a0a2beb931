#!/bin/sh
# zr-local: Maildir delivery, aliases, commands, forwarding, unknown users.
. "${0%/*}/../lib/harness.sh"
plan 35
zr_setup

mail=$T/mail
mkdir -p "$mail" && chmod 777 "$mail"
echo "$mail" >"$ZR_CONTROL/localroot"
echo relay.test >"$ZR_CONTROL/localdomains"
cat >"$ZR_CONTROL/localaliases" <<EOF
# name: targets
postmaster: alice
team: alice, bob
pipe: |cat >$T/piped; echo "\$RECIPIENT \$SENDER" >$T/pipe-env
fwd: someone@remote.test, alice
loop1: loop2
loop2: loop1
hardfail: |echo no such thing; exit 100
softfail: |echo busy; exit 75
EOF
chmod 644 "${ZR_CONTROL:?}"/*
touch "$T/piped" "$T/pipe-env"; chmod 666 "$T/piped" "$T/pipe-env"

# deliver ID ADDRESS...: one job for zr-local, as zr-send writes it.
deliver() {
	_id=$1
	shift
	{
		echo "host local"
		echo "file $(find "$ZR_QUEUE" -name "$_id" -type f | head -n 1)"
		for a in "$@"; do echo "to <$a>"; done
		echo
	} | as_user zr-local | tr '\0' '\n' | sed 1d
}
msg() { printf 'Subject: local test\n\nhello there\n' | as_user zr-inject -v -f sender@x.test "$@"; }

id=$(msg alice@relay.test Bob@relay.test postmaster@relay.test)
out=$(deliver "$id" alice@relay.test Bob@relay.test postmaster@relay.test)
is "$(printf '%s\n' "$out" | cut -c1 | tr -d '\n')" rrrK 'three recipients delivered, then K'
f=$(grep -l '^Delivered-To: alice@relay.test$' "$mail"/alice/new/* | head -n 1)
ok 'a file in alice/new' test -n "$f"
ok 'alice has cur/ and tmp/' test -d "$mail/alice/cur" -a -d "$mail/alice/tmp"
is "$(sed -n 1,2p "$f" | tr '\n' '|')" 'Return-Path: <sender@x.test>|Delivered-To: alice@relay.test|' 'Return-Path and Delivered-To on top'
like "$(cat "$f")" '^hello there$' 'the message follows'
like "$(basename "$f")" '^[0-9]+\.M[0-9]{6}P[0-9]+Q[0-9]+\.' 'a Maildir file name'
is "$(find "$mail/bob/new" -type f | wc -l | tr -d ' ')" 1 'the local part is case-insensitive (Bob -> bob)'
is "$(find "$mail/alice/new" -type f | wc -l | tr -d ' ')" 2 'postmaster is an alias of alice'
is "$(find "$mail" -path "$mail/*/tmp/*" -type f | wc -l | tr -d ' ')" 0 'nothing is left in tmp/'

id=$(msg team@relay.test pipe@relay.test)
out=$(deliver "$id" team@relay.test pipe@relay.test)
is "$(printf '%s\n' "$out" | cut -c1 | tr -d '\n')" rrK 'an alias to two and a command'
like "$(cat "$T/piped")" '^Delivered-To: pipe@relay.test$' 'the command got the message'
is "$(cat "$T/pipe-env")" 'pipe@relay.test sender@x.test' 'with RECIPIENT and SENDER set'

id=$(msg fwd@relay.test)
out=$(deliver "$id" fwd@relay.test)
like "$out" '^r' 'a forwarding alias delivers'
fw=$(grep -l '^rcpt <someone@remote.test>$' "$ZR_QUEUE"/todo/normal/* 2>/dev/null | head -n 1)
ok 'the forwarded copy is queued for the remote address' test -n "$fw"
like "$(cat "$fw")" '^sender <sender@x.test>$' 'from the original sender'
like "$(cat "$fw")" '^Delivered-To: fwd@relay.test$' 'with a Delivered-To for the hop'

id=$(msg loop1@relay.test hardfail@relay.test softfail@relay.test '"../etc"@relay.test')
out=$(deliver "$id" loop1@relay.test hardfail@relay.test softfail@relay.test '"../etc"@relay.test')
like "$(printf '%s\n' "$out" | sed -n 1p)" '^h5\.4\.6 alias loop' 'an alias loop fails'
like "$(printf '%s\n' "$out" | sed -n 2p)" '^h5\.3\.0 command failed: no such thing' 'exit 100 is permanent, with its words'
like "$(printf '%s\n' "$out" | sed -n 3p)" '^s4\.3\.0 command failed: busy' 'exit 75 is temporary'
like "$(printf '%s\n' "$out" | sed -n 4p)" '^h5\.1\.1 no such mailbox' 'a local part with a slash is no mailbox'

# Hops: with the Delivered-To it adds, at most control/maxhops.
hopmsg() {
	python3 -c "import sys; sys.stdout.write('Received: from h.test\n' * $1 + 'Delivered-To: x@y.test\n' * $2 + 'Subject: hops\n\nbody\n')" |
		as_user zr-inject -v -f sender@x.test alice@relay.test
}
id=$(hopmsg 98 1)
like "$(deliver "$id" alice@relay.test)" '^r' '99 trace fields and ours: delivered'
id=$(hopmsg 99 1)
like "$(deliver "$id" alice@relay.test)" \
	'^h5\.4\.6 mail loop: 100 Received/Delivered-To fields, the limit is 100 \(maxhops\)' \
	'100 trace fields: failed as a loop, Delivered-To counted too'
n=$(find "$mail/alice/new" -type f | wc -l)
id=$(hopmsg 100 0)
like "$(deliver "$id" fwd@relay.test)" '^h5\.4\.6 mail loop' \
	'nor forwarded'
is "$(find "$mail/alice/new" -type f | wc -l)" "$n" 'and nothing was delivered'
printf 'alice\nbob\n' >"$ZR_CONTROL/localusers"
chmod 644 "$ZR_CONTROL/localusers"
id=$(msg carol@relay.test)
like "$(deliver "$id" carol@relay.test)" '^h5\.1\.1 no such mailbox: carol' 'with control/localusers, unknown users fail'

if [ "$(id -u)" = 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	chmod 777 "$T/full"
	echo "$T/full" >"$ZR_CONTROL/localroot"
	head -c 60000 /dev/zero >"$T/full/filler"
	id=$(printf 'Subject: big\n\n%s\n' "$(head -c 20000 /dev/zero | tr '\0' x)" | as_user zr-inject -v alice@relay.test)
	out=$(deliver "$id" alice@relay.test)
	umount "$T/full"
	like "$out" '^s4\.2\.2 mailbox full' 'a full disk defers'
else
	skip 'needs root to mount a small tmpfs'
fi

# Jobs that cannot be done say so, and the next job still runs.
out=$(printf 'host local\nbogus line\n\nhost local\nfile /nonexistent\nto <a@relay.test>\n\n' |
	as_user zr-local | tr '\0' '\n')
like "$out" '^Z4\.3\.5 malformed job: unknown line$' 'a malformed job: Z, and why'
like "$out" '^Z4\.3\.0 unable to read the message' 'a missing file: Z, every recipient deferred'
# With id, delivery and results, the job and the report go to the journal.
echo "$mail" >"$ZR_CONTROL/localroot"
rm -f "${ZR_CONTROL:?}/localusers"
id=$(msg carol@relay.test)
file=$(find "${ZR_QUEUE:?}" -name "$id" -type f | head -n 1)
jn=journal.1.3
as_user touch "$ZR_QUEUE/state/$jn"
printf 'host local\nfile %s\nid %s\ndelivery 3\nresults %s\nto <carol@relay.test>\n\n' \
	"$file" "$id" "$jn" | as_user zr-local >"$T/rep"
ok 'the journal names the job' grep -q "^id $id\$" "$ZR_QUEUE/state/$jn"
is "$(sed '1,/^$/d' "$ZR_QUEUE/state/$jn" | od -An -c)" \
	"$(od -An -c <"$T/rep")" 'and holds the report, byte for byte, after it'

# With control/syncresults 1 the journal is synced before the report;
# by default (0) it is only written.
sync_count() {
	printf 'host local\nfile %s\nid %s\ndelivery %s\nresults %s\nto <carol@relay.test>\n\n' \
		"$file" "$id" "$1" "$jn" |
		if [ "$(id -u)" = 0 ]; then
			strace -f -e trace=fdatasync -o "$T/strace.$1" setpriv \
				--reuid="$ZR_TEST_USER" --regid="$ZR_TEST_GROUP" \
				--clear-groups -- zr-local
		else
			strace -f -e trace=fdatasync -o "$T/strace.$1" zr-local
		fi >/dev/null
	grep -c 'fdatasync(' "$T/strace.$1"
}
echo 1 >"$ZR_CONTROL/syncresults"
chmod 644 "$ZR_CONTROL/syncresults"
is "$(sync_count 4)" 1 'with control/syncresults 1 the journal is synced once per report'
rm -f "${ZR_CONTROL:?}/syncresults"
is "$(sync_count 5)" 0 'by default it is only written'


# A zr-local whose parent has gone runs no further job.
lp=$T/lp
mkdir "$lp" && chmod 777 "$lp"
mkfifo "$lp/jobs" && chmod 666 "$lp/jobs"
bg as_user sh -c 'zr-local <"$1/jobs" >"$1/out" & echo $! >"$1/pid"
	n=0	# the parent waits for the test to say go, for 30 s at most
	while [ ! -e "$1/go" ] && [ "$n" -lt 1500 ]; do sleep 0.02; n=$((n + 1)); done' sh "$lp"
parent=$BG_PID
exec 3>"$lp/jobs"
id1=$(msg dave@relay.test)
id2=$(msg erin@relay.test)
printf 'host local\nfile %s\nto <dave@relay.test>\n\n' \
	"$(find "$ZR_QUEUE" -name "$id1" -type f | head -n 1)" >&3
wait_for 10 grep -q 'K2.0.0' "$lp/out"
touch "$lp/go"
wait "$parent"
printf 'host local\nfile %s\nto <erin@relay.test>\n\n' \
	"$(find "$ZR_QUEUE" -name "$id2" -type f | head -n 1)" >&3
ok 'it exits once its parent has gone' \
	wait_for 10 sh -c '! kill -0 "$(cat "$1")" 2>/dev/null' sh "$lp/pid"
exec 3>&-
is "$(find "$mail/dave/new" "$mail/erin/new" -type f 2>/dev/null | wc -l | tr -d ' ')" 1 \
	'the job before is delivered, the job after is not'

# Root would write mailboxes and the queue with its own rights: refused.
if [ "$(id -u)" = 0 ]; then
	out=$(printf '' | zr-local -q "$ZR_QUEUE" 2>&1)
	is "$?:$out" "111:zr-local: fatal: reason=\"refusing to run as root: run it as the queue's owner\"" \
		'zr-local refuses to run as root (exit 111)'
else
	skip 'zr-local as root: the tests do not run as root'
fi
done_testing
