# SPDX-License-Identifier: MIT
# Helpers shared by the zr-send and zr-remote end-to-end tests; sourced
# after harness.sh.

# The servers (zr-smtpd, smtp-sink, remote-server.py, DNS responders).
. "$ZR_ROOT/tests/lib/smtpd.sh"

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

# unmatched: the numbers of "starting delivery N:" lines in the zr-send log
# that no "delivery N:" line closes (qmailanalog's matchup would report
# them), one per line; nothing when all are closed.
unmatched() {
	awk '$1 == "starting" && $2 == "delivery" { sub(":", "", $3); s[$3] = 1 }
		$1 == "delivery" { sub(":", "", $2); d[$2] = 1 }
		END { for (n in s) if (!(n in d)) print n }' "$T/send.log"
}
