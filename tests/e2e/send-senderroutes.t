#!/bin/sh
# SPDX-License-Identifier: MIT
# control/senderroutes: two receivers chosen by the envelope sender (a
# full address before its domain's @domain line), the smart host for
# other senders and for bounces, local domains and domain routes before
# sender routes, the route in the log and the host in zr-qstat -l and its
# JSON; a malformed line refuses the file at start, and on SIGHUP the old
# routes stay.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 17
zr_setup
py_server rx --pipelining --listen 4 --rcpt 'later=451 4.3.0 try later'
a=$(port_n rx 1) b=$(port_n rx 2) c=$(port_n rx 3) d=$(port_n rx 4)
control smarthosts "127.0.0.1:$c"
control domainroutes "dom.test 127.0.0.1:$d"
control senderroutes "# the application first, then its domain
app@corp.test 127.0.0.1:$a
@corp.test 127.0.0.1:$b priority=5
@.corp.test 127.0.0.1:$b"
control retrybase 3600
mkdir -p "$T/mail" && chmod 777 "$T/mail"
control localdomains relay.test
control localroot "$T/mail"
# inj_from SENDER RCPT...: queue a message, its id in $T/id.
inj_from() {
	_f=$1
	shift
	printf 'Subject: s\n\nx\n' | as_user zr-inject -f "$_f" -v "$@" >"$T/id"
	cat "$T/id"
}
delivered() {
	test -e "$ZR_QUEUE/done/delivered/$1"
}
send_start
i1=$(inj_from app@corp.test u1@out.test)
i2=$(inj_from Bob@Corp.test u2@out.test)
i3=$(inj_from carol@eu.corp.test u3@out.test)
i4=$(inj_from dave@else.test u4@out.test)
i5=$(inj_from bob@corp.test u5@dom.test)
i9=$(inj_from bob@corp.test alice@relay.test)
for i in $i1 $i2 $i3 $i4 $i5 $i9; do
	wait_for 20 delivered "$i"
done
ok 'all five delivered' sh -c "for i in $i1 $i2 $i3 $i4 $i5; do test -e '$ZR_QUEUE/done/delivered/'\$i || exit 1; done"
has_data() {
	grep -Eq "^data [0-9]+ $1 port=$2 " "$T/rx.log"
}
ok 'the full address took its own receiver' has_data u1@out.test "$a"
ok '@corp.test, the sender in another case, the second receiver' \
	has_data u2@out.test "$b"
ok '@.corp.test: a subdomain sender too' has_data u3@out.test "$b"
ok 'another sender: the smart host' has_data u4@out.test "$c"
ok 'a domain route comes before the sender route' has_data u5@dom.test "$d"
ok 'and a local domain too: delivered here' sh -c \
	"test -e '$ZR_QUEUE/done/delivered/$i9' && ls '$T/mail/alice/new' | grep -q ."
like "$(cat "$T/send.log")" \
	"starting delivery [0-9]+: msg [0-9]+ to remote u1@out\.test host=127\.0\.0\.1:$a route=sender:app@corp\.test id=$i1" \
	'the log names the sender route'
ok 'and no route= for the smart host' \
	sh -c "grep 'to remote u4@out.test' '$T/send.log' | grep -vq 'route='"

i6=$(inj_from bob@corp.test later@out.test)
wait_for 20 test -e "$ZR_QUEUE/deferred/$i6"
ok 'a deferral at the sender route' test -e "$ZR_QUEUE/deferred/$i6"
like "$(as_user zr-qstat -l)" "^$i6 .*<later@out\.test> host=127\.0\.0\.1:$b\$" \
	'zr-qstat -l shows the host the sender route chose'
is "$(as_user zr-qstat -l --json | python3 -c '
import json, sys
print([r["host"] for m in json.load(sys.stdin) for r in m["recipients"]
       if r["address"] == "later@out.test"][0])')" "127.0.0.1:$b" \
	'and so does its JSON'

control senderroutes "@corp.test 127.0.0.1:$b
corp.test 127.0.0.1:$c"
kill -HUP "$SEND_PID"
log_has 10 'unable to reread controls: senderroutes:2: bad sender'
like "$(grep 'unable to reread' "$T/send.log")" \
	"alert: unable to reread controls: senderroutes:2: bad sender \(an address, @domain or @\.domain\): corp\.test; keeping the old ones" \
	'SIGHUP with a malformed line: refused, file and line named'
i7=$(inj_from app@corp.test u7@out.test)
wait_for 20 delivered "$i7"
ok 'the old sender routes stay in force' has_data u7@out.test "$a"
send_stop

out=$(as_user zr-send 2>&1 </dev/null)
is "$?" 111 'zr-send refuses to start with the malformed file'
like "$out" 'fatal: .*senderroutes:2: bad sender' 'and says where'

control senderroutes "@corp.test 127.0.0.1:$b"
send_start
printf 'Subject: s\n\nx\n' | as_user zr-inject -f '' -v u8@out.test >"$T/id"
i8=$(cat "$T/id")
wait_for 20 delivered "$i8"
ok 'the null sender is no sender route: the smart host' has_data u8@out.test "$c"
send_stop
done_testing
