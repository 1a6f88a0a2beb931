#!/bin/sh
# SPDX-License-Identifier: MIT
# No notification is lost: zr-send records a due notification in state/
# before the message moves on, runs zr-bounce as a child of the loop and
# retries it with back-off until it has queued the report. zr-bounce is
# replaced, in a copy of bin/, by wrappers that fail, kill themselves,
# outlast control/bouncetimeout or dawdle.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 21
zr_setup
mkdir -p "$T/mail" "$T/w" && chmod 777 "$T/mail" "$T/w"
mkdir "$T/bin"
cp "${ZR_BIN:?}"/zr-* "$T/bin/"
mv "$T/bin/zr-bounce" "$T/bin/zr-bounce.real"
PATH=$T/bin:$PATH
py_server rx --rcpt 'bad=550 5.1.1 no such user'
control domainroutes "fail.test 127.0.0.1:$(port_of rx)"
control localdomains relay.test
control localroot "$T/mail"
control retrybase 1
chmod 644 "$ZR_CONTROL"/*

notices() {	# notices USER: the notices delivered to USER's Maildir
	find "$T/mail/$1/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
# wrapper HOW: zr-bounce that does HOW on its first two runs, then works;
# its runs are counted in $T/w/runs.
wrapper() {
	rm -f "${T:?}/w/runs"
	cat >"$T/bin/zr-bounce" <<EOS
#!/bin/sh
n=\$(cat '$T/w/runs' 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >'$T/w/runs'
if [ \$n -le 2 ]; then
	$1
fi
exec '$T/bin/zr-bounce.real' "\$@"
EOS
	chmod 755 "$T/bin/zr-bounce"
}
has_notices() {	# has_notices N: alice has N notices or more (for wait_for)
	test "$(notices alice)" -ge "$1"
}
pending() {	# the notification records in state/
	find "$ZR_QUEUE/state" -name '*.notify-*' | wc -l | tr -d ' '
}
no_pending() {
	test "$(pending)" = 0
}

# 1. zr-bounce fails twice (exit 111), then works.
wrapper 'exit 111'
send_start
inj -f alice@relay.test bad@fail.test
wait_for 30 has_notices 1
is "$?" 0 'after two failures of zr-bounce the notice arrives'
wait_for 10 no_pending
is "$?" 0 'and its pending record is gone'
is "$(cat "$T/w/runs")" 3 'zr-bounce ran three times'
is "$(notices alice)" 1 'exactly one notice'
is "$(log_count 'notification of failure queued')" 1 \
	'the log says queued once'
like "$(cat "$T/send.log")" 'bounce msg [0-9]+: zr-bounce failed \(exit 111\); notification pending, retry in [0-9]+s' \
	'each failure is logged as pending'

# 2. zr-bounce kills itself with SIGKILL twice.
wrapper 'kill -9 $$'
inj -f alice@relay.test bad@fail.test
wait_for 30 has_notices 2
is "$?" 0 'after zr-bounce was killed twice, the notice arrives'
wait_for 10 no_pending
is "$(cat "$T/w/runs"):$(notices alice)" 3:2 'one more notice, three runs'
like "$(cat "$T/send.log")" 'zr-bounce failed \(signal 9\); notification pending' \
	'the kill is logged'

# 3. zr-bounce outlasts control/bouncetimeout twice: killed, run again.
control bouncetimeout 1
chmod 644 "$ZR_CONTROL/bouncetimeout"
kill -HUP "$SEND_PID"
log_has 10 'event=controls-reread'
wrapper 'exec sleep 30'
inj -f alice@relay.test bad@fail.test
wait_for 30 has_notices 3
is "$?" 0 'after zr-bounce timed out twice, the notice arrives'
wait_for 10 no_pending
is "$(cat "$T/w/runs"):$(notices alice)" 3:3 'one more notice, three runs'
like "$(cat "$T/send.log")" 'zr-bounce failed \(timeout\); notification pending' \
	'the timeout is logged'
rm -f "${ZR_CONTROL:?}/bouncetimeout"
kill -HUP "$SEND_PID"
wait_for 10 sh -c "[ \$(grep -c 'event=controls-reread' '$T/send.log') -ge 2 ]"

# 4. A slow zr-bounce holds no delivery of another message.
wrapper 'exec sleep 20'
inj -f alice@relay.test bad@fail.test
wait_for 10 test -s "$T/w/runs"
inj -f alice@relay.test good@fail.test
log_has 5 'success: .*rcpt=<good@fail.test>'
is "$?" 0 'another message is delivered while zr-bounce sleeps'
is "$(notices alice)" 3 'the slow notice is not there yet'
send_stop
is "$(pending)" 1 'stopped in the middle, zr-send leaves the notification pending'

# 5. The next zr-send makes it; then -N never: no notification is made,
# logged or counted.
rm -f "$T/bin/zr-bounce"
cp "$T/bin/zr-bounce.real" "$T/bin/zr-bounce"
send_start
wait_for 30 has_notices 4
is "$?" 0 'the next zr-send makes the pending notification'
wait_for 10 no_pending
send_stop
cp "$T/send.log" "$T/send.log.1"
before=$(sed -n 's/^notifications //p' "$ZR_QUEUE/stats/counters")
: >"$T/send.log"
send_start
inj -f alice@relay.test -N never bad@fail.test
log_has 20 'end msg [0-9]+ state=failed'
is "$?" 0 'the message fails'
is "$(log_count 'notification')" 0 'no notification is logged'
is "$(pending)" 0 'nor recorded'
send_stop
is "$(sed -n 's/^notifications //p' "$ZR_QUEUE/stats/counters")" "$before" \
	'nor counted'

# 6. zr-qstat --check reports a notification pending for over an hour.
id=$(ls "$ZR_QUEUE/done/failed" | head -n 1)
printf 'zr-notify 1\nkind failure\nrcpts 0\n' >"$ZR_QUEUE/state/$id.notify-failure-9"
touch -d '2 hours ago' "$ZR_QUEUE/state/$id.notify-failure-9"
like "$(zr-qstat -q "$ZR_QUEUE" --check 2>&1)" \
	"notification pending for over an hour: state/$id.notify-failure-9" \
	'zr-qstat --check sees an old pending notification'
done_testing
