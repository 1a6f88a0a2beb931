#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-inject completes what local programs leave short: cron-style
# `sendmail -t -oi` with "From: root" and "To: someone" queues
# root@DEFAULTDOMAIN and someone@DEFAULTDOMAIN, in the header and the
# envelope; a From: it writes carries the passwd full name; a resent
# message goes to its Resent- recipients, and Resent-Bcc is removed.
. "${0%/*}/../lib/harness.sh"
plan 17
zr_setup
echo example.org >"$ZR_CONTROL/defaultdomain"
mkdir -p "$T/bin"
ln -s "$ZR_BIN/zr-inject" "$T/bin/sendmail"
only() { find "$ZR_QUEUE/todo/normal" -type f; }
clean() { rm -f "${ZR_QUEUE:?}"/todo/normal/*; }
body_of() { sed '1,/^data$/d' "$1"; }

printf 'From: root (Cron Daemon)\nTo: someone\nCc: Other One <other>, x@elsewhere.test\nReply-To: ops\nSubject: Cron <root@host> run-parts\n\nall done\n' |
	as_user "$T/bin/sendmail" -t -oi
is "$?" 0 'sendmail -t -oi queues the cron message'
f=$(only)
b=$(body_of "$f")
like "$b" '^From: root@example\.org \(Cron Daemon\)$' 'From: root gets control/defaultdomain'
like "$b" '^To: someone@example\.org$' 'so does To:'
like "$b" '^Cc: Other One <other@example\.org>, x@elsewhere\.test$' 'Cc: an angle address gets it, a full address is kept'
like "$b" '^Reply-To: ops@example\.org$' 'Reply-To: too'
like "$b" '^Subject: Cron <root@host> run-parts$' 'other fields are left alone'
like "$(cat "$f")" '^rcpt <someone@example\.org>$' 'the envelope recipient is qualified the same way'
like "$(cat "$f")" '^rcpt <other@example\.org>$' 'and the Cc one'
like "$(cat "$f")" '^sender <nobody@example\.org>$' 'the envelope sender: the user at defaultdomain'
clean

# A From: written by zr-inject has the GECOS full name (nobody's is "nobody").
printf 'Subject: x\n\nbody\n' | as_user zr-inject a@x.test
like "$(body_of "$(only)")" '^From: nobody <nobody@example\.org>$' 'a From: it writes carries the passwd full name'
clean
printf 'Subject: x\n\nbody\n' | as_user zr-inject -F 'Backup Job' a@x.test
like "$(body_of "$(only)")" '^From: Backup Job <nobody@example\.org>$' '-F wins over GECOS'
clean

# A resent message: Resent-To/Cc/Bcc are the recipients, Resent-Bcc goes.
printf 'From: a@x.test\nTo: first@x.test\nResent-From: b@x.test\nResent-To: again\nResent-Bcc: hidden@x.test\nSubject: fwd\n\nbody\n' |
	as_user "$T/bin/sendmail" -t -oi
f=$(only)
like "$(cat "$f")" '^rcpt <again@example\.org>$' 'Resent-To: is a recipient (qualified)'
like "$(cat "$f")" '^rcpt <hidden@x\.test>$' 'Resent-Bcc: is a recipient'
ok 'To: of the first sending is not' sh -c "! grep -q '^rcpt <first@x.test>' '$f'"
ok 'Resent-Bcc: is removed from the header' sh -c "! grep -qi '^Resent-Bcc:' '$f'"
like "$(body_of "$f")" '^Resent-To: again@example\.org$' 'Resent-To: is qualified in the header'
clean

# Without control/defaultdomain, control/me.
rm -f "$ZR_CONTROL/defaultdomain"
printf 'From: root\nTo: someone\n\nbody\n' | as_user "$T/bin/sendmail" -t -oi
like "$(body_of "$(only)")" '^From: root@relay\.test$' 'the default domain is control/me'
done_testing
