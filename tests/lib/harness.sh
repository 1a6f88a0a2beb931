# SPDX-License-Identifier: MIT
# harness.sh: TAP in shell for the end-to-end tests, sourced by tests/*/*.t.
#
#   . "${0%/*}/../lib/harness.sh"
#   plan 3
#   zr_setup                       # $T, $ZR_QUEUE, $ZR_CONTROL, a fresh queue
#   ok 'queued' test -n "$id"      # runs the command; its status is the verdict
#   is "$got" "$want" 'same text'
#   wait_for 5 test -s "$T/out"    # poll a condition with a deadline
#
# Every test gets its own temporary directory, removed at exit together
# with every process started through bg.

set -u
ZR_ROOT=$(cd "${0%/*}" && pwd)
while [ ! -f "$ZR_ROOT/Makefile" ] && [ "$ZR_ROOT" != / ]; do
	ZR_ROOT=${ZR_ROOT%/*}
	[ -n "$ZR_ROOT" ] || ZR_ROOT=/
done
: "${ZR_BIN:=$ZR_ROOT/bin}"
: "${ZR_BUILD:=$ZR_ROOT/build}"
export ZR_BIN ZR_BUILD ZR_ROOT
# ZR_SAN=1 (make check-san): ZR_BUILD is the sanitizer build. A test that
# runs make on it passes ${ZR_SAN:+SAN=1}, or make would relink its
# zr-smtpd against musl, unsanitized, under the tests still running.
PATH=$ZR_BIN:$PATH
export PATH

_tap_n=0
_tap_fail=0
_seq=0
_tap_plan=0
_bg_pids=

T=$(mktemp -d "${TMPDIR:-/tmp}/zr-test.XXXXXX")
# Every path of a test starts with $T: never go on without it.
if [ -z "$T" ] || [ ! -d "$T" ]; then
	echo "Bail out! no temporary directory"
	exit 1
fi
chmod 755 "$T"

# Whether pid $1 is still a child of this shell: one that ended and was
# reaped may since name another process (pids wrap fast on a busy host).
_is_child() {
	[ "$(sed 's/^.*) . \([0-9]*\) .*/\1/' "/proc/$1/stat" 2>/dev/null)" = "$$" ]
}

_cleanup() {
	for p in $_bg_pids; do
		_is_child "$p" && kill "$p" 2>/dev/null
	done
	for p in $_bg_pids; do
		wait "$p" 2>/dev/null
	done
	[ -n "${ZR_KEEP:-}" ] || rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

plan() {
	_tap_plan=$1
	echo "1..$1"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_fail=$((_tap_fail + 1))
		echo "not ok $_tap_n - $2"
	fi
}

# ok DESCRIPTION COMMAND...: passes when the command exits 0.
ok() {
	_d=$1
	shift
	if "$@" >"$T/.ok.out" 2>&1; then
		_result 0 "$_d"
	else
		_result 1 "$_d"
		sed 's/^/#   /' "$T/.ok.out" | head -n 20
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		_result 0 "$3"
	else
		_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -n 40
	fi
}

# like GOT REGEX DESCRIPTION (grep -E on the whole text)
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_result 0 "$3"
	else
		_result 1 "$3"
		printf '#   got:  %s\n#   want: /%s/\n' "$1" "$2" | head -n 40
	fi
}

# skip REASON: count one test as skipped.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # skip $*"
}

diag() {
	printf '# %s\n' "$*"
}

done_testing() {
	if [ "$_tap_n" != "$_tap_plan" ]; then
		echo "# planned $_tap_plan tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_fail" = 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: poll until the command succeeds or time is up.
wait_for() {
	_deadline=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_deadline" ] || return 1
		sleep 0.02
	done
}

# The user programs run as when the tests run as root: programs that must
# not run as root (and permission checks, which root would bypass) use it.
ZR_TEST_USER=nobody
ZR_TEST_GROUP=nogroup

# as_user COMMAND...: run as the unprivileged test user when we are root.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$ZR_TEST_USER" --regid="$ZR_TEST_GROUP" \
			--clear-groups -- "$@"
	else
		"$@"
	fi
}

# zr_setup: a queue and a control directory under $T, owned by the user
# the programs run as.
zr_setup() {
	ZR_QUEUE=$T/queue
	ZR_CONTROL=$T/control
	export ZR_QUEUE ZR_CONTROL
	mkdir -p "$ZR_CONTROL"
	ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$ZR_QUEUE"
	echo relay.test >"$ZR_CONTROL/me"
	# No test may ask a DNS server elsewhere: by default lookups go to a
	# closed port here and fail at once (tests that want DNS run dnsmasq).
	echo 127.0.0.1:1 >"$ZR_CONTROL/dnsservers"
	if [ "$(id -u)" = 0 ]; then
		chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_QUEUE" "$ZR_CONTROL"
	fi
}

# bg COMMAND...: start a background process, killed when the test ends.
bg() {
	"$@" &
	_bg_pids="$_bg_pids $!"
	BG_PID=$!
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# tcpserver_start COMMAND...: run COMMAND per connection on 127.0.0.1 at a
# port chosen by the kernel; sets TCP_PORT. No DNS: -H -R.
tcpserver_start() {
	_seq=$((_seq + 1))
	_f=$T/.tcpserver.$_seq
	bg tcpserver -1 -H -R -l 0 127.0.0.1 0 "$@" >"$_f" 2>"$_f.err"
	wait_for 10 test -s "$_f" || return 1
	TCP_PORT=$(head -n 1 "$_f")
}

# Files in a queue directory (relative name), and all visible messages.
qcount() {
	find "$ZR_QUEUE/$1" -maxdepth 1 -type f | wc -l | tr -d ' '
}
qfiles() {
	find "$ZR_QUEUE/todo" "$ZR_QUEUE/active" "$ZR_QUEUE/deferred" \
		"$ZR_QUEUE/hold" "$ZR_QUEUE/done" -type f
}

# golden NAME FILE DESCRIPTION: FILE must be tests/golden/NAME to the byte
# (a format that is a contract). ZR_GOLDEN_UPDATE=1 writes it instead.
golden() {
	_g=$ZR_ROOT/tests/golden/$1
	[ -z "${ZR_GOLDEN_UPDATE:-}" ] || cp "$2" "$_g"
	if cmp -s "$_g" "$2"; then
		_result 0 "$3"
	else
		_result 1 "$3"
		diff -u "$_g" "$2" | head -n 40 | sed 's/^/#   /'
	fi
}
