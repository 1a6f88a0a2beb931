#!/bin/sh
# zr-qstat's outputs that other tools read, to the byte, on a queue of
# fixed files: the summary (text and --json), the Prometheus text and
# postqueue -j. Only what depends on the clock and the queue's path is
# replaced (sed below) before the comparison with tests/golden/. Then
# again with the state files carrying prio, rcpts and size, which the
# summary takes instead of opening the message files: the same bytes.
. "${0%/*}/../lib/harness.sh"
plan 14
zr_setup

q=$(printf '%s' "$ZR_QUEUE" | sed 's/[.[\*^$/]/\\&/g')
run() {
	as_user env TZ=UTC zr-qstat "$@" >"$T/raw" 2>"$T/err"
	_rc=$?
	sed -e "s/$q/QUEUEDIR/g" "$T/raw"
	return $_rc
}

# An empty queue first: no times, hosts or counters to show.
run >"$T/empty.txt"
golden qstat-empty.txt "$T/empty.txt" 'the summary of an empty queue'
run --json >"$T/empty.json"
golden qstat-empty.json "$T/empty.json" 'the same, --json'
run --prometheus >"$T/empty.prom"
golden qstat-empty.prom "$T/empty.prom" 'the same, --prometheus'

# msg DIR ID ARRIVAL PRIO SENDER RCPT...: a message file as lib/envelope
# writes it.
msg() {
	_f=$ZR_QUEUE/$1/$2
	{
		printf 'zr-envelope 1\nid %s\narrival %s\npriority %s\n' "$2" "$3" "$4"
		printf 'client 192.0.2.7\nproto ESMTP\nsender <%s>\n' "$5"
		shift 5
		for r; do printf 'rcpt <%s>\n' "$r"; done
		printf 'data\nSubject: golden\n\nbody\n'
	} >"$_f"
	chmod 644 "$_f"
}
put() { printf "$2" >"$ZR_QUEUE/$1"; chmod 644 "$ZR_QUEUE/$1"; }

A=1790000000.000001.00000000000000a1
B=1790000100.000002.00000000000000b2
C=1790000200.000003.00000000000000c3
D=1790000300.000004.00000000000000d4
E=1790000400.000005.00000000000000e5
F=1790000500.000006.00000000000000f6
G=1790000600.000007.0000000000000007
H=1790000700.000008.0000000000000008
msg todo/urgent "$A" 1790000000 urgent a@x.test r1@y.test
msg todo/normal "$B" 1790000100 normal b@x.test r1@y.test r2@y.test
msg active "$C" 1790000200 high "" r1@y.test
msg deferred "$D" 1790000300 normal d@x.test r1@y.test 'q"uote@y.test'
put "state/$D" 'zr-state 1\nattempts 3\nnext 1900000000\nlast 1790003000\nrcpt 0 deferred 3 mx.y.test:25 451 4.3.0 mailbox busy\nrcpt 1 deferred 1 127.0.0.1:2525 452 4.2.2 said \"full\"\n'
msg hold "$E" 1790000400 low e@x.test r1@y.test
msg done/delivered "$F" 1790000500 normal f@x.test r1@y.test
put "state/$F" 'zr-state 1\nattempts 1\nnext 0\nlast 1790000600\nrcpt 0 delivered 1 mx.y.test:25 250 2.0.0 ok\n'
msg done/failed "$G" 1790000600 normal g@x.test r1@z.test
put "state/$G" 'zr-state 1\nattempts 1\nnext 0\nlast 1790000700\nrcpt 0 failed 1 mx.z.test:25 550 5.1.1 unknown\n'
put "bad/$H" 'not an envelope\n'
put stats/counters 'zr-stats 1\nmessages_delivered 7\nmessages_deferred 2\nrcpts_delivered 8\nrcpts_failed 2\ndeferrals_busy 3\nattempts 11\nbounces 1\n'
put stats/histograms 'zr-hist 1\nbounds queue 1000 60000\nqueue delivered 5050 1 2 0\nqueue failed 70000 0 0 1\nbounds delivery 50 1000\ndelivery delivered 120 3 1 0\n'

# summaries WHAT: the summary outputs of the queue against the golden files.
summaries() {
	run >"$T/summary.txt" || diag "zr-qstat: $(cat "$T/err")"
	sed -i -e 's/^\(oldest message  *[^(]*\)(.* ago)$/\1(AGE ago)/' \
		-e 's/^\(average queue time  *\)[0-9]*[smhd] /\1AGE /' \
		-e 's/^\(next retry  *\)in [0-9]*[smhd]$/\1in AGE/' "$T/summary.txt"
	golden qstat-summary.txt "$T/summary.txt" "the summary, as text$1"

	run --json >"$T/summary.json"
	sed -i 's/"average_queue_time":[0-9.]*/"average_queue_time":AGE/' \
		"$T/summary.json"
	golden qstat-summary.json "$T/summary.json" "the summary, --json$1"

	run --prometheus >"$T/metrics.prom"
	sed -i 's/^zr_queue_average_age_seconds [0-9.]*$/zr_queue_average_age_seconds AGE/' \
		"$T/metrics.prom"
	golden qstat-metrics.prom "$T/metrics.prom" \
		"the Prometheus text, --prometheus$1"

	run -j >"$T/postqueue.json"
	golden qstat-postqueue.json "$T/postqueue.json" \
		"postqueue -j, one object per line$1"
	ok "and nothing on stderr$1" test ! -s "$T/err"
}
summaries ''

# The state files as zr-send writes them now, with the priority, the
# recipient count and the size the summary then takes instead of opening
# the message files (zr-queue(5)): the same outputs, to the byte.
newstate() {	# newstate ID PRIO RCPTS
	_sz=$(stat -c %s "$(ls "$ZR_QUEUE"/*/"$1" "$ZR_QUEUE"/*/*/"$1" 2>/dev/null | head -n 1)")
	sed -i "/^last /a prio $2\\nrcpts $3\\nsize $_sz" "$ZR_QUEUE/state/$1"
}
newstate "$D" normal 2
newstate "$F" normal 1
newstate "$G" normal 1
ok 'the state files carry the new lines' grep -q '^size ' "$ZR_QUEUE/state/$G"
summaries ', from state files that say prio, rcpts and size'

done_testing
