#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: a queue that cannot take the message (a full disk, no
# permission) answers 451 4.3.0 and leaves nothing visible or half-written.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
[ "$(id -u)" = 0 ] || skip_all 'needs root to mount a small tmpfs'
zr_setup
mkdir "$T/small"
mount -t tmpfs -o size=256k,mode=755 tmpfs "$T/small" 2>/dev/null ||
	skip_all 'cannot mount tmpfs here'
trap 'umount "$T/small" 2>/dev/null; _cleanup' EXIT
plan 12
ZR_QUEUE=$T/small/queue
export ZR_QUEUE
ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$ZR_QUEUE"
chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$ZR_QUEUE"
echo example.com >"$ZR_CONTROL/localdomains"
echo 0 >"$ZR_CONTROL/databytes"
smtpd_start
C="python3 ${0%/*}/smtpd-client.py $TCP_PORT"
python3 -c "import sys; sys.stdout.write('Subject: big\r\n\r\n' + ('d' * 98 + '\r\n') * 5000 + '.\r\n')" >"$T/big"

out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	"1:@$T/big" '1:NOOP\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 354 451 250 221 ' '500 KB into a 256 KB queue: 451 after the dot, in step'
like "$out" '^451 4\.3\.0 ' '451 4.3.0'
is "$(qfiles | wc -l | tr -d ' ')" 0 'nothing visible in the queue'
is "$(qcount tmp)" 0 'nothing left in tmp/'
like "$(cat "$T"/.tcpserver.*.err)" 'unable to write a message in .*" error="No space left on device"' \
	'the cause is logged'

like "$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test> SIZE=1000000\r\n' '1:QUIT\r\n')" \
	'^452 4\.3\.1 ' 'SIZE beyond the free space: 452 4.3.1 at MAIL'

# The same server takes a message that fits.
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:Subject: small\r\n\r\nfits\r\n.\r\n' '1:QUIT\r\n')
like "$out" '^250 2\.0\.0 Ok: queued' 'a small message still goes in'
is "$(qcount todo/normal)" 1 'and is visible'

# No permission to create in tmp/: 451 at DATA, before any data.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
chmod 500 "$ZR_QUEUE/tmp"
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:RSET\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 451 250 221 ' 'unwritable tmp/: 451 instead of 354'
is "$(qfiles | wc -l | tr -d ' ')" 0 'nothing visible'
chmod 700 "$ZR_QUEUE/tmp"

# No permission to rename into todo/normal: 451 after the dot, tmp/ clean.
chmod 500 "$ZR_QUEUE/todo/normal"
out=$($C '1:EHLO c.test\r\n' '3:MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n' \
	'1:Subject: x\r\n\r\nx\r\n.\r\n' '1:QUIT\r\n')
like "$out" '^451 4\.3\.0 ' 'unwritable todo/normal: 451 4.3.0'
chmod 700 "$ZR_QUEUE/todo/normal"
is "$(qfiles | wc -l | tr -d ' ')$(qcount tmp)" 00 'nothing visible, nothing left in tmp/'
done_testing
