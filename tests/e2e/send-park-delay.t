#!/bin/bash
# SPDX-License-Identifier: MIT
# A delay warning falls due while its message is parked: an operator
# suspends the smart hosts for an hour and control/delaywarn is 4 s. The
# parked message is due back when its warning is (not in an hour), the
# warning is queued then although the destination is still suspended, and
# the message, parked again, is not delivered.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 5
zr_setup
py_server rx --pipelining
control smarthosts "127.0.0.1:$(port_of rx)"
control delaywarn 4
chmod 644 "${ZR_CONTROL:?}"/*
as_user zr-qstat --suspend smarthosts 1h >/dev/null
inj late@x.test
send_start
log_has 10 '^zr-send: info: id=[^ ]+ event=held '
in=$(sed -n 's/^zr-send: info: id=[^ ]* event=held ino=[0-9]* wait=\([0-9]*\)s .*/\1/p' "$T/send.log" | head -n 1)
id=$(sed -n 's/^zr-send: info: id=\([^ ]*\) event=held .*/\1/p' "$T/send.log" | head -n 1)
diag "parked, next attempt in ${in}s"
ok 'parked until its delay warning, not the hour' test "$in" -le 5
ok 'the delay warning is queued while it is parked' \
	log_has 20 '^bounce msg [0-9]+: notification of delay queued'
ok 'and the message parked again' \
	wait_for 10 test "$(log_count "^zr-send: info: id=${id:?} event=held ")" -ge 2
is "$(log_count '^bounce msg [0-9]+: notification of delay')" 1 \
	'one warning, not one per parking'
is "$(grep -c '^data ' "$T/rx.log")" 0 'nothing reached the suspended receiver'
send_stop
done_testing
