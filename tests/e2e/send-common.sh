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

# log_before REGEX1 REGEX2: whether the first line of the zr-send log that
# matches REGEX1 comes before the first that matches REGEX2 (both there).
log_before() {
	_l1=$(grep -nE -- "$1" "$T/send.log" | head -n 1 | cut -d: -f1)
	_l2=$(grep -nE -- "$2" "$T/send.log" | head -n 1 | cut -d: -f1)
	test -n "$_l1" -a -n "$_l2" -a "${_l1:-0}" -lt "${_l2:-0}"
}

# now_ms: the time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# time_delivery RCPT: queue a message from alice@relay.test to RCPT, wait
# (20 s at most) until zr-send logs its delivery; MS is how long it took,
# in milliseconds, and a diag line says it.
time_delivery() {
	_t0=$(now_ms)
	inj -f alice@relay.test "$1"
	log_has 20 "success: .*rcpt=<$1>"
	MS=$(($(now_ms) - _t0))
	diag "the message to $1 was delivered $MS ms after it was queued"
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
