#!/bin/bash
# zr-qstat's operations while zr-send runs: a message being delivered is
# not touched; hold, release and retry work with the scheduler.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 9
zr_setup
py_server slow --pipelining --delay-dot 4 --rcpt 'later=451 4.3.0 try later'
control smarthosts "127.0.0.1:$(port_of slow)"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
send_start
qs() { as_user zr-qstat "$@"; }

a=$(printf 'Subject: a\n\nx\n' | as_user zr-inject -v now@x.test)
wait_for 10 test -e "$ZR_QUEUE/active/$a"
is "$?" 0 'a message in delivery is in active/'
qs --hold "$a" 2>/dev/null
is "$?" 3 '--hold of it: exit 3, untouched'
qs --cancel "$a" 2>/dev/null
is "$?" 3 '--cancel of it: exit 3'
log_has 20 "success: .*msg=$a"
is "$?" 0 'and its delivery finishes normally'

d=$(printf 'Subject: d\n\nx\n' | as_user zr-inject -v later@x.test)
wait_for 20 test -e "$ZR_QUEUE/deferred/$d"
is "$?" 0 'a 451 defers a message for 600 s'
qs --hold "$d" >/dev/null
ok '--hold takes it from zr-send'"'"'s schedule' test -e "$ZR_QUEUE/hold/$d"
qs --release "$d" >/dev/null
wait_for 20 sh -c "[ \$(grep -c 'starting delivery [0-9]*: msg [0-9]* .*id=$d' '$T/send.log') -ge 2 ]"
is "$?" 0 '--release: zr-send tries it again at once'
wait_for 20 test -e "$ZR_QUEUE/deferred/$d"
qs --retry all >/dev/null
wait_for 20 sh -c "[ \$(grep -c 'starting delivery [0-9]*: msg [0-9]* .*id=$d' '$T/send.log') -ge 3 ]"
is "$?" 0 '--retry all: and again, woken by the trigger'
wait_for 20 test -e "$ZR_QUEUE/deferred/$d"
qs --check >/dev/null 2>&1
is "$?" 0 'the queue passes --check throughout'
send_stop
done_testing
