#!/bin/sh
# SPDX-License-Identifier: MIT
# A full disk at the end of an attempt: the messages whose state cannot be
# written go to deferred/ (not active/), their results kept in memory, so
# that once there is room again the recipients delivered are not sent
# again; the condition is logged once, not per message. The queue lives
# on a small tmpfs that the test fills: root only.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
[ "$(id -u)" = 0 ] || skip_all 'mounting a tmpfs needs root'
mkdir "$T/fs"
mount -t tmpfs -o size=2m,mode=755 tmpfs "$T/fs" 2>/dev/null ||
	skip_all 'unable to mount a tmpfs here'
trap 'umount "${T:?}/fs" 2>/dev/null; _cleanup' EXIT
plan 9
zr_setup
# The queue on the small filesystem (renames stay within it).
ZR_QUEUE=$T/fs/queue
ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$ZR_QUEUE"
chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_QUEUE"
py_server rx --pipelining --rcpt 'later=451 4.3.0 try later' \
	--rcpt 'bad=550 5.1.1 no such user'
control domainroutes "fail.test 127.0.0.1:$(port_of rx)"
control retrybase 1
control localdomains relay.test
mkdir -p "$T/mail" && chmod 777 "$T/mail"
control localroot "$T/mail"
chmod 644 "$ZR_CONTROL"/*
rcpts() {	# rcpts ADDR: RCPT commands the receiver saw for ADDR
	grep -c "^rcpt $1" "$T/rx.log"
}
at_least() {	# at_least N ADDR
	test "$(rcpts "$2")" -ge "$1"
}

for i in 1 2 3; do
	inj good@fail.test later@fail.test
done
# And one whose failure calls for a notice, which cannot be recorded yet.
inj -f alice@relay.test bad@fail.test
# Fill the disk: nothing more can be written (as root, to the last block).
dd if=/dev/zero of="$T/fs/fill" bs=4k 2>/dev/null
send_start
log_has 30 'unable to write state/'
is "$?" 0 'zr-send says it cannot write the state'
wait_for 10 qhas deferred 4
is "$?:$(qcount active)" 0:0 'the messages wait in deferred/, none in active/'
is "$(log_count 'unable to write state/')" 1 'the condition is logged once for the four'
is "$(rcpts 'good@fail.test')" 3 'good@ was delivered once per message'

# Room again: the results are written, later@ is retried, good@ is not.
rm -f "${T:?}/fs/fill"
wait_for 30 at_least 6 'later@fail.test'
is "$?" 0 'later@ is tried again once the disk has room'
is "$(rcpts 'good@fail.test')" 3 'good@ is never sent again'
ok 'the state files say good@ was delivered' \
	grep -q '^rcpt 0 delivered' "$ZR_QUEUE/state/$(ls "$ZR_QUEUE/deferred" | head -n 1)"
notice() {
	test "$(find "$T/mail/alice/new" -type f 2>/dev/null | wc -l)" -ge 1
}
wait_for 30 notice
is "$?" 0 'the failure notice is made once the disk has room'
wait_for 10 qhas done/failed 1
is "$?:$(log_count 'notification of failure queued')" 0:1 \
	'its message ends failed, with one notice'
send_stop
done_testing
