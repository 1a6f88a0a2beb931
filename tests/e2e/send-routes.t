#!/bin/sh
# SPDX-License-Identifier: MIT
# Domain routes win over smart hosts: exact domains and .subdomains; one
# message split by route; without any route, recipients defer with a
# reason instead of failing.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 8
zr_setup
py_server rx --pipelining --listen 3
a=$(port_n rx 1) b=$(port_n rx 2) c=$(port_n rx 3)
control domainroutes "# exact, and subdomains
dom.test 127.0.0.1:$a
.sub.test 127.0.0.1:$b"
control smarthosts "127.0.0.1:$c"
control retrybase 3600
printf 'Subject: r\n\nx\n' | as_user zr-inject -v u@dom.test v@deep.sub.test \
	w@other.test x@DOM.TEST >"$T/id"
id=$(cat "$T/id")
send_start
wait_for 20 test -e "$ZR_QUEUE/done/delivered/$id"
ok 'delivered to all three routes' test -e "$ZR_QUEUE/done/delivered/$id"
log=$(cat "$T/send.log")
like "$log" "rcpt=<u@dom.test> host=127.0.0.1:$a" 'exact domain route'
like "$log" "rcpt=<x@DOM.TEST> host=127.0.0.1:$a" 'domains match in any case'
like "$log" "rcpt=<v@deep.sub.test> host=127.0.0.1:$b" '.sub.test covers deeper names'
like "$log" "rcpt=<w@other.test> host=127.0.0.1:$c" 'the rest to the smart host'
ok 'one transaction per route: u and x together' \
	grep -Eq "^data [0-9]+ u@dom.test x@DOM.TEST port=$a" "$T/rx.log"
rm "$ZR_CONTROL/smarthosts"
kill -HUP "$SEND_PID"
log_has 10 'event=controls-reread'
printf 'Subject: r\n\nx\n' | as_user zr-inject -v n@nowhere.test >"$T/id2"
id2=$(cat "$T/id2")
wait_for 20 test -e "$ZR_QUEUE/deferred/$id2"
ok 'no route and no DNS answer: deferred, not failed' test -e "$ZR_QUEUE/deferred/$id2"
ok 'with the reason in its state' grep -q '4\.4\.3 temporary DNS failure' "$ZR_QUEUE/state/$id2"
send_stop
done_testing
