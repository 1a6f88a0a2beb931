#!/bin/sh
# make run: starts, takes a message over SMTP, delivers it to the demo
# receiver, and stops cleanly on SIGINT.
. "${0%/*}/../lib/harness.sh"
plan 6
export ZR_RUN_DIR="$T/var" ZR_RUN_PORT="$(free_port)" ZR_RUN_RECEIVER_PORT="$(free_port)"
# In its own session, with SIGINT as a terminal leaves it (a background
# job of a script would ignore it), so that the signal is Ctrl-C's.
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$ZR_ROOT/scripts/run" >"$T/run.out" 2>&1 &
RUN=$!
_bg_pids="$_bg_pids $RUN"
wait_for 20 grep -q 'zr is running' "$T/run.out"
is "$?" 0 'it says it is running'
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $ZR_RUN_PORT)).close()"
swaks --server "127.0.0.1:$ZR_RUN_PORT" --from you@example.test \
	--to friend@example.test --h-Subject 'make run test' >"$T/swaks.out" 2>&1
is "$?" 0 'swaks sends a message to 127.0.0.1:PORT'
wait_for 30 sh -c "grep -rl 'make run test' '$T/var/receiver/queue/todo' 2>/dev/null | grep -q ."
is "$?" 0 'the demo receiver got it'
like "$(cat "$T/run.out")" 'delivery [0-9]+: success' 'the zr-send log shows the delivery'
kill -INT -"$RUN"
wait_for 10 sh -c "! kill -0 $RUN 2>/dev/null"
is "$?" 0 'SIGINT stops it'
# Nothing left with this run's queue in its environment.
gone() {
	for e in /proc/[0-9]*/environ; do
		tr '\0' '\n' <"$e" 2>/dev/null | grep -qx "ZR_QUEUE=$T/var/queue" &&
			return 1
	done
	return 0
}
wait_for 10 gone
is "$?" 0 'and nothing of it keeps running'
done_testing
