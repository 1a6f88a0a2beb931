#!/bin/bash
# SPDX-License-Identifier: MIT
# Mail loops end. A domain route that points at this very host (its
# zr-smtpd greets with our control/me) is deferred with "loops back to
# myself", not relayed round, and so is one to an address listed in
# control/listenaddrs; two relays whose routes point at each other
# pass a message on until it has control/maxhops trace fields, and then
# zr-send fails it with a 5.4.6 failure notice: the queues do not grow.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
[ -x "$ZR_BIN/zr-smtpd" ] || skip_all 'zr-smtpd is not built here'
plan 16
zr_setup
mail=$T/mail
mkdir -p "$mail"
[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" "$mail"

# zr-smtpd on each queue relays for anyone (RELAYCLIENT): the routes
# decide.
# pending QUEUE: messages not yet finished in a queue.
pending() {
	find "$1/todo" "$1/active" "$1/deferred" -type f | wc -l | tr -d ' '
}

# 1. A route back to ourselves.
smtpd_start ZR_QUEUE="$ZR_QUEUE" ZR_CONTROL="$ZR_CONTROL" RELAYCLIENT=
PA=$TCP_PORT
control domainroutes "loop.test 127.0.0.1:$PA"
control retrybase 3600
printf 'Subject: self\n\nx\n' | as_user zr-inject -v -f a@origin.test \
	u@loop.test >"$T/id"
id=$(cat "$T/id")
send_start
wait_for 20 test -e "$ZR_QUEUE/deferred/$id"
ok 'a route to this host: deferred' test -e "$ZR_QUEUE/deferred/$id"
like "$(cat "$T/send.log")" \
	"zr-remote: warning: id=[^ ]+ host=127\\.0\\.0\\.1:$PA reason=\"mail for loop\\.test loops back to myself \\(the server greets as relay\\.test, which is control/me\\)\"" \
	'with a clear log line'
ok 'and the reason in its state, as a routing loop (4.4.6)' \
	grep -q '4\.4\.6 127\.0\.0\.1:[0-9]*: mail for loop\.test loops back to myself' \
	"$ZR_QUEUE/state/$id"
is "$(qfiles | wc -l | tr -d ' ')" 1 'nothing was relayed to ourselves'
send_stop

# 2. A route to an address that control/listenaddrs names as ours,
# whatever the server there calls itself.
py_server rx
PR=$(port_of rx)
control domainroutes "self.test 127.0.0.1:$PR"
printf '# our own\n192.0.2.1\n127.0.0.1:%s\n' "$PR" >"$ZR_CONTROL/listenaddrs"
printf 'Subject: self\n\nx\n' | as_user zr-inject -v -f a@origin.test \
	u@self.test >"$T/id3"
id3=$(cat "$T/id3")
send_start
wait_for 20 test -e "$ZR_QUEUE/deferred/$id3"
ok 'a route to an address in control/listenaddrs: deferred' \
	test -e "$ZR_QUEUE/deferred/$id3"
like "$(cat "$T/send.log")" \
	"zr-remote: warning: id=[^ ]+ host=127\\.0\\.0\\.1:$PR reason=\"mail for self\\.test loops back to myself \\(127\\.0\\.0\\.1:$PR is in control/listenaddrs\\)\"" \
	'with a clear log line'
is "$(grep -c '^ehlo' "$T/rx.log")" 0 'and not a word was said to that server'
send_stop
rm "$ZR_CONTROL/listenaddrs"

# 3. Two relays routing to each other, with different names.
Q2=$T/queue2
C2=$T/control2
mkdir -p "$C2"
ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$Q2"
echo hop.test >"$C2/me"
echo 127.0.0.1:1 >"$C2/dnsservers"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$Q2" "$C2"
smtpd_start ZR_QUEUE="$Q2" ZR_CONTROL="$C2" RELAYCLIENT=
PB=$TCP_PORT
max=${LOOP_MAXHOPS:-100}
for c in "$ZR_CONTROL" "$C2"; do
	echo origin.test >"$c/localdomains"
	echo "$mail" >"$c/localroot"
	echo "$max" >"$c/maxhops"
done
control domainroutes "ping.test 127.0.0.1:$PB"
echo "ping.test 127.0.0.1:$PA" >"$C2/domainroutes"
printf 'Subject: ping\n\nround and round\n' | as_user zr-inject -v \
	-f a@origin.test u@ping.test >"$T/id2"
id2=$(cat "$T/id2")
start=$(date +%s%N)
send_start
S1=$SEND_PID
if [ "$(id -u)" = 0 ]; then
	bg env ZR_QUEUE="$Q2" ZR_CONTROL="$C2" setpriv --reuid="$ZR_TEST_USER" \
		--regid="$ZR_TEST_GROUP" --clear-groups -- zr-send 2>>"$T/send2.log"
else
	bg env ZR_QUEUE="$Q2" ZR_CONTROL="$C2" zr-send 2>>"$T/send2.log"
fi
S2=$BG_PID
# bounced: a failure notice reached a@origin.test.
bounced() {
	grep -lqs 'mail loop' "$mail"/a/new/*
}
wait_for 120 bounced
ok 'the loop ends in a failure notice to the sender' bounced
diag "loop of $max hops ended in $((($(date +%s%N) - start) / 1000000)) ms"
n=$(grep -l 'mail loop' "$mail"/a/new/* | head -n 1)
like "$(cat "$n")" 'Status: 5\.4\.6' 'the notice says 5.4.6'
like "$(cat "$n")" "mail loop: $max Received/Delivered-To fields, the limit is $max" \
	'and why'
like "$(cat "$T/send.log" "$T/send2.log")" \
	"zr-send: warning: id=[0-9.a-f]+ delivered=no reason=\"mail loop: $max Received/Delivered-To fields, the limit is $max \\(maxhops\\)\"" \
	'zr-send logs the loop'
failed=$(ls "$ZR_QUEUE/done/failed" "$Q2/done/failed" | grep -c '^[0-9]')
is "$failed" 1 'one message failed, in one of the two queues'
m=$(find "$ZR_QUEUE/done/failed" "$Q2/done/failed" -type f | head -n 1)
is "$(grep -c '^Received: ' "$m")" "$max" "it carries exactly $max Received fields"
# Only the messages of parts 1 and 2 wait, deferred.
wait_for 30 test "$(pending "$ZR_QUEUE")$(pending "$Q2")" = 20
is "$(pending "$ZR_QUEUE") $(pending "$Q2")" '2 0' 'nothing else is left pending in either queue'
total=$(($(find "$ZR_QUEUE/done" -type f | wc -l) + $(find "$Q2/done" -type f | wc -l)))
# The first two messages (self), the hops ($max copies: the injected one and
# $max - 1 relayed), and the notice.
ok "the queues hold $total messages, no more than $max hops and a notice" \
	test "$total" -le $((max + 4))
is "$(find "$mail" -type f | wc -l | tr -d ' ')" 1 'and the notice is all that was delivered'
kill -TERM "$S1" "$S2" 2>/dev/null
wait "$S1" "$S2" 2>/dev/null
done_testing
