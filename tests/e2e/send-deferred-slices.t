#!/bin/sh
# SPDX-License-Identifier: MIT
# deferred/ is read in slices: with 50,000 deferred messages that are not
# due for an hour, an urgent message queued before zr-send starts is
# delivered while the read of deferred/ is still going on (the log shows
# the delivery before the read's end), the read finds every message in
# more than one slice, and none of them is tried before its time. With
# active/ empty, start-up does not list state/ for the last run's result
# journals: the sliced walk removes one that an old run left.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
N=50000
plan 7
zr_setup
sink_start
control smarthosts "127.0.0.1:$SINK_PORT"
# Written as the queue's format says: the message file and its state.
as_user "$PY" - "${ZR_QUEUE:?}" "$N" <<'PY'
import os, sys, time
q, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
for i in range(n):
    mid = '%010d.%06d.%016x' % (now - 60, i % 1000000, i)
    with open('%s/deferred/%s' % (q, mid), 'w') as f:
        f.write('zr-envelope 1\nid %s\narrival %d\npriority normal\n'
                'sender <s@x.test>\nrcpt <r%d@x.test>\ndata\n'
                'Subject: d\n\nx\n' % (mid, now - 60, i))
    with open('%s/state/%s' % (q, mid), 'w') as f:
        f.write('zr-state 1\nattempts 1\nnext %d\nlast %d\n'
                'rcpt 0 deferred 1 - 451 4.3.0 later\n' % (now + 3600, now - 60))
PY
inj -p urgent urgent@x.test
as_user sh -c 'echo old >"$1"' sh "${ZR_QUEUE:?}/state/journal.0123abcd.1"
send_start
log_has 60 'delivery [0-9]+: success: .*rcpt=<urgent@x.test>'
log_has 120 'event=deferred-scan '
diag "$(grep 'event=deferred-scan ' "$T/send.log")"
ok 'the urgent message was delivered while deferred/ was being read' \
	log_before 'delivery [0-9]+: success: .*rcpt=<urgent@x.test>' \
	'event=deferred-scan '
like "$(grep 'event=deferred-scan ' "$T/send.log")" "messages=$N " \
	'the read found every deferred message'
like "$(grep 'event=deferred-scan ' "$T/send.log")" 'slices=([2-9]|[1-9][0-9]+) ' \
	'in more than one slice'
is "$(log_count 'starting delivery')" 1 'none of them was tried before its time'
is "$(qcount deferred)" "$N" 'they all wait in deferred/'
wait_for 60 test ! -e "${ZR_QUEUE:?}/state/journal.0123abcd.1"
ok "an old run's journal is removed by the walk of state/" \
	test ! -e "${ZR_QUEUE:?}/state/journal.0123abcd.1"
send_stop
ok 'zr-send stopped cleanly' test "$(log_count 'status: exiting')" = 1
done_testing
