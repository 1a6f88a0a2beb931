# SPDX-License-Identifier: MIT
# Helpers shared by the zr-send and zr-remote end-to-end tests; sourced
# after harness.sh.

PY=/usr/bin/python3
SERVER=$ZR_ROOT/tests/e2e/remote-server.py

# py_server NAME ARGS...: the scriptable receiver; its port goes to
# $T/NAME.port, its events to $T/NAME.log.
py_server() {
	_n=$1
	shift
	rm -f "$T/$_n.port"
	bg "$PY" "$SERVER" --portfile "$T/$_n.port" --log "$T/$_n.log" "$@"
	wait_for 20 test -s "$T/$_n.port" || return 1
	touch "$T/$_n.log"
}
port_of() {
	cat "$T/$1.port"
}

# sink_start: smtp-sink on a free port; sets SINK_PORT.
sink_start() {
	SINK_PORT=$(free_port)
	bg smtp-sink -u "$ZR_TEST_USER" 127.0.0.1:"$SINK_PORT" 200
	wait_for 10 "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $SINK_PORT)).close()"
}

# send_start: zr-send in the background, its log in $T/send.log.
send_start() {
	# Not through as_user: a function would put a shell between bg and
	# zr-send, and signals must reach zr-send itself.
	if [ "$(id -u)" = 0 ]; then
		bg setpriv --reuid="$ZR_TEST_USER" --regid="$ZR_TEST_GROUP" \
			--clear-groups -- zr-send "$@" 2>>"$T/send.log"
	else
		bg zr-send "$@" 2>>"$T/send.log"
	fi
	SEND_PID=$BG_PID
}
send_stop() {
	kill -TERM "$SEND_PID" 2>/dev/null
	wait "$SEND_PID" 2>/dev/null
}

# inj ARGS...: queue a small message as the test user; prints nothing.
inj() {
	printf 'Subject: test\n\nbody\n' | as_user zr-inject "$@"
}

# log_has SECONDS REGEX: wait until the zr-send log matches.
log_has() {
	wait_for "$1" grep -Eq -- "$2" "$T/send.log"
}
log_count() {
	grep -Ec -- "$1" "$T/send.log"
}

# control NAME VALUE: write a control file.
control() {
	printf '%s\n' "$2" >"$ZR_CONTROL/$1"
}

# port_n NAME N: the Nth port (from 1) of a server started with --listen.
port_n() {
	sed -n "${2}p" "$T/$1.port"
}

# qhas DIR N: whether the queue directory holds N files (for wait_for,
# which must see the count anew each time).
qhas() {
	test "$(qcount "$1")" = "$2"
}
