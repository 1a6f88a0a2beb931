#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile entries in the queue: a symlink to a message outside the queue,
# a FIFO and a directory, each under a message's name in todo/normal,
# active/, deferred/, hold/ and state/. zr-send never delivers what they
# point at, never blocks on them, sets each aside in bad/ with one warning,
# and goes on delivering the normal mail.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 15
zr_setup
mkdir -m 777 "$T/saved"
py_server rx --save "$T/saved"
control smarthosts "127.0.0.1:$(port_of rx)"

# A valid message outside the queue, readable by the queue's user: what a
# symlink in the queue would have delivered.
mkdir -m 755 "$T/outside"
printf 'Subject: outside\n\nOUTSIDE-SECRET\n' |
	as_user zr-inject -v victim@far.test >"$T/oid"
mv "$ZR_QUEUE/todo/normal/$(cat "$T/oid")" "$T/outside/msg"
chmod 644 "$T/outside/msg"
printf 'zr-state 1\nattempts 1\nnext 1\nlast 1\n' >"$T/outside/state"
chmod 644 "$T/outside/state"
cp "$T/outside/msg" "$T/outside.orig"

# Made as the queue's user, as someone with write access to the queue would.
n=0
strays=
stray() {	# stray DIR KIND: an entry with a fresh id's name
	n=$((n + 1))
	_name=1700000000.$(printf %06d $n).00000000000000$(printf %02x $n)
	case $2 in
	link) as_user ln -s "$T/outside/$3" "$ZR_QUEUE/$1/$_name" ;;
	fifo) as_user mkfifo "$ZR_QUEUE/$1/$_name" ;;
	dir) as_user mkdir "$ZR_QUEUE/$1/$_name" ;;
	esac
	strays="$strays $1/$_name"
}
# First a symlink alone, as it was found delivered.
stray todo/normal link msg
inj a@near.test
rmdir "$ZR_QUEUE/bad"	# the queue of today has no bad/: made when needed
send_start
wait_for 30 qhas done/delivered 1
wait_for 10 test -L "$ZR_QUEUE/bad/${strays##*/}"
ok 'a symlink to a message outside the queue is not delivered' sh -c \
	"! grep -rq OUTSIDE-SECRET '$T/saved'"
send_stop

for d in todo/normal active deferred hold done/delivered; do
	[ $d = todo/normal ] || stray $d link msg
	[ $d = done/delivered ] && continue
	stray $d fifo
	stray $d dir
done
stray state link state
stray state fifo
stray state dir
# A deferred message whose state file is a FIFO: reading it would block.
inj real@near.test
real=$(ls "$ZR_QUEUE/todo/normal" | grep -v '^1700000000\.')
mv "$ZR_QUEUE/todo/normal/$real" "$ZR_QUEUE/deferred/"
as_user mkfifo "$ZR_QUEUE/state/$real"
strays="$strays state/$real"
nstrays=$(echo $strays | wc -w | tr -d ' ')
inj b@near.test
send_start
wait_for 30 qhas done/delivered 2
ok 'the normal mail is delivered, the FIFOs stall nothing' qhas done/delivered 2
instray() {	# whether any stray is still where it was put
	for s in $strays; do
		[ -e "$ZR_QUEUE/$s" ] || [ -L "$ZR_QUEUE/$s" ] && return 0
	done
	return 1
}
wait_for 20 sh -c "test \$(ls '$ZR_QUEUE/bad' 2>/dev/null | wc -l) -ge $nstrays"
instray
is "$?" 1 'every stray has left its directory'
is "$(ls "$ZR_QUEUE/bad" | wc -l | tr -d ' ')" "$nstrays" 'each one is in bad/'
ok 'bad/ has the symlinks as symlinks' sh -c \
	"test \$(find '$ZR_QUEUE/bad' -type l | wc -l) = 6"
ok 'and the FIFOs as FIFOs' sh -c \
	"test \$(find '$ZR_QUEUE/bad' -type p | wc -l) = 6"
ok 'and the directories as directories' sh -c \
	"test \$(find '$ZR_QUEUE/bad' -mindepth 1 -type d | wc -l) = 5"
ok 'nothing from outside the queue was delivered' sh -c \
	"! grep -rq OUTSIDE-SECRET '$T/saved'"
ok 'nor offered' sh -c "! grep -q victim '$T/rx.log'"
ok 'the file outside is untouched' cmp "$T/outside/msg" "$T/outside.orig"
warned=0
for s in $strays; do
	c=$(grep -c "zr-send: warning: id=${s##*/} event=stray " "$T/send.log")
	[ "$c" = 1 ] || { diag "$s: $c warnings"; warned=1; }
done
is "$warned" 0 'one warning for each'
ok 'the warning names the kind and where it was' \
	grep -Eq "zr-send: warning: id=1700000000\.000001\.[0-9a-f]+ event=stray kind=symlink action=set-aside to=bad from=todo/normal$" "$T/send.log"
# Without its state file the deferred message waits for a queue run.
kill -ALRM "$SEND_PID"
wait_for 20 qhas done/delivered 3
ok 'the deferred message whose state was a FIFO is delivered on a run' \
	test -f "$ZR_QUEUE/done/delivered/$real"
inj c@near.test
wait_for 20 qhas done/delivered 4
ok 'zr-send goes on delivering' qhas done/delivered 4

# A directory with a file in it that zr-send may neither move nor remove
# (it is root's): reported once, however often todo/ is read.
if [ "$(id -u)" = 0 ]; then
	stuck=1700000000.000099.0000000000000099
	mkdir -m 755 "$ZR_QUEUE/todo/normal/$stuck"
	touch "$ZR_QUEUE/todo/normal/$stuck/x"
	for r in 5 6 7; do
		inj $r@near.test
		wait_for 20 qhas done/delivered $r
	done
	is "$(grep -c "id=$stuck event=stray from=todo/normal reason=\"unable to set aside" "$T/send.log")" 1 \
		'a stray that cannot be moved is warned of once'
else
	skip 'a stray zr-send cannot move needs another owner: run as root'
fi
send_stop
done_testing
