#!/bin/sh
# SPDX-License-Identifier: MIT
# Cleanup and damage: old tmp/ files and orphaned state files are swept,
# terminal messages past control/retention dropped while the counters
# stay; a damaged envelope goes to bad/ and the rest is delivered.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 9
zr_setup
py_server rx --pipelining
control smarthosts "127.0.0.1:$(port_of rx)"
control cleanupinterval 1
control retention 1
bad=1795000000.000000.00000000deadbeef
printf 'zr-envelope 1\nnonsense here\n' >"$ZR_QUEUE/todo/normal/$bad"
orphan=1795000000.000000.00000000cafecafe
printf 'zr-state 1\nattempts 1\nnext 0\nlast 0\n' >"$ZR_QUEUE/state/$orphan"
echo "$orphan" >"$ZR_QUEUE/state/$orphan.dsn-failure-1"
echo old >"$ZR_QUEUE/tmp/1795000000.000000.0000000000000001"
touch -d '3 days ago' "$ZR_QUEUE/tmp/1795000000.000000.0000000000000001"
echo new >"$ZR_QUEUE/tmp/1795000000.000000.0000000000000002"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER" "$ZR_QUEUE"
inj a@x.test
send_start
wait_for 20 test -e "$ZR_QUEUE/bad/$bad"
ok 'a damaged envelope is set aside in bad/' test -e "$ZR_QUEUE/bad/$bad"
ok 'and logged' log_has 10 "zr-send: warning: id=$bad ino=[0-9]+ event=damaged action=set-aside to=bad from="
wait_for 20 grep -q '^messages_delivered 1$' "$ZR_QUEUE/stats/counters"
ok 'the good message was delivered' grep -q '^rcpt a@x.test' "$T/rx.log"
wait_for 20 qhas done/delivered 0
is "$(qcount done/delivered)" 0 'past the retention a delivered message is dropped'
ok 'the counters survive it' grep -q '^messages_delivered 1$' "$ZR_QUEUE/stats/counters"
ok 'an old tmp/ file is swept' test ! -e "$ZR_QUEUE/tmp/1795000000.000000.0000000000000001"
ok 'a fresh one is not' test -e "$ZR_QUEUE/tmp/1795000000.000000.0000000000000002"
ok 'an orphaned state file is removed' test ! -e "$ZR_QUEUE/state/$orphan"
ok 'and so is a notification record of that message' test ! -e "$ZR_QUEUE/state/$orphan.dsn-failure-1"
send_stop
done_testing
