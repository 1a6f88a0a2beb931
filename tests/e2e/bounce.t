#!/bin/sh
# zr-bounce: RFC 3464 reports, checked with Python's email parser.
. "${0%/*}/../lib/harness.sh"
plan 34
zr_setup

inject() { as_user zr-inject -v "$@"; }
bounce() { as_user zr-bounce "$@"; }
state() { printf "$2" >"$ZR_QUEUE/state/$1"; chmod 644 "$ZR_QUEUE/state/$1"; }
body() { sed '1,/^data$/d' "$1"; }
report() { find "$ZR_QUEUE/todo" -name "$1" -type f; }
# check FILE PYTHON: run assertions on the parsed report; prints ok or why.
check() {
	python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
env, _, content = raw.partition(b"\ndata\n")
m = email.message_from_bytes(content, policy=email.policy.compat32)
parts = m.get_payload() if m.is_multipart() else []
def ds():
    # message/delivery-status: a list of header blocks, per message then per recipient
    return parts[1].get_payload()
try:
    exec(sys.argv[2])
    print("ok")
except AssertionError as e:
    print("assertion failed:", e)
except Exception as e:
    print("error:", type(e).__name__, e)
PY
}

id=$(printf 'Message-ID: <orig@x.test>\nSubject: hello\n\nbody text\n' |
	inject -f alice@x.test -N failure,delay -V 'env+1' bob@y.test carol@y.test dave@y.test)
state "$id" 'zr-state 1\nattempts 2\nnext 0\nlast 1795849000\nrcpt 0 failed 1 mx.y.test:25 550 5.1.1 <bob@y.test>: user unknown??X-Evil: yes\nrcpt 1 expired 2 - 451 4.3.0 try later\nrcpt 2 deferred 2 127.0.0.1:2525 452 4.2.2 mailbox full\n'
b=$(bounce -t failure -k f1 "$id" 2>"$T/log")
is "$?" 0 'zr-bounce queues a failure report'
f=$(report "$b")
ok 'the report is in todo/normal' test -n "$f"
like "$(cat "$f")" '^sender <>$' 'it comes from the null sender'
like "$(cat "$f")" '^rcpt <alice@x.test>$' 'to the original sender'
like "$(cat "$T/log")" "id=$id notification=$b event=failure" 'and is logged'
is "$(check "$f" '
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "message/rfc822"], [p.get_content_type() for p in parts]
assert m["From"] == "MAILER-DAEMON@relay.test" and m["To"] == "alice@x.test"
assert m["Auto-Submitted"] == "auto-replied"
assert m["In-Reply-To"] == "<orig@x.test>" and m["References"] == "<orig@x.test>"
assert m["Message-ID"].startswith("<") and m["Message-ID"] != "<orig@x.test>"
')" ok 'a multipart/report with the right headers'
is "$(check "$f" '
blocks = ds()
assert len(blocks) == 3, len(blocks)
msg, bob, carol = blocks
assert msg["Reporting-MTA"] == "dns; relay.test"
assert msg["Original-Envelope-Id"] == "env+1", msg["Original-Envelope-Id"]
assert msg["Arrival-Date"]
assert bob["Final-Recipient"] == "rfc822;bob@y.test"
assert bob["Original-Recipient"] == "rfc822;bob@y.test"
assert bob["Action"] == "failed" and bob["Status"] == "5.1.1"
assert bob["Remote-MTA"] == "dns; mx.y.test"
assert bob["Diagnostic-Code"].startswith("smtp; 550 5.1.1 <bob@y.test>: user unknown")
assert bob["Last-Attempt-Date"]
assert bob["X-Evil"] is None
assert carol["Action"] == "failed" and carol["Status"] == "4.4.7", carol["Status"]
')" ok 'the delivery-status fields, per recipient; the deferred one is not in it'
is "$(check "$f" '
ret = parts[2].get_payload()[0]
assert ret["Subject"] == "hello" and "body text" in ret.get_payload()
t = parts[0].get_payload()
assert "bob@y.test" in t and "could not be delivered" in t
')" ok 'the human part and the returned message'

b2=$(bounce -t failure -k f1 "$id" 2>/dev/null)
is "$b2" "$b" 'run again with the same key: the same report'
is "$(qcount todo/normal)" 2 'and no second one'

