#!/bin/sh
# SPDX-License-Identifier: MIT
# Histograms: zr-send keeps the queue time of finished messages (by final
# state) and the time of delivery attempts (by recipient result) in
# stats/histograms, across restarts; zr-qstat --prometheus exports them as
# Prometheus histograms, read back here with the Python client's parser.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 7
zr_setup
py_server rx --rcpt 'bad=550 5.1.1 no such user' --rcpt 'later=451 4.3.0 later'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 600
control bounces no
chmod 644 "${ZR_CONTROL:?}"/*
send_start
inj -f a@relay.test good@to.test
inj -f a@relay.test bad@to.test
inj -f a@relay.test later@to.test
wait_for 30 sh -c "[ \$(grep -c '^end msg' '$T/send.log') -ge 2 ] &&
	grep -q '^deferral msg' '$T/send.log'"
send_stop
ok 'stats/histograms is written' grep -q '^zr-hist 1$' "$ZR_QUEUE/stats/histograms"

# hist RESULTS...: the parsed families as "metric result count" lines.
hist() {
	zr-qstat --prometheus -q "$ZR_QUEUE" >"$T/metrics"
	"$PY" - "$T/metrics" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families as parse
for f in parse(open(sys.argv[1]).read()):
    if f.type != "histogram":
        continue
    buckets = {}
    for s in f.samples:
        r = s.labels.get("result")
        if s.name.endswith("_bucket"):
            buckets.setdefault(r, []).append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_count"):
            b = sorted(buckets.get(r, []))
            cum = [v for _, v in b]
            assert cum == sorted(cum), "buckets not cumulative: %r" % b
            assert b and b[-1][1] == s.value, "+Inf is not the count"
            print(f.name, r, int(s.value))
PY
}
if ! "$PY" -c 'import prometheus_client.parser' 2>/dev/null; then
	for i in 1 2 3 4 5 6; do skip 'python3-prometheus-client is not installed'; done
	done_testing
fi
hist >"$T/h1" 2>&1
like "$(cat "$T/h1")" '^zr_queue_time_seconds delivered 1$' \
	'queue time: one delivered message'
like "$(cat "$T/h1")" '^zr_queue_time_seconds failed 1$' \
	'and one failed message (the deferred one is not finished)'
like "$(cat "$T/h1")" '^zr_delivery_time_seconds success 1$' \
	'delivery time: one recipient delivered'
like "$(cat "$T/h1")" '^zr_delivery_time_seconds failure 1$' \
	'one refused'
like "$(cat "$T/h1")" '^zr_delivery_time_seconds deferral 1$' \
	'one deferred; buckets cumulative, +Inf equal to the count'

# A restart keeps them and counts on.
send_start
inj -f a@relay.test good2@to.test
log_has 20 'success: .*rcpt=<good2@to.test>'
wait_for 20 sh -c "[ \$(grep -c '^end msg' '$T/send.log') -ge 3 ]"
send_stop
like "$(hist 2>&1)" '^zr_queue_time_seconds delivered 2$' \
	'after a restart, the counts go on from the file'
done_testing
