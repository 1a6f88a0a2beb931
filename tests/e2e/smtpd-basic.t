#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: the protocol with real clients (swaks, smtp-source) and raw
# bytes: reply codes, the envelope and content queued, pipelining.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
plan 39
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
smtpd_start
P=$TCP_PORT
C="python3 ${0%/*}/smtpd-client.py $P"

out=$(swaks --server 127.0.0.1:$P --from alice@sender.test \
	--to bob@example.com --header 'Subject: hello' --body 'line one
.leading dot
last' 2>&1)
like "$out" '<-  250 2.0.0 Ok: queued as [0-9]{10}\.[0-9]{6}\.[0-9a-f]{16}' \
	'swaks: message queued, 250 names the id'
is "$(qcount todo/normal)" 1 'one file in todo/normal'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
id=${f##*/}
ok 'envelope: version line first' test "$(head -n 1 "$f")" = "zr-envelope 1"
ok 'envelope: sender' grep -qx 'sender <alice@sender.test>' "$f"
ok 'envelope: recipient' grep -qx 'rcpt <bob@example.com>' "$f"
ok 'envelope: client and proto' sh -c "grep -qx 'client 127.0.0.1' '$f' && grep -qx 'proto ESMTP' '$f'"
ok 'Received: is the first content line, names the id' \
	sh -c "sed -n '/^data\$/{n;p;q}' '$f' | grep -q '^Received: from '"
ok 'Received: has the id and protocol' grep -q "with ESMTP id $id;" "$f"
ok 'content stored with LF, no CR' sh -c "! grep -q \"\$(printf '\\r')\" '$f'"
ok 'dot-unstuffing: ".leading dot" stored as ".leading dot"' \
	grep -qx '.leading dot' "$f"
ok 'nothing left in tmp/' test "$(qcount tmp)" = 0

# DSN parameters go into the envelope.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$($C '1:EHLO c.test\r\n' \
	'1:MAIL FROM:<> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=a+2Bb\r\n' \
	'1:RCPT TO:<x@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+40example.com\r\n' \
	'1:DATA\r\n' '1:Subject: dsn\r\n\r\n..two\r\n.\r\n' '1:QUIT\r\n')
like "$out" '^250 2\.1\.0' 'null sender with SIZE BODY RET ENVID accepted'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'null sender stored as <>' grep -qx 'sender <>' "$f"
ok 'ret, envid, body stored' sh -c "grep -qx 'ret hdrs' '$f' && grep -qx 'envid a+2Bb' '$f' && grep -qx 'body 8bitmime' '$f'"
ok 'notify and orcpt stored as received' sh -c "grep -qx 'notify success,failure' '$f' && grep -qx 'orcpt rfc822;x+40example.com' '$f'"
ok 'double dot unstuffed' grep -qx '.two' "$f"

# Reply codes of the commands.
out=$($C '1:NOOP\r\n' '1:MAIL FROM:<a@b.test>\r\n' '1:HELO c.test\r\n' \
	'1:VRFY bob\r\n' '1:HELP\r\n' '1:FOO\r\n' '1:RCPT TO:<a@example.com>\r\n' \
	'1:DATA\r\n' '1:MAIL FROM:<a@b.test> SIZE=10\r\n' '1:MAIL FROM:a@b.test\r\n' \
	'1:RSET\r\n' '1:QUIT\r\n')
is "$(echo "$out" | cut -c1-3 | tr '\n' ' ')" \
	'220 250 503 250 252 214 500 503 503 555 501 250 221 ' \
	'codes: NOOP, MAIL before HELO, HELO, VRFY, HELP, unknown, RCPT/DATA out of order, ESMTP param after HELO, bad syntax, RSET, QUIT'
like "$out" '^503 5\.5\.1 Send HELO' '503 5.5.1 before HELO'
like "$out" '^500 5\.5\.1 ' 'unknown command: 500 5.5.1'
like "$out" '^221 2\.0\.0' 'QUIT: 221 2.0.0'
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test> FOO=1\r\n' \
	'1:MAIL FROM:<a@b.test> SIZE=1 SIZE=2\r\n' '1:MAIL FROM:<a@b.test> SIZE=\r\n' \
	'1:MAIL FROM:<a@b.test> SIZE=99999999999999999999999\r\n' \
	'1:MAIL FROM:<a@b.test> ENVID=a+0Ab\r\n' '1:MAIL FROM:<a@b.test> BODY=9BIT\r\n' \
	'1:MAIL FROM:<a@b.test> AUTH=<>\r\n' '1:MAIL FROM:<c@b.test>\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 555 501 501 501 501 501 250 503 221 ' \
	'MAIL parameters: unknown 555; duplicate, empty, overflow, control xtext, bad BODY 501; nested MAIL 503'
ehlo=$out
out=$($C '1:EHLO c.test\r\n' '1:MAIL FROM:<a@b.test>\r\n' \
	'1:RCPT TO:<x@example.com> NOTIFY=NEVER,SUCCESS\r\n' \
	'1:RCPT TO:<x@example.com> ORCPT=rfc822;a+0Db\r\n' \
	'1:RCPT TO:<x@example.com> NOTIFY=DELAY NOTIFY=DELAY\r\n' \
	'1:RCPT TO:<x@example.com> XYZ\r\n' '1:RCPT TO:<>\r\n' '1:QUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 501 501 501 555 501 221 ' \
	'RCPT parameters: NOTIFY=NEVER with more, control xtext, duplicate 501; unknown 555; <> 501'
out=$ehlo
like "$out" '^250-PIPELINING' 'EHLO offers PIPELINING'
like "$out" '^250-SIZE 10485760' 'EHLO offers SIZE with the default limit'
like "$out" '^250-8BITMIME' 'EHLO offers 8BITMIME'
like "$out" '^250-ENHANCEDSTATUSCODES' 'EHLO offers ENHANCEDSTATUSCODES'
like "$out" '^250 DSN' 'EHLO offers DSN'

# Pipelining: a whole transaction in one write, replies in order.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
out=$($C '1:EHLO c.test\r\n' \
	'3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nRCPT TO:<y@example.com>\r\n' \
	'1:DATA\r\n' '2:Subject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n')
is "$(echo "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 250 250 354 250 221 ' 'pipelined commands answered in order'
is "$(qcount todo/normal)" 1 'pipelined message queued once'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
is "$(grep -c '^rcpt ' "$f")" 2 'both recipients in the envelope'

# swaks with --pipeline and a --data file.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
printf 'Subject: from a file\r\n\r\nfile body\r\n' >"$T/data.eml"
out=$(swaks --server 127.0.0.1:$P --pipeline --from a@b.test \
	--to c@example.com,d@example.com --data "$T/data.eml" 2>&1)
like "$out" '<-  250 2\.0\.0 Ok: queued' 'swaks --pipeline --data: queued'
like "$out" '<\*\* 250 2\.1\.5|<-  250 2\.1\.5' 'recipients accepted'
f=$(find "$ZR_QUEUE/todo/normal" -type f)
ok 'the file content is stored' grep -qx 'file body' "$f"
is "$(grep -c '^rcpt ' "$f")" 2 'two recipients from one pipelined group'

# smtp-source: several sessions, one message each.
rm -f "${ZR_QUEUE:?}"/todo/normal/*
ok 'smtp-source -s 4 -m 20 completes' smtp-source -s 4 -m 20 -l 2000 \
	-f a@b.test -t r@example.com 127.0.0.1:$P
is "$(qcount todo/normal)" 20 'smtp-source: 20 messages queued'
log=$(cat "$T"/.tcpserver.*.err)
like "$log" 'zr-smtpd: info: id=[0-9.a-f]+ client=127\.0\.0\.1 helo=[^ ]+ from=<a@b\.test> to=<r@example\.com> size=[0-9]+ priority=normal result=queued' \
	'one log line per message'
like "$log" 'zr-smtpd: info: event=end client=127\.0\.0\.1 helo=[^ ]+ msgs=1 result=quit' \
	'one log line per connection'
ok 'log holds no message body' sh -c "! grep -q 'leading dot' '$(ls "$T"/.tcpserver.*.err | head -1)'"
done_testing
