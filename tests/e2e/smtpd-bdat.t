#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: CHUNKING (RFC 3030) in raw sessions. BDAT in chunks and with
# BDAT 0 LAST; a refused chunk resets the transaction, so the chunks after
# it are refused too and a new transaction works; BDAT without MAIL/RCPT
# and after DATA is refused and its chunk still read, so what hides in it
# never runs; BDAT and DATA do not mix; a size over control/databytes is
# refused without storing a byte.
. "${0%/*}/../lib/harness.sh"
plan 25
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo 100 >"$ZR_CONTROL/databytes"
if [ "$(id -u)" = 0 ]; then
	tcpserver_start setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$ZR_BIN/zr-smtpd"
else
	tcpserver_start "$ZR_BIN/zr-smtpd"
fi
C="python3 ${0%/*}/smtpd-client.py $TCP_PORT"
TX='3:MAIL FROM:<a@b.test>\r\nRCPT TO:<x@example.com>\r\nNOOP\r\n'
codes() { echo "$1" | grep -v '^250-' | cut -c1-3 | tr '\n' ' '; }
only() { find "$ZR_QUEUE/todo/normal" -type f; }
clean() { rm -f "${ZR_QUEUE:?}"/todo/normal/*; }

out=$($C '1:EHLO c.test\r\n' '1:QUIT\r\n')
like "$out" '^250-CHUNKING$' 'EHLO offers CHUNKING'

# Two chunks; a CRLF split between them is still one line end.
out=$($C '1:EHLO c.test\r\n' "$TX" '1:BDAT 13\r\nSubject: two\r' \
	'1:BDAT 9 LAST\r\n\n\r\nbody\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 250 250 221 ' 'two chunks: 250, then queued'
like "$out" '^250 2\.0\.0 Ok: queued as ' 'the LAST chunk is answered with the queue id'
f=$(only)
ok 'the header field is a line' grep -qx 'Subject: two' "$f"
is "$(sed '1,/^Subject: two$/d' "$f" | tr '\n' '|')" '|body|' 'the content as sent, CRLF stored as LF'
clean

# BDAT 0 LAST ends a message sent in earlier chunks; dots are not special.
out=$($C '1:EHLO c.test\r\n' "$TX" '1:BDAT 24\r\nSubject: z\r\n\r\n.\r\n..two\r\n' \
	'1:BDAT 0 LAST\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 250 250 221 ' 'BDAT 0 LAST ends the message'
f=$(only)
is "$(sed '1,/^Subject: z$/d' "$f" | tr '\n' '|')" '|.|..two|' 'no dot is removed from a chunk'
clean

# A refused chunk (a NUL) resets the transaction: the pipelined chunk after
# it is refused and read, and its hidden command does not run; then a new
# transaction in the same session is queued.
out=$($C '1:EHLO c.test\r\n' "$TX" \
	'2:BDAT 5\r\na\x00b\r\nBDAT 28 LAST\r\nRCPT TO:<evil@example.com>\r\n' \
	"$TX" '1:BDAT 16 LAST\r\nSubject: again\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 554 503 250 250 250 250 221 ' \
	'refused chunk: 554, the next chunk 503, then a new transaction is queued'
like "$out" '^554 5\.6\.0 ' 'the refused chunk gets the reply DATA would give'
like "$out" '^503 5\.5\.1 Need MAIL' 'after it, there is no transaction'
is "$(qcount todo/normal)" 1 'one message queued'
f=$(only)
ok 'it is the new one' grep -qx 'Subject: again' "$f"
ok 'the chunk hidden command never ran' sh -c "! grep -rq 'evil@' '$ZR_QUEUE'"
clean

# BDAT without MAIL, and after RCPT-less MAIL: refused, the chunk read.
out=$($C '1:EHLO c.test\r\n' '1:BDAT 6\r\nNOOP\r\n' '1:MAIL FROM:<a@b.test>\r\n' \
	'1:BDAT 6 LAST\r\nQUIT\r\n' '1:NOOP\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 503 250 503 250 221 ' 'without MAIL or RCPT: 503, chunk consumed, in step'
like "$out" '^503 5\.5\.1 Need RCPT' 'MAIL without RCPT: need RCPT'

# After a message sent with DATA, BDAT is no part of it.
out=$($C '1:EHLO c.test\r\n' "$TX" '1:DATA\r\n' '1:Subject: d\r\n\r\n.\r\n' \
	'1:BDAT 6 LAST\r\nQUIT\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 354 250 503 221 ' 'BDAT after DATA: 503, its chunk read'
is "$(qcount todo/normal)" 1 'only the DATA message queued'
clean

# DATA in the middle of a chunked message: refused, the transaction reset.
out=$($C '1:EHLO c.test\r\n' "$TX" '1:BDAT 4\r\nab\r\n' '1:DATA\r\n' \
	'1:BDAT 4 LAST\r\ncd\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 250 503 503 221 ' 'DATA after BDAT: 503, then no transaction'
like "$out" '^503 5\.5\.1 BDAT and DATA do not mix' 'the reply says why'
is "$(qcount todo/normal)" 0 'nothing queued'
ok 'no file is left in tmp/' test "$(qcount tmp)" = 0

# Sizes over control/databytes (100): refused before a byte is stored.
big=$(printf 'x%.0s' $(seq 1 200))
out=$($C '1:EHLO c.test\r\n' "$TX" "1:BDAT 200 LAST\\r\\n$big" '1:NOOP\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 552 250 221 ' 'one chunk over the limit: 552, in step'
half=$(printf 'y%.0s' $(seq 1 60))
out=$($C '1:EHLO c.test\r\n' "$TX" "1:BDAT 60\\r\\n$half" "1:BDAT 60 LAST\\r\\n$half" \
	'1:NOOP\r\n' '1:QUIT\r\n')
is "$(codes "$out")" '220 250 250 250 250 250 552 250 221 ' 'chunks that add up over it: 552 for the one that would'
is "$(qcount todo/normal)/$(qcount tmp)" 0/0 'nothing queued, nothing left in tmp/'

# A BDAT line without a size cannot be followed: 501 and the end.
out=$($C '1:EHLO c.test\r\n' '1:BDAT x\r\n' '1:NOOP\r\n')
like "$out" '^501 5\.5\.4 Syntax: BDAT' 'BDAT without a size: 501'
done_testing
