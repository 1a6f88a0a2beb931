#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-inject and SMTPUTF8 (RFC 6531): UTF-8 addresses are taken when
# well-formed and mark the message as needing SMTPUTF8, as a UTF-8 header
# does; malformed UTF-8 is a bad address; other 8-bit header text (an old
# charset) is queued as before, without the mark.
. "${0%/*}/../lib/harness.sh"
plan 9
zr_setup
inject() { as_user zr-inject "$@"; }
only() { find "$ZR_QUEUE/todo/normal" -type f; }
clean() { rm -f "${ZR_QUEUE:?}"/todo/normal/*; }

printf 'Subject: x\n\nbody\n' | inject -f 'jörg@bücher.test' '用户@example.test'
is "$?" 0 'UTF-8 sender and recipient are taken'
f=$(only)
ok 'the envelope needs SMTPUTF8' grep -qx 'smtputf8 yes' "$f"
ok 'the recipient is intact' grep -qx 'rcpt <用户@example.test>' "$f"
ok 'the sender is intact' grep -qx 'sender <jörg@bücher.test>' "$f"
clean

printf 'Subject: Grüße\n\nbody\n' | inject a@example.test
ok 'a UTF-8 header field alone marks it too' grep -qx 'smtputf8 yes' "$(only)"
clean

printf 'Subject: Gr\374\337e\n\nbody\n' | inject a@example.test
f=$(only)
ok 'a Latin-1 header is queued' test -n "$f"
ok 'without the mark, as before' sh -c "! grep -q smtputf8 '$f'"
clean

printf 'Subject: plain\n\nbody\n' | inject a@example.test
ok 'an ASCII message has no mark' sh -c "! grep -q smtputf8 '$(only)'"
clean

printf 'Subject: x\n\nbody\n' | inject "$(printf 'j\355\240\200@example.test')" 2>/dev/null
is "$?" 64 'a malformed UTF-8 address (a surrogate) is a usage error'
done_testing
