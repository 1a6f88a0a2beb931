#!/bin/sh
# zr-qstat's operations, Prometheus output and postqueue -j lines.
. "${0%/*}/../lib/harness.sh"
plan 23
zr_setup

inject() { printf 'Subject: x\n\nbody\n' | as_user zr-inject -v "$@"; }
qs() { as_user zr-qstat "$@"; }
where() { find "$ZR_QUEUE" -name "$1" -type f | sed "s|^$ZR_QUEUE/||; s|/$1\$||"; }

a=$(inject -p high a@x.test)
b=$(inject b@x.test)
c=$(inject c@x.test)
d=$(inject d@x.test)

qs --hold "$a" >/dev/null
is "$(where "$a")" hold '--hold moves a queued message to hold/'
qs --release "$a" >/dev/null
is "$(where "$a")" todo/high '--release puts it back in todo/ at its priority'
mv "$ZR_QUEUE/todo/normal/$b" "$ZR_QUEUE/deferred/"
qs --retry "$b" >"$T/out"
is "$(where "$b")" todo/normal '--retry makes a deferred message due now'
like "$(cat "$T/out")" "^$b due now\$" 'and says so'
mv "$ZR_QUEUE/todo/normal/$b" "$ZR_QUEUE/deferred/"
mv "$ZR_QUEUE/todo/normal/$c" "$ZR_QUEUE/deferred/"
like "$(qs --retry all)" '^2 messages due now$' '--retry all takes every deferred message'
is "$(qcount deferred)" 0 'none is left deferred'
qs --hold "$b" >/dev/null
qs --cancel "$b" >/dev/null
is "$(where "$b")" done/cancelled '--cancel moves a held message to done/cancelled'
qs --cancel "$b" 2>"$T/err"
is "$?" 4 'cancelling a cancelled message: exit 4'
like "$(cat "$T/err")" 'cannot cancel a message that is cancelled' 'and says why'
mv "$ZR_QUEUE/todo/normal/$c" "$ZR_QUEUE/active/"
qs --hold "$c" 2>"$T/err"
is "$?" 3 'a message being delivered is not touched: exit 3'
like "$(cat "$T/err")" 'being delivered now' 'and says so'
is "$(where "$c")" active 'it stays in active/'
qs --cancel all 2>/dev/null
is "$?" 100 '--cancel all is refused'
qs --hold 1234567890.123456.0123456789abcdef 2>/dev/null
is "$?" 1 'an unknown id: exit 1'
qs --remove "$b" >/dev/null
is "$(where "$b")" '' '--remove deletes a terminal message'
e=$(inject e@x.test); mv "$ZR_QUEUE/todo/normal/$e" "$ZR_QUEUE/done/expired/"
echo 'zr-state 1' >"$ZR_QUEUE/state/$e"
like "$(qs --clear-expired)" '^1 message removed$' '--clear-expired removes expired messages'
ok 'and their state files' test ! -e "$ZR_QUEUE/state/$e"
qs --remove "$d" 2>/dev/null
is "$?" 4 'a pending message cannot be removed'

# Prometheus text format, checked by a parser of the exposition rules.
printf 'zr-stats 1\nmessages_delivered 3\nattempts 4\n' >"$ZR_QUEUE/stats/counters"
chmod 644 "$ZR_QUEUE/stats/counters"
qs --prometheus >"$T/prom"
is "$?" 0 '--prometheus runs'
python3 - "$T/prom" >"$T/promcheck" 2>&1 <<'PY'
import re, sys
seen_help, seen_type, samples = set(), {}, {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        seen_help.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        _, _, name, typ = line.split(" ", 3)
        assert typ in ("gauge", "counter"), typ
        seen_type[name] = typ; continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)\})? (-?[0-9.e+]+)', line)
    assert m, "bad sample line: " + line
    name = m.group(1)
    assert name in seen_type and name in seen_help, "no HELP/TYPE before " + name
    samples[m.group(0).rsplit(" ", 1)[0]] = float(m.group(5))
assert samples['zr_queue_messages{state="queued"}'] == 2, samples
assert samples['zr_queue_messages{state="in_progress"}'] == 1
assert samples['zr_queue_messages{state="cancelled"}'] == 0
assert samples['zr_queue_pending_messages{priority="high"}'] == 1
assert samples['zr_messages_total{result="delivered"}'] == 3
assert samples['zr_delivery_attempts_total'] == 4
print("ok")
PY
is "$(cat "$T/promcheck")" ok 'the Prometheus output parses and counts right'

# postqueue -j: one JSON object a line, Postfix's field names.
mv "$ZR_QUEUE/todo/normal/$d" "$ZR_QUEUE/deferred/"
printf 'zr-state 1\nattempts 1\nnext 1900000000\nlast 1800000000\nrcpt 0 deferred 1 - 451 4.2.1 mailbox full\n' >"$ZR_QUEUE/state/$d"
qs -j >"$T/j"
is "$(wc -l <"$T/j" | tr -d ' ')" 3 '-j prints one line per pending message'
python3 - "$T/j" "$d" >"$T/jcheck" 2>&1 <<'PY'
import json, sys
d = sys.argv[2]
for line in open(sys.argv[1]):
    m = json.loads(line)
    for k in ("queue_name", "queue_id", "arrival_time", "message_size", "forced_expire", "sender", "recipients"):
        assert k in m, k
    if m["queue_id"] == d:
        assert m["queue_name"] == "deferred"
        assert m["recipients"] == [{"address": "d@x.test", "delay_reason": "451 4.2.1 mailbox full"}], m
        assert m["attempts"] == 1 and m["next_attempt_time"] == 1900000000
print("ok")
PY
is "$(cat "$T/jcheck")" ok '-j objects have the postqueue fields and the delay reason'
qs --check >/dev/null 2>&1
is "$?" 0 'after all this the queue passes --check'
done_testing
