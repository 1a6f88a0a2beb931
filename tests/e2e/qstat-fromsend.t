#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-qstat's summary from zr-send's stats/deferred: with zr-send running
# and deferred/ at least ZR_QSTAT_SENDMIN messages, the summary takes the
# deferred messages' sizes, priorities, attempts, next retry and hosts
# from there instead of reading two files per message, and says so. What
# it prints must be what the message-by-message read (--exact) prints:
# after zr-send's read of deferred/, and after it deferred one more
# itself. Below the threshold, without zr-send, or with a file its writer
# left behind, the summary reads deferred/ as before.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 12
zr_setup

n=24
now=$(date +%s)
i=0
while [ "$i" -lt "$n" ]; do
	t=$((now - 600 + i))
	id=$(printf '%d.%06d.%016x' "$t" "$i" "$i")
	case $((i % 3)) in 0) p=high ;; 1) p=normal ;; *) p=low ;; esac
	body=$(head -c $((100 * i)) /dev/zero | tr '\0' x)
	printf 'zr-envelope 1\nid %s\narrival %d\npriority %s\nsender <s@x.test>\nrcpt <a%d@x.test>\nrcpt <b%d@x.test>\ndata\nSubject: x\n\n%s\n' \
		"$id" "$t" "$p" "$i" "$i" "$body" >"${ZR_QUEUE:?}/deferred/$id"
	# One without a state file; the others with 1-3 attempts on 3 hosts,
	# the host on the second recipient for some.
	if [ "$i" != 5 ]; then
		if [ $((i % 2)) = 0 ]; then
			r="rcpt 0 deferred 1 h$((i % 3)).test:25 451 4.3.0 later"
		else
			r="rcpt 1 deferred 1 h$((i % 3)).test:25 451 4.3.0 later"
		fi
		printf 'zr-state 1\nattempts %d\nnext %d\nlast %d\n%s\n' \
			$((1 + i % 3)) $((now + 3600 + i)) $((now - 60)) "$r" \
			>"${ZR_QUEUE:?}/state/$id"
	fi
	i=$((i + 1))
done
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "${ZR_QUEUE:?}"
dead=$(free_port)
control smarthosts "127.0.0.1:$dead"
control retrybase 3600
chmod 644 "${ZR_CONTROL:?}"/*

# The summary minus the line that tells where deferred/ came from.
summ() {
	ZR_QSTAT_SENDMIN=${MIN:-1} as_user zr-qstat "$@" |
		grep -v '^deferred details'
}
json_same() {
	ZR_QSTAT_SENDMIN=1 as_user zr-qstat --json >"$T/a.json" &&
	as_user zr-qstat --exact --json >"$T/b.json" && python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert isinstance(a.pop("deferred_from_send"), int), a
assert a == b, (a, b)
' "$T/a.json" "$T/b.json"
}

send_start
told() { ZR_QSTAT_SENDMIN=1 as_user zr-qstat | grep -q '^deferred details  *from zr-send'; }
ok 'with zr-send running, the summary says it used stats/deferred' \
	wait_for 20 told
summ >"$T/from.txt"
summ --exact >"$T/exact.txt"
ok 'and prints what reading every message prints' cmp -s "$T/exact.txt" "$T/from.txt"
diff "$T/exact.txt" "$T/from.txt" | sed 's/^/#   /'
ok 'JSON the same, with deferred_from_send' json_same
like "$(cat "$T/from.txt")" "by priority +urgent=0 high=8 normal=8 low=8" \
	'the priorities are counted'
ok 'hosts counted (h0, h1, h2)' test "$(grep -c '^  h[012]\.test:25 ' "$T/from.txt")" = 3
ok 'below the threshold, deferred/ is read' eval \
	"! ZR_QSTAT_SENDMIN=1000 as_user zr-qstat | grep -q '^deferred details'"

# zr-send defers one itself: the file follows.
inj -f s@x.test c@x.test
defers() { grep -q '^messages 25$' "${ZR_QUEUE:?}/stats/deferred"; }
ok 'a message zr-send deferred is in stats/deferred' wait_for 20 defers
summ >"$T/from2.txt"
summ --exact >"$T/exact2.txt"
ok 'and the summary still prints what the full read does' \
	cmp -s "$T/exact2.txt" "$T/from2.txt"
diff "$T/exact2.txt" "$T/from2.txt" | sed 's/^/#   /'
ok 'JSON too' json_same
prom_same() {
	ZR_QSTAT_SENDMIN=1 as_user zr-qstat --prometheus >"$T/a.prom" &&
	ZR_QSTAT_SENDMIN=1000 as_user zr-qstat --prometheus >"$T/b.prom" &&
	cmp -s "$T/a.prom" "$T/b.prom"
}
ok '--prometheus alike' prom_same

# Its writer gone: the file is left, and not believed.
send_stop
ok 'stats/deferred outlives zr-send' test -s "$ZR_QUEUE/stats/deferred"
ok 'but a summary without zr-send reads deferred/' eval \
	"! ZR_QSTAT_SENDMIN=1 as_user zr-qstat | grep -q '^deferred details'"
done_testing
