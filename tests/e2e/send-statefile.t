#!/bin/sh
# SPDX-License-Identifier: MIT
# The state file repeats what its readers take from the message file
# (zr-queue(5)): a deferral writes prio, rcpts and size after last, and
# zr-send's read of deferred/ takes the priority and next from a state
# file that has them without opening the message file. Shown with message
# files zr-send may not open: one behind such a state file is found by
# the read, one behind an old state file (the envelope path) is not. A
# damaged message file, or a stray, behind a new state file is set aside
# in bad/ when the message is tried, once; a message without a state file
# is read and delivered as before.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 13
zr_setup
py_server rx --rcpt 'later=451 4.3.0 try again'
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 600
control bounces no

send_start
inj -p high -f a@relay.test later@rx.test now@rx.test
log_has 30 '^deferral msg [0-9]+: next attempt'
send_stop
real=$(ls "${ZR_QUEUE:?}/deferred")
size=$(stat -c %s "${ZR_QUEUE:?}/deferred/$real")
is "$(sed -n '5,7p' "${ZR_QUEUE:?}/state/$real" | tr '\n' ' ')" \
	"prio high rcpts 2 size $size " \
	'a deferral writes prio, rcpts and the message file size after last'
like "$(sed -n '1,4p' "${ZR_QUEUE:?}/state/$real" | tr '\n' ' ')" \
	'^zr-state 1 attempts 1 next [0-9]+ last [0-9]+ $' \
	'the lines before them are as they were'

now=$(date +%s)
# msg ID ENVELOPE-BODY: a message file in deferred/, the queue user's.
msg() {
	printf '%s' "$2" >"${ZR_QUEUE:?}/deferred/$1"
	[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" \
		"${ZR_QUEUE:?}/deferred/$1"
	chmod 600 "${ZR_QUEUE:?}/deferred/$1"
}
state() {
	printf "$2" >"${ZR_QUEUE:?}/state/$1"
	[ "$(id -u)" = 0 ] && chown "$ZR_TEST_USER:$ZR_TEST_GROUP" \
		"${ZR_QUEUE:?}/state/$1"
	chmod 600 "${ZR_QUEUE:?}/state/$1"
}
env_of() {	# env_of ID RCPT: a valid envelope and content
	printf 'zr-envelope 1\nid %s\narrival %s\npriority normal\nsender <s@x.test>\nrcpt <%s>\ndata\nSubject: d\n\nx\n' \
		"$1" "$((now - 60))" "$2"
}
later=$((now + 3600))
# Not due for an hour; zr-send may not open either message file.
m1=$(printf '%010d.000001.%016x' $((now - 60)) 1)
msg "$m1" "$(env_of "$m1" m1@rx.test)"
state "$m1" "zr-state 1\nattempts 1\nnext $later\nlast $now\nprio low\nrcpts 1\nsize 120\nrcpt 0 deferred 1 - 451 4.3.0 later\n"
chmod 000 "${ZR_QUEUE:?}/deferred/$m1"
m2=$(printf '%010d.000002.%016x' $((now - 60)) 2)
msg "$m2" "$(env_of "$m2" m2@rx.test)"
state "$m2" "zr-state 1\nattempts 1\nnext $later\nlast $now\nrcpt 0 deferred 1 - 451 4.3.0 later\n"
chmod 000 "${ZR_QUEUE:?}/deferred/$m2"
# Due now, its message file damaged.
m3=$(printf '%010d.000003.%016x' $((now - 60)) 3)
msg "$m3" 'zr-envelope 1
nonsense here
'
state "$m3" "zr-state 1\nattempts 1\nnext 1\nlast 1\nprio normal\nrcpts 1\nsize 27\n"
# Due now, a symlink to a message outside the queue.
m5=$(printf '%010d.000005.%016x' $((now - 60)) 5)
env_of "$m5" outside@rx.test >"$T/outside"
chmod 644 "$T/outside"
as_user ln -s "$T/outside" "${ZR_QUEUE:?}/deferred/$m5"
state "$m5" "zr-state 1\nattempts 1\nnext 1\nlast 1\nprio normal\nrcpts 1\nsize 120\n"
# Without a state file: due now.
m4=$(printf '%010d.000004.%016x' $((now - 60)) 4)
msg "$m4" "$(env_of "$m4" m4@rx.test)"

send_start
# The first run logged its read too: wait for this run's.
wait_for 30 sh -c "[ \$(grep -c 'event=deferred-scan ' '$T/send.log') -ge 2 ]"
like "$(grep 'event=deferred-scan ' "$T/send.log" | tail -n 1)" ' messages=5 ' \
	'the read finds the messages behind new state files without opening their message files'
wait_for 30 test -e "${ZR_QUEUE:?}/bad/$m3"
ok 'a damaged message file behind a new state file is set aside in bad/ when tried' \
	test -e "${ZR_QUEUE:?}/bad/$m3"
ok 'and its state file goes with it' wait_for 10 test ! -e "${ZR_QUEUE:?}/state/$m3"
wait_for 30 test -L "${ZR_QUEUE:?}/bad/$m5"
ok 'a stray behind a new state file is set aside in bad/ when tried' \
	test -L "${ZR_QUEUE:?}/bad/$m5"
ok 'with a warning' log_has 10 \
	"id=$m5 event=stray kind=symlink action=set-aside to=bad from=active\$"
ok 'the message without a state file is delivered' \
	log_has 30 'success: .*rcpt=<m4@rx.test>'
# Another message after it: by then the damaged one had its chance to come back.
inj -f a@relay.test after@rx.test
log_has 30 'success: .*rcpt=<after@rx.test>'
is "$(log_count "id=$m3 .*event=damaged")$(log_count "id=$m5 event=stray")" 11 \
	'the damaged one and the stray are set aside once each'
is "$(log_count "starting delivery [0-9]+: .*id=$m3")" 0 'and never offered'
ok 'the unreadable one behind a new state file still waits in deferred/' \
	test -e "${ZR_QUEUE:?}/deferred/$m1"
ok 'nothing of the messages not due was tried' sh -c \
	"! grep -Eq 'm1@rx.test|m2@rx.test|outside@rx.test' '$T/rx.log'"
send_stop
chmod 600 "${ZR_QUEUE:?}/deferred/$m1" "${ZR_QUEUE:?}/deferred/$m2"
ok 'zr-send stopped cleanly' test "$(log_count 'status: exiting')" = 2
done_testing
