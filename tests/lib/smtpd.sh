# SPDX-License-Identifier: MIT
# smtpd.sh: the servers the end-to-end tests run, sourced after harness.sh.
# Everything listens on 127.0.0.x only.
#
#   smtpd_start RELAYCLIENT= -- -s     # zr-smtpd under tcpserver: $TCP_PORT
#   sink_start                         # smtp-sink: $SINK_PORT
#   py_server rx --rcpt 'x=550 no'     # tests/e2e/remote-server.py (aiosmtpd)
#   dns_start dns dns-responder.py --sink 127.0.0.2   # $DNS_PORT

PY=/usr/bin/python3

# smtpd_start [ENV ...] [-- ARG ...]: zr-smtpd under tcpserver (-H -R, a
# port the kernel picks: $TCP_PORT, its stderr in $SMTPD_LOG), as the test
# user when we are root. What comes before -- goes to env(1) (NAME=VALUE,
# -u NAME), what comes after to zr-smtpd.
smtpd_start() {
	_n=0
	for _a; do
		[ "$_a" = -- ] && break
		_n=$((_n + 1))
	done
	_run=
	[ "$(id -u)" = 0 ] && _run="setpriv --reuid=$ZR_TEST_USER
		--regid=$ZR_TEST_GROUP --clear-groups --"
	# Rebuild the arguments as ENV ... [setpriv ...] zr-smtpd ARG ...,
	# each old one shifted off as its new place is appended.
	_i=0
	for _a; do
		shift
		_i=$((_i + 1))
		if [ "$_i" = $((_n + 1)) ]; then
			# shellcheck disable=SC2086 # _run is words
			set -- "$@" $_run "$ZR_BIN/zr-smtpd"
		else
			set -- "$@" "$_a"
		fi
	done
	# shellcheck disable=SC2086
	[ "$_i" = "$_n" ] && set -- "$@" $_run "$ZR_BIN/zr-smtpd"
	tcpserver_start env "$@" || return 1
	SMTPD_LOG=$T/.tcpserver.$_seq.err
}

# sink_start [ADDR [PORT]]: smtp-sink on ADDR (127.0.0.1) at PORT (a free
# one); sets SINK_PORT once it accepts connections.
sink_start() {
	_addr=${1:-127.0.0.1}
	SINK_PORT=${2:-$(free_port)}
	bg smtp-sink -u "$ZR_TEST_USER" "$_addr:$SINK_PORT" 200
	wait_for 10 "$PY" -c "import socket; socket.create_connection(('$_addr', $SINK_PORT)).close()"
}

# py_server NAME ARGS...: the scriptable receiver (remote-server.py, on
# aiosmtpd); its port goes to $T/NAME.port, its events to $T/NAME.log.
py_server() {
	_n=$1
	shift
	rm -f "$T/$_n.port"
	bg "$PY" "$ZR_ROOT/tests/e2e/remote-server.py" --portfile "$T/$_n.port" \
		--log "$T/$_n.log" "$@"
	wait_for 20 test -s "$T/$_n.port" || return 1
	touch "$T/$_n.log"
}
port_of() {
	cat "$T/$1.port"
}

# dns_start NAME SCRIPT ARGS...: a DNS responder of tests/e2e (SCRIPT:
# dns-responder.py, dane-dns.py, sts-dns.py) on 127.0.0.1, its port in
# $T/NAME.port and $DNS_PORT, the queries it saw in $T/NAME.log.
dns_start() {
	_n=$1
	_s=$2
	shift 2
	rm -f "$T/$_n.port"
	bg "$PY" "$ZR_ROOT/tests/e2e/$_s" --portfile "$T/$_n.port" \
		--log "$T/$_n.log" "$@"
	wait_for 20 test -s "$T/$_n.port" || return 1
	touch "$T/$_n.log"
	DNS_PORT=$(cat "$T/$_n.port")
}
