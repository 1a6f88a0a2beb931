#!/bin/sh
# SPDX-License-Identifier: MIT
# The Grafana dashboard (scripts/grafana/zr.json) names only metrics that
# zr-qstat --prometheus exports, with the labels it groups by, on a queue
# that a real zr-send has delivered from and deferred in.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 5
zr_setup
sink_start
control smarthosts "127.0.0.1:$SINK_PORT"
# A host that answers and defers, so that it is the message's last host.
py_server busy --data-reply '451 4.3.0 busy'
control domainroutes "down.test 127.0.0.1:$(port_of busy)"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
send_start
inj -f a@relay.test b@up.test
inj -f a@relay.test c@down.test
log_has 20 'delivery [0-9]+: success'
log_has 20 'delivery [0-9]+: deferral'
send_stop
zr-qstat --prometheus -q "$ZR_QUEUE" >"$T/metrics"

ok 'the dashboard is JSON with panels that all query something' \
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["panels"], "no panels"
for p in d["panels"]:
    assert p.get("targets") and all(t.get("expr") for t in p["targets"]), p["title"]
' "$ZR_ROOT/scripts/grafana/zr.json"

# check: each metric the dashboard names has a TYPE line, each "by (L)"
# label appears on a sample of the metric it groups, and the metrics that
# the queue above must have carry samples.
"$PY" - "$ZR_ROOT/scripts/grafana/zr.json" "$T/metrics" >"$T/check" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
types = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
samples = re.findall(r"^([a-z_]+)(\{[^}]*\})? ", text, re.M)
missing, nolabel = [], []
for p in d["panels"]:
    for t in p["targets"]:
        e = t["expr"]
        for m in re.findall(r"\bzr_[a-z_]+", e):
            # A histogram's series carry suffixes on its family's name.
            if re.sub(r"_(bucket|sum|count)$", "", m) not in types:
                missing.append(m)
        for lab, m in re.findall(r"by \((\w+)\) \((?:rate\()?(zr_[a-z_]+)", e):
            if lab == "instance":
                continue
            if not any(n == m and re.search(r"\b%s=" % lab, l or "") for n, l in samples):
                nolabel.append("%s by %s" % (m, lab))
print("missing:" + ",".join(sorted(set(missing))))
print("nolabel:" + ",".join(sorted(set(nolabel))))
PY
is "$(sed -n 's/^missing://p' "$T/check")" '' 'every metric the dashboard names is exported'
is "$(sed -n 's/^nolabel://p' "$T/check")" '' 'with the labels it groups by'
ok 'a panel of deferrals by reason' "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["panels"] if p["title"] == "Deferrals by reason"]
assert p and "by (reason) (rate(zr_deferrals_total" in p[0]["targets"][0]["expr"]
' "$ZR_ROOT/scripts/grafana/zr.json"
like "$(cat "$T/metrics")" "^zr_queue_messages_by_host\\{host=\"127\\.0\\.0\\.1:$(port_of busy)\"\\} 1\$" \
	'destinations: the deferred message shows under its host'
done_testing
