#!/bin/sh
# SPDX-License-Identifier: MIT
# INSTALL's commands in a temporary root, where they can run there: make
# install (stripped, or not with STRIP=), setup-server's control/me, the
# cron recipe for node_exporter's textfile directory; and the systemd
# units' hardening as systemd-analyze rates it.
. "${0%/*}/../lib/harness.sh"
plan 10
R=$T/root

# 2. Build and install.
make -s -C "$ZR_ROOT" install DESTDIR="$R" PREFIX=/usr/local \
	O="$ZR_BUILD" B="$ZR_BIN" ${ZR_SAN:+SAN=1} >"$T/make.out" 2>&1
is "$?" 0 'make install DESTDIR=... PREFIX=/usr/local'
symtab() { readelf -S "$1" 2>/dev/null | grep -c '\.symtab'; }
is "$(symtab "$R/usr/local/sbin/zr-send")" 0 'the installed programs are stripped'
make -s -C "$ZR_ROOT" install DESTDIR="$T/keep" PREFIX=/usr/local STRIP= \
	O="$ZR_BUILD" B="$ZR_BIN" ${ZR_SAN:+SAN=1} >"$T/make2.out" 2>&1
is "$(symtab "$T/keep/usr/local/sbin/zr-send")" 1 'STRIP= keeps their symbols'

# 3. setup-server and control/me.
[ "$(id -u)" = 0 ] || {
	for i in 1 2 3 4; do skip 'setup-server needs root'; done
}
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/fake"
	setup() {	# setup HOSTNAME ARGS...: with hostname -f saying HOSTNAME
		printf '#!/bin/sh\necho %s\n' "$1" >"$T/fake/hostname"
		chmod 755 "$T/fake/hostname"
		shift
		PATH=$T/fake:$PATH ZR_SETUP_ROOT=$R ZR_USER_SMTPD=$ZR_TEST_USER \
		ZR_USER_SEND=$ZR_TEST_USER ZR_USER_LOG=$ZR_TEST_USER \
		ZR_GROUP=$ZR_TEST_GROUP "$ZR_ROOT/scripts/setup-server" "$@" \
			/usr/local >"$T/setup.out" 2>&1
	}
	setup vm
	is "$?:$(ls "$R/etc/zr" 2>/dev/null | wc -l | tr -d ' ')" 100:0 \
		'a host name without a dot is refused, before anything is made'
	like "$(cat "$T/setup.out")" "not fully qualified: give one with -m NAME" \
		'saying what to do'
	setup mail.example.test
	is "$?:$(cat "$R/etc/zr/me")" 0:mail.example.test \
		'a fully qualified hostname -f becomes control/me'
	rm "$R/etc/zr/me"
	setup vm -m vm
	is "$?:$(cat "$R/etc/zr/me")" 0:vm 'and -m NAME is taken as told'
fi

# 9. The textfile recipe, with the paths moved under the temporary root.
zr_setup
line=$(grep -o "echo '\* \* \* \* \* root [^']*' >/etc/cron.d/zr-metrics" \
	"$ZR_ROOT/INSTALL")
ok 'INSTALL has the cron line' test -n "$line"
cmd=$(printf '%s\n' "$line" | sed "s/^echo '\* \* \* \* \* root //; s/' >.*//")
mkdir -p "$T/textfile"
cmd=$(printf '%s\n' "$cmd" |
	sed "s|/var/lib/prometheus/node-exporter|$T/textfile|g; s|/usr/local/sbin/|$ZR_BIN/|g")
sh -c "$cmd"
ok 'it writes zr.prom and leaves no temporary file' sh -c \
	"grep -q '^zr_queue_messages' '$T/textfile/zr.prom' &&
	[ \$(ls '$T/textfile' | wc -l) = 1 ]"

# The systemd units: systemd-analyze security rates each below 4.
bad=
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	scores=
	for u in "$ZR_ROOT"/scripts/systemd/*.service; do
		s=$(cd "$ZR_ROOT/scripts/systemd" && systemd-analyze security \
			--offline=yes "${u##*/}" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
		scores="$scores ${u##*/}=$s"
		diag "${u##*/}: $s"
		awk -v s="$s" 'BEGIN { exit !(s != "" && s < 4) }' ||
			bad="$bad ${u##*/}=$s"
	done
	is "${bad:-}" '' "every unit is rated below 4:$scores"
else
	skip 'systemd-analyze security --offline is not available'
fi
done_testing