# A crash after the report's id was recorded but before it was queued.
id2=$(printf 'Subject: x\n\nb\n' | inject -f alice@x.test bob@y.test)
state "$id2" 'zr-state 1\nattempts 1\nnext 0\nlast 1795849000\nrcpt 0 failed 1 - 550 no\n'
planned=1795849999.000001.00000000000000aa
printf '%s\n' "$planned" >"$ZR_QUEUE/state/$id2.dsn-f1"
chmod 644 "$ZR_QUEUE/state/$id2.dsn-f1"
printf 'half-written' >"$ZR_QUEUE/tmp/$planned"
b3=$(bounce -t failure -k f1 "$id2" 2>/dev/null)
is "$b3" "$planned" 'after a crash the recorded id is used'
ok 'the report is queued whole' sh -c "sed -n 1p '$(report "$planned")' | grep -qx 'zr-envelope 1'"
ok 'and the half-written file is gone' test ! -e "$ZR_QUEUE/tmp/$planned"

# NOTIFY decides.
n=$(printf 'Subject: x\n\nb\n' | inject -N never bob@y.test)
state "$n" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
out=$(bounce -t failure -k f1 "$n" 2>/dev/null)
is "$out" '' 'NOTIFY=NEVER: no report'
s=$(printf 'Subject: x\n\nb\n' | inject -N success bob@y.test)
state "$s" 'zr-state 1\nrcpt 0 relayed 1 mx.y.test:25 250 2.0.0 ok\n'
sb=$(bounce -t success -k s1 "$s" 2>/dev/null)
is "$(check "$(report "$sb")" '
r = ds()[1]
assert r["Action"] == "relayed" and r["Status"] == "2.0.0", (r["Action"], r["Status"])
assert parts[2].get_content_type() == "text/rfc822-headers"
assert m["Subject"] == "Successful Mail Delivery Report"
')" ok 'NOTIFY=SUCCESS: a relayed report with headers only'
out=$(bounce -t failure -k f1 "$s" 2>/dev/null)
is "$out" '' 'NOTIFY=SUCCESS alone: no failure report'
d=$(printf 'Subject: x\n\nb\n' | inject bob@y.test)
state "$d" 'zr-state 1\nattempts 3\nnext 1900000000\nlast 1795849000\nrcpt 0 deferred 3 - 451 4.7.1 greylisted\n'
db=$(bounce -t delay -k delay "$d" 2>/dev/null)
is "$(check "$(report "$db")" '
r = ds()[1]
assert r["Action"] == "delayed" and r["Status"] == "4.7.1"
assert r["Will-Retry-Until"]
assert m["Subject"].startswith("Delayed Mail")
')" ok 'no NOTIFY: a delay warning, with Will-Retry-Until'
db2=$(bounce -t delay -k delay "$d" 2>/dev/null)
is "$db2" "$db" 'a delay warning is sent once'

# What is returned.
h=$(printf 'Subject: big\n\n%s\n' "$(head -c 3000 /dev/zero | tr '\0' y)" | inject -R hdrs -f alice@x.test bob@y.test)
state "$h" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
is "$(check "$(report "$(bounce -t failure -k f1 "$h" 2>/dev/null)")" '
assert parts[2].get_content_type() == "text/rfc822-headers"
assert "yyyy" not in parts[2].get_payload()
')" ok 'RET=HDRS: the header only'
echo 1000 >"$ZR_CONTROL/bouncemaxbytes"
t=$(printf 'Subject: big\n\n%s\nEND\n' "$(head -c 3000 /dev/zero | tr '\0' y)" | inject -f alice@x.test bob@y.test)
state "$t" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
is "$(check "$(report "$(bounce -t failure -k f1 "$t" 2>/dev/null)")" '
body = parts[2].get_payload()[0].get_payload()
assert "END" not in body and len(body) < 1000, len(body)
assert "too large to return whole" in parts[0].get_payload()
')" ok 'default: the body is cut at control/bouncemaxbytes'
u=$(printf 'Subject: big\n\n%s\nEND\n' "$(head -c 3000 /dev/zero | tr '\0' y)" | inject -R full -f alice@x.test bob@y.test)
state "$u" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
is "$(check "$(report "$(bounce -t failure -k f1 "$u" 2>/dev/null)")" '
assert "END" in parts[2].get_payload()[0].get_payload()
')" ok 'RET=FULL: the whole message, whatever its size'
rm "$ZR_CONTROL/bouncemaxbytes"

