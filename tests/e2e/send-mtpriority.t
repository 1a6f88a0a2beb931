#!/bin/bash
# SPDX-License-Identifier: MIT
# MT-PRIORITY (RFC 6710) end to end: the value a relay client gives is kept
# in the envelope, and zr-remote passes it on to a next hop that offers the
# extension, and only to one that does. Both hops are zr-smtpd.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
[ -x "$ZR_BIN/zr-smtpd" ] || skip_all 'zr-smtpd is not built here'
command -v swaks >/dev/null || skip_all 'swaks is not installed'
plan 9
zr_setup
echo yes >"$ZR_CONTROL/mtpriority"

# hop NAME: a second queue and control directory, named NAME.
hop() {
	mkdir -p "$T/$1.control"
	ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$T/$1.queue"
	echo "$1.test" >"$T/$1.control/me"
	[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" \
		"$T/$1.queue" "$T/$1.control"
}
hop with
echo yes >"$T/with.control/mtpriority"
hop without

smtpd_start ZR_QUEUE="$ZR_QUEUE" ZR_CONTROL="$ZR_CONTROL" RELAYCLIENT=
IN=$TCP_PORT
smtpd_start ZR_QUEUE="$T/with.queue" ZR_CONTROL="$T/with.control" RELAYCLIENT=
WITH=$TCP_PORT
smtpd_start ZR_QUEUE="$T/without.queue" ZR_CONTROL="$T/without.control" RELAYCLIENT=
WITHOUT=$TCP_PORT
control domainroutes "with.test 127.0.0.1:$WITH
without.test 127.0.0.1:$WITHOUT"

# swaks writes "MAIL FROM:<FROM>"; this FROM adds the parameter.
swaks --server "127.0.0.1:$IN" --from 'a@x.test> MT-PRIORITY=5 AUTH=<' \
	--to u@with.test,u@without.test --header 'Subject: mt' \
	>"$T/swaks.out" 2>&1
f=$(find "$ZR_QUEUE/todo" -type f | head -n 1)
ok 'the relay client is heard: the message is queued urgent' \
	sh -c "test -n '$f' && grep -q '^priority urgent$' '$f'"
ok 'and its envelope keeps the value to pass on' grep -q '^mtpriority 5$' "$f"

send_start
wait_for 20 sh -c "find '$T/with.queue/todo' '$T/without.queue/todo' -type f | grep -q . &&
	test \"\$(find '$T/with.queue/todo' '$T/without.queue/todo' -type f | wc -l)\" = 2"
w=$(find "$T/with.queue/todo" -type f | head -n 1)
wo=$(find "$T/without.queue/todo" -type f | head -n 1)
ok 'a next hop that offers MT-PRIORITY got the message' test -n "$w"
ok 'with MT-PRIORITY=5: urgent there too' sh -c "test -n '$w' &&
	grep -q '^priority urgent$' '$w' && grep -q '^mtpriority 5$' '$w'"
ok 'a next hop without the extension got it as well' test -n "$wo"
ok 'without the parameter, which it would refuse' sh -c "test -n '$wo' &&
	! grep -q '^mtpriority' '$wo' && grep -q '^priority normal$' '$wo'"
send_stop

# A value set by the operator's rules is not an MT-PRIORITY to pass on.
echo 'sender @x.test low' >"$ZR_CONTROL/priorityrules"
chmod 644 "$ZR_CONTROL/priorityrules"
swaks --server "127.0.0.1:$IN" --from 'b@x.test> MT-PRIORITY=5 AUTH=<' \
	--to u@with.test --header 'Subject: rule' >"$T/swaks2.out" 2>&1
f=$(grep -l '^sender <b@x.test>$' $(find "$ZR_QUEUE/todo" -type f) /dev/null | head -n 1)
ok 'a rule decides: low' sh -c "test -n '$f' && grep -q '^priority low$' '$f'"
ok 'and no MT-PRIORITY is kept for it' sh -c "test -n '$f' && ! grep -q '^mtpriority' '$f'"
ok 'the log names the priority' grep -q 'priority=low' "$T/.tcpserver.1.err"
done_testing
