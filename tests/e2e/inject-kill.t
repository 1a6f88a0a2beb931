#!/bin/sh
# SIGKILL zr-inject at random moments: no partial message is ever visible.
. "${0%/*}/../lib/harness.sh"
plan 4
zr_setup

# A body big enough that writing it takes a while, ending in a marker.
python3 -c '
import sys
sys.stdout.write("Subject: big\n\n")
for i in range(20000):
    sys.stdout.write("line %06d of a message that is long enough to be cut\n" % i)
sys.stdout.write("END-OF-MESSAGE\n")' >"$T/msg"

# The message trickles in through a pipe, and its feeder picks the moment
# of the kill: after a random one of its 64 KB writes (the message is 17
# of them), or once all is written and a random 0-200 ms later, while
# zr-inject commits or after it has. Chosen by the feeder, the moment is
# in the stream however slow the machine: a delay timed from outside
# (a sleep started after the pipeline) landed after the end in every
# round of a loaded sanitizer run.
printf '%s\n' 'import os, random, signal, sys, time' \
	'd = open(sys.argv[1], "rb").read()' \
	'chunks = [d[k:k+65536] for k in range(0, len(d), 65536)]' \
	'cut = random.randrange(len(chunks) + 10)' \
	'for n, c in enumerate(chunks):' \
	'    sys.stdout.buffer.write(c); sys.stdout.flush()' \
	'    if n == cut: os.killpg(0, signal.SIGKILL)' \
	'    time.sleep(0.001)' \
	'sys.stdout.flush(); os.close(1)' \
	'time.sleep(random.random() * 0.2)' \
	'os.killpg(0, signal.SIGKILL)' \
	>"$T/feed.py"
asu=
[ "$(id -u)" != 0 ] ||
	asu="setpriv --reuid=$ZR_TEST_USER --regid=$ZR_TEST_GROUP --clear-groups --"

rounds=40
i=0
while [ $i -lt $rounds ]; do
	# A session of its own, so that the kill reaches this pipeline by its
	# process group and nothing else: a kill by name (pkill -f) also hit
	# the zr-inject of any other test running at the time.
	setsid sh -c 'python3 "$1" "$2" | $3 zr-inject a@x.test' sh \
		"$T/feed.py" "$T/msg" "$asu" 2>/dev/null &
	wait $!
	i=$((i + 1))
done

visible=$(qfiles | wc -l | tr -d ' ')
bad=0
for f in $(qfiles); do
	tail -n 1 "$f" | grep -qx 'END-OF-MESSAGE' || bad=$((bad + 1))
done
diag "$visible of $rounds messages completed before the kill"
is "$bad" 0 'every visible message is complete'
as_user zr-qstat --check >"$T/check" 2>&1
is "$?" 0 'the queue passes zr-qstat --check'
ok 'some injections were killed (tmp/ holds leftovers or fewer landed)' \
	test "$(qcount tmp)" -gt 0 -o "$visible" -lt "$rounds"
ok 'leftovers in tmp/ are not messages the scheduler can see' \
	sh -c "as_user() { \"\$@\"; }; zr-qstat --json | grep -q '\"total\":$visible,'"
done_testing