# Never bounce a bounce.
nb=$(printf 'Subject: x\n\nb\n' | inject -f '<>' bob@y.test)
state "$nb" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
db=$(bounce -t failure -k f1 "$nb" 2>/dev/null)
f=$(report "$db")
like "$(cat "$f")" '^rcpt <postmaster@relay.test>$' 'a failed bounce goes to the postmaster'
like "$(cat "$f")" '^proto double-bounce$' 'marked as a double bounce'
echo 'hostmaster@relay.test' >"$ZR_CONTROL/doublebounceto"
nb2=$(printf 'Subject: x\n\nb\n' | inject -f '' bob@y.test)
state "$nb2" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
like "$(cat "$(report "$(bounce -t failure -k f1 "$nb2" 2>/dev/null)")")" '^rcpt <hostmaster@relay.test>$' 'control/doublebounceto decides where'
state "$db" 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
out=$(bounce -t failure -k f1 "$db" 2>"$T/log")
is "$out" '' 'a failed double bounce is dropped'
like "$(cat "$T/log")" 'notification=none reason="the message is a notification itself"' 'and logged'

# Hostile and odd input.
x=$(printf 'Message-ID: <a@b>\r\n X-Evil: 1\nSubject: x\n\nb\n' | inject -f alice@x.test bob@y.test)
long=$(head -c 2000 /dev/zero | tr '\0' 'w' | sed 's/wwwwwwwwww/word /g')
state "$x" "zr-state 1\nrcpt 0 failed 1 - 550 5.7.1 Subject: spoofed $long\n"
xb=$(bounce -t failure -k f1 "$x" 2>/dev/null)
is "$(check "$(report "$xb")" '
assert m["In-Reply-To"] is None, m["In-Reply-To"]
r = ds()[1]
assert r["Subject"] is None
d = r["Diagnostic-Code"]
assert d.startswith("smtp; 550 5.7.1 Subject: spoofed"), d
assert len(d) <= 1000, len(d)
raw = open(sys.argv[1], "rb").read()
assert max(len(l) for l in raw.split(b"\n")) <= 998
')" ok 'a long hostile reply stays in its field, folded, bounded'
cat >"$ZR_QUEUE/todo/low/1795849998.000000.00000000000000bb" <<EOF2
zr-envelope 1
arrival 1795849998
priority low
sender <alice@x.test>
rcpt <josé@y.test>
data
Subject: x

b
EOF2
state 1795849998.000000.00000000000000bb 'zr-state 1\nrcpt 0 failed 1 - 550 no\n'
ub=$(bounce -t failure -k f1 1795849998.000000.00000000000000bb 2>/dev/null)
is "$(check "$(report "$ub")" '
r = ds()[1]
assert r["Final-Recipient"] == "utf-8;jos\\x{E9}@y.test", r["Final-Recipient"]
')" ok 'a non-ASCII address is written as RFC 6533 utf-8'
bounce -t failure -k 'Bad/Key' "$id" 2>/dev/null
is "$?" 100 'a key that is no plain word: exit 100'
bounce -t failure -k f9 1234567890.123456.0123456789abcdef 2>/dev/null
is "$?" 100 'an unknown message: exit 100'
# The state does not (yet) say what the caller names: say so, write nothing.
n0=$(find "$ZR_QUEUE/todo" -type f | wc -l)
out=$(bounce -t failure -k f8 "$id" 2 2>"$T/log8")
is "$?:$out" 111: 'a recipient named as failed that the state shows deferred: exit 111'
is "$(find "$ZR_QUEUE/todo" -type f | wc -l)" "$n0" 'and no report is written'
as_user zr-qstat --check >/dev/null 2>&1
is "$?" 0 'the queue passes --check'
# Root would write the queue with its own rights: refused.
if [ "$(id -u)" = 0 ]; then
	out=$(printf '' | zr-bounce -q "$ZR_QUEUE" -t failure -k root1 "$id" 2>&1)
	is "$?:$out" "111:zr-bounce: fatal: reason=\"refusing to run as root: run it as the queue's owner\"" \
		'zr-bounce refuses to run as root (exit 111)'
else
	skip 'zr-bounce as root: the tests do not run as root'
fi
done_testing
