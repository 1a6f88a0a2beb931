#!/bin/sh
# SPDX-License-Identifier: MIT
# The service directories setup-server writes, under the real supervisors:
# daemontools' svscan and runit's runsvdir, each in a temporary root. Mail
# goes in through zr-smtpd (under tcpserver) and out through zr-send to a
# receiver here; both logs land in ./log/main in the logger's format; the
# supervisor's own stop command stops them. A supervisor that is not
# installed is skipped, saying so.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
[ "$(id -u)" = 0 ] || skip_all 'setup-server and the supervisors need root'
command -v tcpserver >/dev/null || skip_all 'ucspi-tcp is not installed'
plan 18
PER=9

# The receiver: a second zr queue behind zr-smtpd, as a smart host.
zr_setup
# A name of its own: a receiver greeting as the sender's control/me is a
# loop back to that host.
echo receiver.test >"$ZR_CONTROL/me"
smtpd_start RELAYCLIENT=
RECV_PORT=$TCP_PORT
RECV_QUEUE=$ZR_QUEUE
unset ZR_QUEUE ZR_CONTROL

SV_STOP=:
stop_all() {	# stop every supervisor this test started, then clean up
	eval "$SV_STOP"
	_cleanup
}
trap stop_all EXIT

up() {	# up FLAVOUR DIR: the supervisor says DIR runs
	if [ "$1" = runit ]; then
		sv status "$2" | grep -q '^run: '
	else
		svstat "$2" | grep -q ': up '
	fi
}
port_open() {
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $1)).close()"
}
no_send() {	# no zr-send runs on queue $1
	for e in /proc/[0-9]*/environ; do
		[ "$(cat "${e%/environ}/comm" 2>/dev/null)" = zr-send ] || continue
		tr '\0' '\n' <"$e" 2>/dev/null | grep -qx "ZR_QUEUE=$1" &&
			return 1
	done
	return 0
}
received() {	# received SUBJECT: the receiver queued it
	grep -rlq "^Subject: $1\$" "$RECV_QUEUE/todo" 2>/dev/null
}

try_supervisor() {	# try_supervisor FLAVOUR SCANNER TOOLS...
	flavour=$1
	shift
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			for i in $(seq "$PER"); do
				skip "$flavour: $tool is not installed"
			done
			return 0
		fi
	done
	r=$T/$flavour
	sv=$r/etc/sv
	mkdir -p "$r/usr/local/sbin" "$r/usr/local/share/zr"
	cp "$ZR_BIN"/zr-* "$r/usr/local/sbin/"
	cp "$ZR_ROOT/queue-layout/mkqueue" "$ZR_ROOT/etc/shaperules" \
		"$r/usr/local/share/zr/"
	port=$(free_port)
	ZR_SETUP_ROOT=$r ZR_USER_SMTPD=$ZR_TEST_USER ZR_USER_SEND=$ZR_TEST_USER \
	ZR_USER_LOG=$ZR_TEST_USER ZR_GROUP=$ZR_TEST_GROUP ZR_SMTP_IP=127.0.0.1 \
	ZR_SMTP_PORT=$port "$ZR_ROOT/scripts/setup-server" -m relay.test \
		-s "$flavour" /usr/local >"$T/$flavour.setup" 2>&1
	is "$?" 0 "$flavour: setup-server in a temporary root"
	is "$(stat -c %U "$sv/zr-send/log/main" "$sv/zr-smtpd/log/main" |
		sort -u)" "$ZR_TEST_USER" \
		"$flavour: log/main exists and belongs to the log user"
	echo "127.0.0.1:$RECV_PORT" >"$r/etc/zr/smarthosts"
	echo 127.0.0.1:1 >"$r/etc/zr/dnsservers"

	if [ "$flavour" = runit ]; then
		# Not on the test's output: prove waits for all its writers.
		bg runsvdir -P "$sv" >"$T/$flavour.out" 2>&1
		SV_STOP="$SV_STOP
			sv exit '$sv'/zr-* '$sv'/zr-*/log >/dev/null 2>&1
			kill -HUP $BG_PID 2>/dev/null"
	else
		bg svscan "$sv" >"$T/$flavour.out" 2>&1
		SV_STOP="$SV_STOP
			svc -dx '$sv'/zr-* '$sv'/zr-*/log 2>/dev/null"
	fi
	all_up() {
		for d in zr-send zr-send/log zr-smtpd zr-smtpd/log; do
			up "$flavour" "$sv/$d" || return 1
		done
		port_open "$port"
	}
	wait_for 30 all_up
	is "$?" 0 "$flavour: both services and their loggers are up"

	subj="service $flavour $$"
	swaks --server "127.0.0.1:$port" --from a@relay.test \
		--to b@dest.test --h-Subject "$subj" >"$T/$flavour.swaks" 2>&1
	is "$?" 0 "$flavour: swaks sends through zr-smtpd"
	wait_for 30 received "$subj"
	is "$?" 0 "$flavour: zr-send delivers it to the receiver"

	# The loggers' own time stamps: TAI64N from multilog t, a readable
	# UTC time from svlogd -tt.
	if [ "$flavour" = runit ]; then
		ts='[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ '
	else
		ts='@4000[0-9a-f]{20} '
	fi
	logged() { grep -Eq "^$ts$2" "$sv/$1/log/main/current"; }
	wait_for 10 logged zr-send "delivery [0-9]+: success: "
	is "$?" 0 "$flavour: zr-send's delivery is in log/main/current"
	wait_for 10 logged zr-smtpd "tcpserver: (ok|end) "
	is "$?" 0 "$flavour: tcpserver's connection lines are in its log"

	if [ "$flavour" = runit ]; then
		sv down "$sv/zr-send" "$sv/zr-smtpd" >/dev/null
	else
		svc -d "$sv/zr-send" "$sv/zr-smtpd"
	fi
	wait_for 20 no_send "$r/var/spool/zr"
	is "$?" 0 "$flavour: stopping zr-send ends it"
	wait_for 10 sh -c "! python3 -c \"import socket; socket.create_connection(('127.0.0.1', $port)).close()\""
	is "$?" 0 "$flavour: stopping zr-smtpd closes its port"
	if [ "$_tap_fail" != 0 ]; then
		for f in "$T/$flavour.setup" "$sv"/zr-*/log/main/current; do
			sed "s|^|#   ${f##*/}: |" "$f" | tail -n 8
		done
	fi
}

try_supervisor daemontools svscan svc svstat multilog setuidgid tcprules
try_supervisor runit runsvdir sv svlogd chpst tcprules
done_testing
