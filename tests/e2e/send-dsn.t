#!/bin/bash
# DSN end to end: the request goes on to a next hop that offers DSN (and
# zr then stays silent); a next hop without DSN makes zr report "relayed".
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 8
zr_setup
mkdir -p "$T/mail" && chmod 777 "$T/mail"
touch "$T/dsn.log" "$T/plain.log"; chmod 666 "$T/dsn.log" "$T/plain.log"
RAW_LOG=$T/dsn.log tcpserver_start /usr/bin/python3 "$ZR_ROOT/tests/e2e/remote-raw.py" dsn
DSN_PORT=$TCP_PORT
RAW_LOG=$T/plain.log tcpserver_start /usr/bin/python3 "$ZR_ROOT/tests/e2e/remote-raw.py" plain
PLAIN_PORT=$TCP_PORT
printf 'dsn.test 127.0.0.1:%s\nplain.test 127.0.0.1:%s\n' "$DSN_PORT" "$PLAIN_PORT" >"$ZR_CONTROL/domainroutes"
control localdomains relay.test
control localroot "$T/mail"
chmod 644 "${ZR_CONTROL:?}"/*
send_start

printf 'Subject: dsn\n\nbody\n' | as_user zr-inject -f alice@relay.test \
	-N success,failure -R hdrs -V 'env+1' bob@dsn.test
log_has 20 'success: .*rcpt=<bob@dsn.test>'
is "$?" 0 'delivered to the next hop that offers DSN'
like "$(cat "$T/dsn.log")" '^MAIL FROM:<alice@relay.test> RET=HDRS ENVID=env\+2B1$' 'MAIL carries RET and ENVID'
like "$(cat "$T/dsn.log")" '^RCPT TO:<bob@dsn.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@dsn.test$' 'RCPT carries NOTIFY and ORCPT'
like "$(cat "$T/send.log")" 'rcpt=<bob@dsn.test> host=127\.0\.0\.1:[0-9]+ tls=none dsn=yes' 'the log says the request went on'

printf 'Subject: no dsn\n\nbody\n' | as_user zr-inject -f alice@relay.test \
	-N success carol@plain.test
log_has 20 'success: .*rcpt=<carol@plain.test>'
is "$(grep -c 'NOTIFY' "$T/plain.log")" 0 'no DSN parameters to a server without DSN'
wait_for 20 sh -c "grep -l 'Action: relayed' '$T'/mail/alice/new/* 2>/dev/null | grep -q ."
is "$?" 0 'without DSN at the next hop, zr reports "relayed" itself'
f=$(grep -l 'Action: relayed' "$T"/mail/alice/new/* | head -n 1)
like "$(cat "$f")" '^Final-Recipient: rfc822;carol@plain.test$' 'about carol'
is "$(grep -l 'bob@dsn.test' "$T"/mail/alice/new/* 2>/dev/null | wc -l | tr -d ' ')" 0 'and nothing about bob, whose next hop reports'
send_stop
done_testing
