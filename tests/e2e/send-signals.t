#!/bin/sh
# SPDX-License-Identifier: MIT
# Signals: SIGHUP rereads control files (and keeps the old ones when the
# new are bad), SIGALRM makes deferred mail due now, SIGTERM hands back
# what is in flight and exits within control/shutdowntimeout.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 11
zr_setup
py_server rx --pipelining
dead=$(free_port)
control smarthosts "127.0.0.1:$dead"
control retrybase 3600
control hostbackoff 0
send_start
printf 'Subject: s\n\nx\n' | as_user zr-inject -v a@x.test >"$T/id"
id=$(cat "$T/id")
wait_for 20 test -e "$ZR_QUEUE/deferred/$id"
ok 'dead smart host: deferred for an hour' test -e "$ZR_QUEUE/deferred/$id"
control smarthosts "127.0.0.1:$(port_of rx)"
kill -HUP "$SEND_PID"
log_has 10 'zr-send: info: event=controls-reread$'
inj b@x.test
log_has 20 'success: .*rcpt=<b@x.test>'
like "$(cat "$T/send.log")" "rcpt=<b@x.test> host=127.0.0.1:$(port_of rx)" \
	'SIGHUP: new mail follows the new smart hosts'
ok 'SIGHUP alone does not make deferred mail due' test -e "$ZR_QUEUE/deferred/$id"
kill -ALRM "$SEND_PID"
wait_for 20 test -e "$ZR_QUEUE/done/delivered/$id"
ok 'SIGALRM: the deferred message went at once' test -e "$ZR_QUEUE/done/delivered/$id"

control smarthosts "127.0.0.1:1 tls=yes"
kill -HUP "$SEND_PID"
log_has 10 'alert: unable to reread controls: smarthosts:1: bad value'
like "$(cat "$T/send.log")" 'alert: unable to reread controls: smarthosts:1: bad value: tls=yes; keeping the old ones' \
	'a bad control file is reported with file and line'
inj c@x.test
log_has 20 'success: .*rcpt=<c@x.test>'
like "$(cat "$T/send.log")" "rcpt=<c@x.test> host=127.0.0.1:$(port_of rx)" \
	'and the old configuration stays'
send_stop

# SIGTERM with a delivery stuck after the final dot.
py_server slow --stall-after-dot
control smarthosts "127.0.0.1:$(port_of slow)"
control shutdowntimeout 1
: >"$T/send.log"
send_start
printf 'Subject: s\n\nx\n' | as_user zr-inject -v t@x.test >"$T/id"
id=$(cat "$T/id")
wait_for 20 grep -q '^data ' "$T/slow.log"
start=$(date +%s)
kill -TERM "$SEND_PID"
wait "$SEND_PID"
rc=$?
took=$(($(date +%s) - start))
is "$rc" 0 'SIGTERM: exit 0'
ok "within the shutdown timeout (took ${took}s)" test "$took" -le 3
like "$(cat "$T/send.log")" 'status: exiting' 'status: exiting logged'
ok 'the stuck message was handed back to deferred/, not lost' \
	test -e "$ZR_QUEUE/deferred/$id"
control smarthosts "127.0.0.1:$(port_of rx)"
send_start
wait_for 20 test -e "$ZR_QUEUE/done/delivered/$id"
ok 'and goes at the next start' test -e "$ZR_QUEUE/done/delivered/$id"
send_stop
done_testing
