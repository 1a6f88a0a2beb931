#!/bin/sh
# SPDX-License-Identifier: MIT
# zr-qstat --check and --fix: strays (symlinks, FIFOs, directories under a
# message's name), a message in two directories, orphan state files.
. "${0%/*}/../lib/harness.sh"
plan 23
zr_setup
qs() { as_user timeout 20 zr-qstat "$@"; }
inject() { printf 'Subject: t\n\nbody\n' | as_user zr-inject -v "$@"; }

a=$(inject a@x.test)
b=$(inject b@x.test)
c=$(inject c@x.test)
mkdir -m 755 "$T/outside"
o=$(inject victim@x.test)
mv "$ZR_QUEUE/todo/normal/$o" "$T/outside/msg"
chmod 644 "$T/outside/msg"

# Strays, made as the queue's user.
s1=1700000000.000001.00000000000000a1
s2=1700000000.000002.00000000000000a2
s3=1700000000.000003.00000000000000a3
s4=1700000000.000004.00000000000000a4
s5=1700000000.000005.00000000000000a5
as_user ln -s "$T/outside/msg" "$ZR_QUEUE/todo/normal/$s1"
as_user mkfifo "$ZR_QUEUE/deferred/$s2"
as_user mkdir "$ZR_QUEUE/hold/$s3"
as_user ln -s "$T/outside/msg" "$ZR_QUEUE/active/$s4"
as_user mkfifo "$ZR_QUEUE/state/$s5"

qs --check >/dev/null 2>"$T/err"
is "$?" 2 '--check finds problems (exit 2), and returns despite the FIFOs'
for s in todo/normal/$s1 deferred/$s2 hold/$s3 active/$s4 state/$s5; do
	c1=$(grep -c "problem: $s is not a regular file" "$T/err")
	is "$c1" 1 "it reports $s once"
done
ok 'and names the kind' grep -q "problem: deferred/$s2 is not a regular file (fifo)" "$T/err"
ok '--check alone moves nothing' test -p "$ZR_QUEUE/deferred/$s2" -a -L "$ZR_QUEUE/todo/normal/$s1"
qs -s "$s1" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "1:zr-qstat: warning: reason=\"not a regular file: todo/normal/$s1 (zr-qstat --check --fix sets it aside)\"" \
	'-s of a stray: exit 1, and says why'
qs --hold "$s1" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "1:zr-qstat: warning: reason=\"not a regular file: todo/normal/$s1 (zr-qstat --check --fix sets it aside)\"" \
	'nor does an operation move it'
list=$(qs -l all 2>/dev/null)
ok 'a listing shows no stray' sh -c "! printf '%s' '$list' | grep -q 1700000000"

# One message in two directories: a copy in done/ and in todo/.
cp -p "$ZR_QUEUE/todo/normal/$a" "$ZR_QUEUE/done/delivered/$a"
# Another as a second link in deferred/.
ln "$ZR_QUEUE/todo/normal/$b" "$ZR_QUEUE/deferred/$b"
# One being delivered: never touched.
ln "$ZR_QUEUE/todo/normal/$c" "$ZR_QUEUE/active/$c"
# Orphan state files: a state file and a notification record.
q1=1700000001.000001.00000000000000b1
printf 'zr-state 1\nattempts 1\nnext 0\nlast 0\n' >"$ZR_QUEUE/state/$q1"
printf 'x\n' >"$ZR_QUEUE/state/$q1.dsn-failure-1"
chown -R "$(stat -c %u:%g "$ZR_QUEUE")" "$ZR_QUEUE/state"

qs --check >/dev/null 2>"$T/err"
is "$?" 2 '--check: exit 2'
like "$(cat "$T/err")" "problem: $a is in both todo/normal and done/delivered" 'it reports the copy in two directories'
is "$(grep -c 'state file without a message' "$T/err")" 2 'and each orphan state file, not only the first'

qs --check --fix >"$T/out" 2>"$T/err"
is "$?" 2 '--fix: exit 2 while a copy in active/ is left alone'
for s in $s1 $s2 $s3 $s4; do
	[ -e "$ZR_QUEUE/bad/$s" ] || [ -L "$ZR_QUEUE/bad/$s" ] || echo "missing $s"
done >"$T/missing"
[ -p "$ZR_QUEUE/bad/$s5.state" ] || echo "missing $s5.state" >>"$T/missing"
is "$(cat "$T/missing")" '' 'every stray is in bad/'
ok 'the copy in done/ stays, the one in todo/ is set aside' \
	test -f "$ZR_QUEUE/done/delivered/$a" -a ! -e "$ZR_QUEUE/todo/normal/$a" -a -f "$ZR_QUEUE/bad/$a"
ok 'of two links, the one further on (deferred/) stays' \
	test -f "$ZR_QUEUE/deferred/$b" -a ! -e "$ZR_QUEUE/todo/normal/$b"
ok 'a copy in active/ is not touched' test -f "$ZR_QUEUE/active/$c" -a -f "$ZR_QUEUE/todo/normal/$c"
ok 'orphan state files are removed' test ! -e "$ZR_QUEUE/state/$q1" -a ! -e "$ZR_QUEUE/state/$q1.dsn-failure-1"
like "$(cat "$T/out")" '^problems 10 fixed 9$' 'it counts problems and fixes'
rm "$ZR_QUEUE/active/$c"
qs --check >/dev/null 2>"$T/err"
is "$?" 0 'after that the queue is clean'
ok 'the file outside was never touched' test -f "$T/outside/msg"
done_testing
