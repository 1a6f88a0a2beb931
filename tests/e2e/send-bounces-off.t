#!/bin/sh
# SPDX-License-Identifier: MIT
# control/bounces: "no" turns off failure and delay notices for the whole
# site, double bounces included; each failure is still logged and counted.
# The default (no file) and "yes" send them.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 9
zr_setup
mkdir -p "$T/mail" && chmod 777 "$T/mail"
control domainroutes "fail.test 127.0.0.1:1"
control localdomains relay.test
control localroot "$T/mail"
control retrybase 1
control delaywarn 1
control bounces no
chmod 644 "${ZR_CONTROL:?}"/*
notices() {	# notices USER: the notices delivered to USER's Maildir
	find "$T/mail/$1/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
send_start

# bob@fail.test cannot be reached: port 1 refuses, so he stays deferred
# (a delay notice would be due after a second); then his message expires.
control lifetime 3
inj -f alice@relay.test bob@fail.test
log_has 30 'end msg [^ ]* state=expired'
is "$?" 0 'the message expires'
like "$(cat "$T/send.log")" 'bounce msg [^ ]*: notices are off \(control/bounces\); none sent rcpts=1' \
	'the failure is logged, saying why no notice went'
is "$(notices alice):$(qfiles | wc -l | tr -d ' ')" 0:1 \
	'no failure notice and no delay warning: the queue holds only the message'
wait_for 10 grep -q '^notifications_suppressed [1-9]' "$ZR_QUEUE/stats/counters"
is "$?" 0 'stats/counters counts the notices not sent'
like "$(zr-qstat --prometheus -q "$ZR_QUEUE")" \
	'^zr_notifications_suppressed_total [1-9]' \
	'and zr-qstat exports the count'

# A message from the null sender that fails: no double bounce either.
inj -f '' bob@fail.test
wait_for 30 sh -c \
	"[ \$(grep -c 'notices are off' '$T/send.log') -ge 2 ]"
is "$?" 0 'a failed bounce is logged likewise'
is "$(notices postmaster)" 0 'and no double bounce goes to the postmaster'

# Back to the default: notices go out again.
rm "$ZR_CONTROL/bounces"
kill -HUP "$SEND_PID"
log_has 10 'event=controls-reread'
inj -f alice@relay.test bob@fail.test
wait_for 30 sh -c "[ \$(find '$T/mail/alice/new' -type f 2>/dev/null | wc -l) -ge 1 ]"
is "$?" 0 'without control/bounces, alice gets her notices'
control bounces maybe
chmod 644 "$ZR_CONTROL/bounces"
kill -HUP "$SEND_PID"
log_has 10 'unable to reread controls: bounces: bad value'
is "$?" 0 'a value other than yes or no is refused at reload'
send_stop
done_testing
