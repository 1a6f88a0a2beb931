#!/bin/sh
# zr-bounce's notices to the byte, for a fixed message and state file: the
# text a sender reads and the RFC 3464 fields programs parse are a
# contract. The notice's own id and the time it was made are replaced
# (sed below) before the comparison with tests/golden/.
. "${0%/*}/../lib/harness.sh"
plan 6
zr_setup

ID=1790000000.000001.00000000000000a1
f=$ZR_QUEUE/deferred/$ID
{
	printf 'zr-envelope 1\nid %s\narrival 1790000000\npriority normal\n' "$ID"
	printf 'client 192.0.2.7\nhelo c.x.test\nproto ESMTP\nsender <alice@x.test>\n'
	printf 'envid env+2B1\nret hdrs\n'
	printf 'rcpt <bob@y.test>\nnotify failure,delay\norcpt rfc822;bob@y.test\n'
	printf 'rcpt <carol@y.test>\nrcpt <dave@y.test>\nnotify success\n'
	printf 'data\nMessage-ID: <orig@x.test>\nSubject: hello\n\nbody text\n'
} >"$f"
printf 'zr-state 1\nattempts 2\nnext 1790007200\nlast 1790003600\nrcpt 0 failed 1 mx.y.test:25 550 5.1.1 <bob@y.test>: user unknown\nrcpt 1 deferred 2 mx.y.test:25 451 4.3.0 try later\nrcpt 2 delivered 1 mx.y.test:25 250 2.0.0 ok\n' \
	>"$ZR_QUEUE/state/$ID"
chmod 644 "$f" "$ZR_QUEUE/state/$ID"

# notice KIND KEY OUT: queue one, and write its file with the id and the
# date of now replaced.
notice() {
	_b=$(as_user env TZ=UTC zr-bounce -t "$1" -k "$2" "$ID" 2>"$T/err")
	_rc=$?
	_f=$(find "$ZR_QUEUE/todo" -name "$_b" -type f)
	[ -n "$_b" ] && [ -n "$_f" ] || return 1
	sed -e "s/$_b/BOUNCEID/g" \
		-e 's/^arrival [0-9]*$/arrival NOW/' \
		-e 's/^Date: .*/Date: NOW/' "$_f" >"$3"
	return $_rc
}

ok 'a failure notice is queued' notice failure g1 "$T/failure"
golden bounce-failure.txt "$T/failure" 'the failure notice, envelope and text'
ok 'a delay notice is queued' notice delay g2 "$T/delay"
golden bounce-delay.txt "$T/delay" 'the delay notice'
ok 'a success notice is queued' notice success g3 "$T/success"
golden bounce-success.txt "$T/success" 'the success notice'

done_testing
