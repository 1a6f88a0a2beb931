#!/bin/sh
# SPDX-License-Identifier: MIT
# Failover: the primary smart host is down, the backup takes the mail and
# the primary is skipped for control/hostbackoff; when it is back and the
# back-off is over, mail goes to it again.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 7
zr_setup
primary=$(free_port)
py_server backup --pipelining
control smarthosts "127.0.0.1:$primary priority=10
127.0.0.1:$(port_of backup) priority=20"
control hostbackoff 2
send_start
inj one@x.test
log_has 20 'success: .* rcpt=<one@x.test>'
down_at=$(($(date +%s%N) / 1000000))	# the primary was marked down by now
like "$(cat "$T/send.log")" "rcpt=<one@x.test> host=127.0.0.1:$(port_of backup)" \
	'primary down: the backup delivered'
like "$(cat "$T/send.log")" "zr-remote: warning: id=[^ ]+ host=127.0.0.1:$primary reason=\"unable to connect" \
	'the failed connection is logged'
for i in 1 2 3; do inj "skip$i@x.test"; done
log_has 20 'success: .* rcpt=<skip3@x.test>'
is "$(grep -c "host=127.0.0.1:$primary reason=\"unable to connect" "$T/send.log")" 1 \
	'within the back-off the primary is not tried again'
is "$(grep -c "^rcpt skip" "$T/backup.log")" 3 'the backup took them all'
py_server primary --pipelining --port "$primary"
# The back-off itself is what is tested: wait until it has run out.
elapsed() { [ $(($(date +%s%N) / 1000000 - down_at)) -ge "$1" ]; }
wait_for 10 elapsed 2200
inj back@x.test
log_has 20 'success: .* rcpt=<back@x.test>'
like "$(cat "$T/send.log")" "rcpt=<back@x.test> host=127.0.0.1:$primary" \
	'after the back-off the primary is first again'
ok 'the primary got it' grep -q '^rcpt back@x.test' "$T/primary.log"
is "$(qcount done/delivered)" 5 'all five delivered'
send_stop
done_testing
