#!/bin/sh
# make run, as root and as an ordinary user: every command it prints to try
# works as printed, and the mail they send is delivered (as root, a message
# zr-inject queues must still be readable by zr-send, which runs as nobody).
. "${0%/*}/../lib/harness.sh"
plan 10

# run_as WHO COMMAND...: as root, or as the ordinary test user.
run_as() {
	_who=$1
	shift
	if [ "$_who" = root ]; then
		"$@"
	else
		# A PATH the user can read (root's may lead into /root).
		as_user env PATH="$ZR_BIN:/usr/local/bin:/usr/bin:/bin" "$@"
	fi
}

delivered() {	# delivered DIR N: N messages reached done/delivered
	[ "$(find "$1/queue/done/delivered" -type f | wc -l)" -ge "$2" ] &&
		[ "$(find "$1/receiver/queue/todo" -type f | wc -l)" -ge "$2" ]
}

gone() {	# nothing left with this run's queue in its environment
	for e in /proc/[0-9]*/environ; do
		tr '\0' '\n' <"$e" 2>/dev/null | grep -qx "ZR_QUEUE=$1/queue" &&
			return 1
	done
	return 0
}

try_run() {	# try_run WHO
	who=$1
	var=$T/$who/var
	mkdir -p "$T/$who"
	[ "$who" = root ] || chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$T/$who"
	out=$T/$who/run.out
	# In its own session so that it can be stopped as Ctrl-C would; the
	# session leader's pid is written to a file (run_as forks first).
	ZR_RUN_DIR=$var ZR_RUN_PORT=$(free_port) \
	ZR_RUN_RECEIVER_PORT=$(free_port) run_as "$who" python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
with open(sys.argv[1], "w") as f:
    print(os.getpid(), file=f)
os.execv(sys.argv[2], sys.argv[2:])' "$out.pid" "$ZR_ROOT/scripts/run" >"$out" 2>&1 &
	_bg_pids="$_bg_pids $!"
	wait_for 20 grep -q 'zr is running' "$out"
	pid=$(cat "$out.pid")
	_bg_pids="$_bg_pids $pid"
	is "$?" 0 "$who: make run says it is running"
	port=$(sed -n 's/.*zr-smtpd on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$out")
	wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"

	# The indented lines between "try:" and "Ctrl-C" are the commands.
	sed -n '/try:$/,/^Ctrl-C/s/^  //p' "$out" >"$T/$who/cmds"
	bad=
	n=0
	while IFS= read -r cmd; do
		n=$((n + 1))
		(cd "$ZR_ROOT" && run_as "$who" sh -c "$cmd") \
			>>"$T/$who/cmds.out" 2>&1 </dev/null || bad="$bad [$cmd]"
	done <"$T/$who/cmds"
	is "$n:$bad" "4:" "$who: the four printed commands run as printed"
	wait_for 30 delivered "$var" 2
	is "$?" 0 "$who: both messages (swaks, zr-inject) reach the receiver"
	like "$(grep -c 'trouble\|Permission denied' "$out")" '^0$' \
		"$who: zr-send has no trouble opening them"
	kill -INT -"$pid" 2>/dev/null
	wait_for 10 gone "$var"
	is "$?" 0 "$who: SIGINT stops all of it"
	if [ "$_tap_fail" != 0 ]; then
		sed 's/^/#   /' "$out" "$T/$who/cmds.out" | tail -n 30
	fi
}

if [ "$(id -u)" = 0 ]; then
	try_run root
	try_run user
else
	for i in 1 2 3 4 5; do skip "root: the tests do not run as root"; done
	try_run user
fi
done_testing
