#!/bin/sh
# SPDX-License-Identifier: MIT
# zr-send's log as qmailanalog's matchup reads it (matchup is not a Debian
# package, so its grammar is checked here as its matchup.c applies it):
# fields split on blanks; in "new msg N", "info msg N: bytes B from <S>",
# "starting delivery D: msg N to remote R", "delivery D: RESULT: ..." and
# "end msg N", N and D are read as unsigned decimals. Several messages are
# queued within one second; each must keep its own N, so that matchup
# joins every delivery to its own message and sender, and every line
# about a message carries its full id.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 6
zr_setup
py_server rx --rcpt 'bad=550 5.1.1 no such user' --rcpt 'later=451 4.3.0 later'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*

# Queue until at least three messages share their arrival second.
: >"$T/ids"
i=0
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	printf 'Subject: m%s\n\nb\n' "$i" |
		as_user zr-inject -v -f "s$i@from.test" "r$i@to.test" >>"$T/ids"
	[ "$i" -ge 6 ] && [ "$(cut -c1-10 "$T/ids" | sort | uniq -c |
		sort -rn | awk 'NR == 1 { print $1 }')" -ge 3 ] && break
done
printf 'Subject: bad\n\nb\n' | as_user zr-inject -v -f sb@from.test bad@to.test >>"$T/ids"
printf 'Subject: later\n\nb\n' | as_user zr-inject -v -f sl@from.test later@to.test >>"$T/ids"
n=$(wc -l <"$T/ids" | tr -d ' ')
send_start
# The failure notice is made after its message ends (zr-bounce runs as a
# child): it ends too, so n messages end in all.
wait_for 30 sh -c "[ \$(grep -c '^end msg' '$T/send.log') -ge $n ] &&
	grep -q '^deferral msg' '$T/send.log'"
is "$?" 0 "zr-send finishes $n messages queued within seconds ($((n - 1)) and the notice ended, 1 deferred)"
send_stop

# The envelope sender of each id in the log (the failure notice too),
# from the queue.
for id in $(grep -o 'id=[0-9a-f.]*' "$T/send.log" | cut -c4- | sort -u); do
	f=$(find "$ZR_QUEUE" -name "$id" -type f | head -n 1)
	printf '%s %s\n' "$id" "$(sed -n 's/^sender <\(.*\)>$/\1/p' "$f")"
done >"$T/senders"

"$PY" - "$T/send.log" "$T/senders" >"$T/check" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
sender_of = dict(l.split(" ", 1) for l in open(sys.argv[2]).read().splitlines())
ID = r"\d{10}\.\d{6}\.[0-9a-f]{16}"

def ulong(tok):
    # matchup's scan_ulong: the leading digits; they must be all of the
    # number, or two messages can read as one.
    m = re.match(r"\d+", tok)
    return int(m.group()) if m else None

bad_grammar, no_id, clash, wrong_sender = [], [], [], []
num_of, id_of = {}, {}
msgs, dels = {}, {}
results = {"success": 0, "failure": 0, "deferral": 0}
for line in lines:
    f = line.split()
    if not f:
        continue
    full = re.search(r"\b(?:id|msg)=(%s)\b" % ID, line)
    about_msg = re.search(r"\bmsg\b", line) is not None
    if about_msg and not full:
        no_id.append(line)
    def need(cond):
        if not cond:
            bad_grammar.append(line)
        return cond
    if f[0] == "new" and f[1:2] == ["msg"]:
        if need(len(f) > 2 and re.fullmatch(r"\d+", f[2]) and full):
            n = ulong(f[2])
            if id_of.get(n, full.group(1)) != full.group(1):
                clash.append(line)
            id_of[n] = full.group(1)
            msgs[n] = None
    elif f[0] == "info" and f[1:2] == ["msg"]:
        if need(len(f) > 7 and re.fullmatch(r"\d+:", f[2]) and
                f[3] == "bytes" and f[5] == "from"):
            msgs[ulong(f[2])] = f[6].strip("<>")
    elif f[0] == "starting" and f[1:2] == ["delivery"]:
        if need(len(f) > 7 and re.fullmatch(r"\d+:", f[2]) and
                f[3] == "msg" and re.fullmatch(r"\d+", f[4]) and
                f[5] == "to" and full):
            n = ulong(f[4])
            if id_of.get(n, full.group(1)) != full.group(1):
                clash.append(line)
            dels[ulong(f[2])] = (n, full.group(1))
    elif f[0] == "delivery" and len(f) > 2 and f[2].rstrip(":") in results:
        if need(re.fullmatch(r"\d+:", f[1])):
            results[f[2].rstrip(":")] += 1
            n, full_id = dels.get(ulong(f[1]), (None, None))
            # matchup's record for n names the sender of "info msg n".
            if n is None or msgs.get(n) != sender_of.get(full_id):
                wrong_sender.append(line)
    elif f[0] == "end" and f[1:2] == ["msg"]:
        if need(len(f) > 2 and re.fullmatch(r"\d+", f[2]) and full):
            n = ulong(f[2])
            if id_of.get(n, full.group(1)) != full.group(1):
                clash.append(line)
            id_of.pop(n, None)
print("grammar:%d" % len(bad_grammar))
print("noid:%d" % len(no_id))
print("clash:%d" % len(clash))
print("wrong_sender:%d" % len(wrong_sender))
print("figures:%d %d %d %d" % (len(msgs), results["success"],
      results["failure"], results["deferral"]))
for l in (bad_grammar + no_id + clash + wrong_sender)[:10]:
    print("#   " + l)
PY
is "$(sed -n 's/^grammar://p' "$T/check")" 0 'every line matchup parses fits its grammar'
is "$(sed -n 's/^noid://p' "$T/check")" 0 'every line about a message carries its full id'
is "$(sed -n 's/^clash://p' "$T/check")" 0 'no message number stands for two messages'
is "$(sed -n 's/^wrong_sender://p' "$T/check")" 0 'each delivery joins its own message and sender'
# The failure notice to sb@from.test is one more message, delivered.
is "$(sed -n 's/^figures://p' "$T/check")" "$((n + 1)) $((n - 1)) 1 1" \
	"matchup's figures: $((n + 1)) messages, $((n - 1)) delivered, 1 failed, 1 deferred"
grep '^#' "$T/check"
done_testing
