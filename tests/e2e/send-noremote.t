#!/bin/sh
# SPDX-License-Identifier: MIT
# When zr-remote cannot be run, recipients are deferred, never bounced.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 4
zr_setup
py_server rx
control smarthosts "127.0.0.1:$(port_of rx)"
control retrybase 3600
printf 'Subject: n\n\nx\n' | as_user zr-inject -v a@x.test >"$T/id"
id=$(cat "$T/id")
send_start -r "$T/no-such-zr-remote"
wait_for 20 test -e "$ZR_QUEUE/deferred/$id"
ok 'deferred' test -e "$ZR_QUEUE/deferred/$id"
ok 'not failed, not bounced' test "$(qcount done/failed)$(qcount done/expired)" = 00
log_has 10 "deferral msg [0-9]+: .*id=$id"
like "$(cat "$T/send.log")" "unable to run $T/no-such-zr-remote" \
	'the reason is logged'
like "$(cat "$T/send.log")" "delivery [0-9]+: deferral: 4.3.0_zr-remote_ended_before_its_report" \
	'as a deferral'
send_stop
done_testing
