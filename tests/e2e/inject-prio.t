#!/bin/sh
# zr-inject: control/priorityrules decide before -p and the header fields;
# a malformed rules file keeps the message out of the queue (exit 75).
. "${0%/*}/../lib/harness.sh"
plan 10
zr_setup

inject() { as_user zr-inject "$@"; }
only() { find "$ZR_QUEUE/todo/$1" -type f; }
clear_queue() { find "${ZR_QUEUE:?}" -path "$ZR_QUEUE/lock" -prune -o -type f -exec rm -f {} +; }

cat >"$ZR_CONTROL/priorityrules" <<'R'
# the product's example
sender @vip.test urgent
rcpt @.bulk.test low
client 127.0.0.0/8 high
authuser nobody high
R
printf 'Subject: x\n\nb\n' | inject -f ceo@vip.test a@x.test
ok 'sender @vip.test urgent: todo/urgent' test -n "$(only urgent)"
like "$(cat "$(only urgent)")" '^priority urgent$' 'the envelope says urgent'
clear_queue

printf 'Subject: x\n\nb\n' | inject -f a@x.test a@x.test news@list.bulk.test
ok 'rcpt @.bulk.test low: one recipient is enough' test -n "$(only low)"
clear_queue

printf 'X-Priority: 1\n\nb\n' | inject -f ceo@vip.test -p low a@x.test
ok 'the rule wins over -p and X-Priority' test -n "$(only urgent)"
clear_queue

printf 'X-Priority: 1\n\nb\n' | inject -f a@x.test a@x.test
ok 'no rule: X-Priority 1 is honoured' test -n "$(only urgent)"
clear_queue

printf 'Subject: x\n\nb\n' | inject -f a@x.test -p high a@x.test
ok 'no rule: -p is honoured' test -n "$(only high)"
clear_queue

printf 'Subject: x\n\nb\n' | inject -f a@x.test a@x.test
ok 'client and authuser rules do not apply to a local submission' \
	test -n "$(only normal)"
clear_queue

echo 'sender @vip.test superurgent' >>"$ZR_CONTROL/priorityrules"
printf 'Subject: x\n\nb\n' | inject -f a@x.test a@x.test 2>"$T/err"
is "$?" 75 'a malformed rules file: exit 75, try again later'
like "$(cat "$T/err")" 'bad control/priorityrules entry 5' 'the line is named'
is "$(qfiles | wc -l | tr -d ' ')" 0 'and nothing was queued'
done_testing
