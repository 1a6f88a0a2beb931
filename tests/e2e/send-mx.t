#!/bin/bash
# zr-send routing beyond smart hosts: MX through a private dnsmasq, local
# domains through zr-local, and notifications through zr-bounce.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
command -v dnsmasq >/dev/null || skip_all 'dnsmasq is not installed'
plan 20
zr_setup

DNS_PORT=$(free_port)
SINK_PORT=$(free_port)
bg /usr/sbin/dnsmasq --keep-in-foreground --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --local=/test/ \
	--local-ttl=300 --pid-file= --user= --port="$DNS_PORT" \
	--log-queries --log-facility="$T/dns.log" \
	--mx-host=mx.test,mx1.mx.test,10 --mx-host=mx.test,mx2.mx.test,20 \
	--host-record=mx1.mx.test,127.0.0.2 --host-record=mx2.mx.test,127.0.0.3 \
	--mx-host=down.test,dead.down.test,10 --mx-host=down.test,mx1.mx.test,20 \
	--host-record=dead.down.test,127.0.0.5 \
	--host-record=implicit.test,127.0.0.4 \
	--dns-rr=null.test,15,000000 \
	--address=/nx.test/ \
	--mx-host=loop.test,self.loop.test,10 --host-record=self.loop.test,127.0.0.1 \
	--server=/fail.test/127.0.0.1#9
sink_start 127.0.0.2 "$SINK_PORT"
sink_start 127.0.0.4 "$SINK_PORT"
wait_for 10 test -s "$T/dns.log"

mkdir -p "$T/mail" && chmod 777 "$T/mail"
control dnsservers "127.0.0.1:$DNS_PORT"
control mxport "$SINK_PORT"
control localdomains relay.test
control localroot "$T/mail"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
send_start

inj -f alice@relay.test bob@mx.test
log_has 20 'delivery [0-9]+: success: .*rcpt=<bob@mx.test> host=127\.0\.0\.2:'
is "$?" 0 'mail for mx.test goes to its best MX'
inj -f alice@relay.test carl@down.test
log_has 20 'delivery [0-9]+: success: .*rcpt=<carl@down.test> host=127\.0\.0\.2:'
is "$?" 0 'the first MX down: the next one takes it'
inj -f alice@relay.test dee@implicit.test
log_has 20 'delivery [0-9]+: success: .*rcpt=<dee@implicit.test> host=127\.0\.0\.4:'
is "$?" 0 'no MX: the domain address itself (implicit MX)'
inj -f alice@relay.test erin@nx.test
log_has 20 'failure: 5\.1\.2_.*rcpt=<erin@nx.test>'
is "$?" 0 'NXDOMAIN fails at once (5.1.2)'
inj -f alice@relay.test fred@null.test
log_has 20 'failure: 5\.1\.10_.*rcpt=<fred@null.test>'
is "$?" 0 'a null MX fails at once (5.1.10)'
inj -f alice@relay.test gina@loop.test
log_has 20 'failure: 5\.4\.6_.*rcpt=<gina@loop.test>'
is "$?" 0 'an MX pointing here is a loop (5.4.6)'
inj -f alice@relay.test hank@fail.test
log_has 30 'deferral: 4\.4\.3_.*rcpt=<hank@fail.test>'
is "$?" 0 'a DNS server failure defers (4.4.3)'

# Local delivery: straight into the Maildir.
inj -f bob@mx.test alice@relay.test
wait_for 20 sh -c "ls '$T/mail/alice/new/' 2>/dev/null | grep -q ."
is "$?" 0 'mail for a local domain is delivered into its Maildir'
log_has 20 'delivery [0-9]+: success: .*rcpt=<alice@relay.test> host=local'
is "$?" 0 'by zr-local, logged as host local'

# The failures above come back to alice@relay.test as notifications,
# delivered locally in turn.
wait_for 30 sh -c "grep -l 'report-type=delivery-status' '$T'/mail/alice/new/* 2>/dev/null | wc -l | grep -qx 3"
is "$?" 0 'each failure brought one notification to the sender, delivered locally'
f=$(grep -l 'erin@nx.test' "$T"/mail/alice/new/* | head -n 1)
like "$(cat "$f")" '^Status: 5\.1\.2$' 'the notification carries the status'
like "$(cat "$f")" '^Action: failed$' 'and the action'
like "$(cat "$f")" '^Diagnostic-Code: x-zr; 5\.1\.2 ' 'and the reason, marked as zr'"'"'s own' 
like "$(cat "$T/send.log")" 'bounce msg [0-9.a-f]+: notification of failure queued rcpts=1' 'zr-send logs each notification'

# The MX answer is cached: more mail to mx.test asks DNS no more.
before=$(grep -c 'query\[MX\] mx.test' "$T/dns.log")
for i in 1 2 3 4 5; do inj -f alice@relay.test "r$i@mx.test"; done
wait_for 30 sh -c "[ \$(grep -Ec 'success: .*rcpt=<r[0-9]@mx.test>' '$T/send.log') -eq 5 ]"
is "$?" 0 'five more messages to mx.test delivered'
is "$(grep -c 'query\[MX\] mx.test' "$T/dns.log")" "$before" 'with no new MX query (cached by TTL)'
is "$before" 1 'one MX query in all for mx.test'

# control/mxrouting: MX first, the smart hosts as fallback.
sink_start 127.0.0.6
SMART=$SINK_PORT
control smarthosts "127.0.0.6:$SMART"
chmod 644 "$ZR_CONTROL/smarthosts"
kill -HUP "$SEND_PID"
log_has 10 'event=controls-reread'
inj -f alice@relay.test ivy@mx.test
log_has 20 'success: .*rcpt=<ivy@mx.test> host=127\.0\.0\.6:'
is "$?" 0 'with smart hosts and mxrouting off, the smart host carries it'
control mxrouting 1
chmod 644 "$ZR_CONTROL/mxrouting"
kill -HUP "$SEND_PID"
wait_for 10 sh -c "[ \$(grep -c 'event=controls-reread' '$T/send.log') -ge 2 ]"
inj -f alice@relay.test jay@mx.test
log_has 20 'success: .*rcpt=<jay@mx.test> host=127\.0\.0\.2:'
is "$?" 0 'with mxrouting on, MX comes first'
inj -f alice@relay.test kim@fail.test
log_has 30 'success: .*rcpt=<kim@fail.test> host=127\.0\.0\.6:'
is "$?" 0 'and a failed MX lookup falls back to the smart host'
send_stop
done_testing
