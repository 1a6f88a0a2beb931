#!/bin/bash
# SPDX-License-Identifier: MIT
# Cleanup in slices: with 50,000 expired messages in done/delivered, a
# message queued once their removal has begun is delivered before the
# round ends (the log shows the delivery before the cleanup's summary),
# and every expired file is gone in the end, the new one kept.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
N=50000
plan 6
zr_setup
sink_start
control smarthosts "127.0.0.1:$SINK_PORT"
control retention 0
control cleanupinterval 3600
"$PY" - "$ZR_QUEUE/done/delivered" "$N" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open('%s/1795000000.%06d.%016x' % (d, i % 1000000, i), 'w') as f:
        f.write('zr-envelope 1\n')
PY
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER" "$ZR_QUEUE/done/delivered"
send_start
# The first round begins a second after the start; wait until it has.
fewer() { test "$(qcount done/delivered)" -lt "$N"; }
wait_for 30 fewer
inj a@x.test
log_has 30 'delivery [0-9]+: success: .*rcpt=<a@x.test>'
log_has 60 'event=cleanup removed='
diag "$(grep 'event=cleanup removed=' "$T/send.log")"
ok 'the new message was delivered while the cleanup went on' \
	log_before 'delivery [0-9]+: success: .*rcpt=<a@x.test>' \
	'event=cleanup removed='
like "$(grep 'event=cleanup removed=' "$T/send.log")" "removed=$N " \
	'the round removed every expired message'
like "$(grep 'event=cleanup removed=' "$T/send.log")" 'slices=([2-9]|[1-9][0-9]+) ' \
	'in more than one slice'
is "$(qcount done/delivered)" 1 'only the new message is left in done/delivered'
ok 'and it is the new one' sh -c "test \"\$(grep -l '^rcpt <a@x.test>' '$ZR_QUEUE'/done/delivered/*)\" != ''"
send_stop
ok 'zr-send stopped cleanly' test "$(log_count 'status: exiting')" = 1
done_testing
