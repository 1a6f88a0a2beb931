#!/bin/bash
# SPDX-License-Identifier: MIT
# TLSRPT (RFC 8460) end to end: zr-send and zr-remote deliver under DANE
# to a receiver on 127.0.0.2 with a certificate made here, and record one
# result line per session in queue/tlsrpt/DAY/; zr-tlsrpt -d DAY then
# queues a report per domain that publishes an _smtp._tls record, which
# Python's email, gzip and json modules take apart. DNS from dane-dns.py
# on 127.0.0.1, which signs what its zone says.
#   dane.test   MX 10 mx1 (TLSA for another key), MX 20 mx2 (the right key)
#   ta.test     DANE-TA, a certificate for another name; rua https and mailto,
#               the report POSTed to tlsrpt-https.py on 127.0.0.1
#   none.test   signed, no TLSA: no policy found; its https rua answers 503
#               until the record names another path
#   quiet.test  no _smtp._tls record: no report
#   sts.test    an MTA-STS enforce policy (its cache record written here, so
#               no HTTPS is needed), a certificate for another name; and a
#               message with TLS-Required: No, which sets the policy aside
# A kept connection carries no new session, so each domain has MX hosts
# of its own names.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
. "${0%/*}/tls-common.sh"
command -v openssl >/dev/null || skip_all 'no openssl tool'
command -v gzip >/dev/null || skip_all 'no gzip tool'
plan 38
zr_setup
mkcerts && mkcert mx 'DNS:mx.dane.test' && mkcert rpt 'DNS:reports.test' ||
	{ echo 'Bail out! unable to make certificates'; exit 1; }
tls_server rx mx --addr 127.0.0.2
P=$(port_of rx)
mkdir -p "$T/posts"
rm -f "$T/https.port"
bg "$PY" "$ZR_ROOT/tests/e2e/tlsrpt-https.py" --cert "$C/rpt.pem" \
	--key "$C/rpt.key" --dir "$T/posts" --log "$T/https.log" \
	--portfile "$T/https.port"
wait_for 20 test -s "$T/https.port"
HP=$(cat "$T/https.port")
hash=$(keyfp mx | cut -d: -f2)
other=$(keyfp self | cut -d: -f2)
ca=$(openssl x509 -in "$C/ca.pem" -pubkey -noout |
	openssl pkey -pubin -outform DER | od -An -v -tx1 | tr -d ' \n')
cat >"$T/zone" <<EOZ
secure dane.test MX 10 mx1.dane.test
secure dane.test MX 20 mx2.dane.test
secure mx1.dane.test A 127.0.0.2
secure mx2.dane.test A 127.0.0.2
secure _$P._tcp.mx1.dane.test TLSA 3 1 1 $other
secure _$P._tcp.mx2.dane.test TLSA 3 1 1 $hash
secure _smtp._tls.dane.test TXT v=TLSRPTv1; rua=mailto:tls%2Dreports@reports.test
secure ta.test MX 10 mx.ta.test
secure mx.ta.test A 127.0.0.2
secure _$P._tcp.mx.ta.test TLSA 2 1 0 $ca
secure _smtp._tls.ta.test TXT v=TLSRPTv1;rua=https://reports.test:$HP/tlsrpt,mailto:ta@reports.test
secure none.test MX 10 mx.none.test
secure mx.none.test A 127.0.0.2
secure _smtp._tls.none.test TXT v=TLSRPTv1; rua=mailto:none@reports.test, https://reports.test:$HP/busy
secure reports.test A 127.0.0.1
secure _smtp._tls.none.test TXT v=spf1 -all
secure quiet.test MX 10 mx.quiet.test
secure mx.quiet.test A 127.0.0.2
secure sts.test MX 10 mx.sts.test
secure mx.sts.test A 127.0.0.2
secure _smtp._tls.sts.test TXT v=TLSRPTv1; rua=mailto:sts@reports.test
EOZ
now=$(date +%s)
mkdir -p "$ZR_QUEUE/sts"
printf 'zr-sts 1\nchecked %s\nid 1\nfetched %s\nmode enforce\nmax_age 86400\nmx mx.sts.test\n' \
	"$now" "$now" >"$ZR_QUEUE/sts/sts.test"
chown -R "$ZR_TEST_USER" "$ZR_QUEUE/sts" 2>/dev/null
rm -f "$T/dns.port"
bg "$PY" "$ZR_ROOT/tests/e2e/dane-dns.py" --zone "$T/zone" \
	--portfile "$T/dns.port" --log "$T/dns.log"
wait_for 20 test -s "$T/dns.port"
control dnsservers "127.0.0.1:$(cat "$T/dns.port")"
control dnssec trust
control tlsmx dane
control mxport "$P"
control retrybase 600
control timeoutremote 5
cp "$C/ca.pem" "$ZR_CONTROL/tlsca"
cp "$C/ca.pem" "$ZR_CONTROL/mtastsca"
chmod 644 "${ZR_CONTROL:?}"/*
send_start
inj -f alice@relay.test bob@dane.test
inj -f alice@relay.test eve@ta.test
inj -f alice@relay.test carol@none.test
inj -f alice@relay.test dave@quiet.test
inj -f alice@relay.test erin@sts.test
printf 'TLS-Required: No\nSubject: test\n\nbody\n' |
	as_user zr-inject -f alice@relay.test frank@sts.test
log_has 30 'success: .*rcpt=<bob@dane.test>'
log_has 30 'deferral: .*rcpt=<eve@ta.test>'
log_has 30 'success: .*rcpt=<carol@none.test>'
log_has 30 'success: .*rcpt=<dave@quiet.test>'
log_has 30 'deferral: .*rcpt=<erin@sts.test>'
log_has 30 'success: .*rcpt=<frank@sts.test>'
send_stop
# The day the sessions were in (a run across midnight would see two).
DAY=$(ls "$ZR_QUEUE/tlsrpt" 2>/dev/null | head -n 1)
D=$ZR_QUEUE/tlsrpt/$DAY
lines() {
	cat "${D:?}"/r.* 2>/dev/null
}
like "$(lines | grep ' dane.test mx1.dane.test ')" \
	"^1 [0-9]+ tlsa dane.test mx1.dane.test 127\\.0\\.0\\.2 tlsa-invalid 3\\+201\\+201\\+20[0-9A-F]{64}\$" \
	'zr-remote: a TLSA key mismatch is a tlsa-invalid line, with the TLSA record as its policy string'
like "$(lines | grep ' dane.test mx2.dane.test ')" \
	'^1 [0-9]+ tlsa dane.test mx2.dane.test 127\.0\.0\.2 success ' \
	'and the next MX host, whose key matches, a success'
like "$(lines | grep ' ta.test ')" \
	'^1 [0-9]+ tlsa ta.test mx.ta.test 127\.0\.0\.2 certificate-host-mismatch 2\+201\+200\+20' \
	'DANE-TA with a certificate for another name: certificate-host-mismatch'
like "$(lines | grep ' none.test ')" \
	'^1 [0-9]+ no-policy-found none.test mx.none.test 127\.0\.0\.2 success$' \
	'a signed domain without TLSA records: no-policy-found, TLS made'
is "$(lines | grep -c ' dane.test ')" 2 'one line per session: two for dane.test'
like "$(lines | grep ' sts.test .* certificate-host-mismatch')" \
	'^1 [0-9]+ sts sts.test mx.sts.test 127\.0\.0\.2 certificate-host-mismatch version:\+20STSv1 mode:\+20enforce mx:\+20mx.sts.test max_age:\+2086400$' \
	'MTA-STS enforce, DANE falling back, a certificate for another name: an sts line with the policy'
like "$(lines | grep ' sts.test .* success')" \
	'^1 [0-9]+ no-policy-found sts.test mx.sts.test 127\.0\.0\.2 success$' \
	'TLS-Required: No sets the policy aside: no-policy-found'
is "$(stat -c %a "$D") $(stat -c %a "${D:?}"/r.* | sort -u)" '700 600' \
	'the day directory and its files are private'

# The report run, as the queue's user.
: >"$T/dns.log"
as_user zr-tlsrpt -d "$DAY" 2>"$T/tlsrpt.err"
is "$?" 111 'zr-tlsrpt -d TODAY: exit 111, as one https rua answered 503'
msgs=$(find "$ZR_QUEUE/todo" -type f | sort)
is "$(echo "$msgs" | grep -c .)" 4 'four reports queued: quiet.test publishes no record'
ok 'the _smtp._tls TXT records were asked for, through control/dnsservers' \
	grep -q '^_smtp._tls.dane.test 16 ' "$T/dns.log"
like "$(cat "$T/tlsrpt.err")" 'domain=quiet.test .*result=no-tlsrpt-record' \
	'a domain without a record is logged as such'
like "$(cat "$T/tlsrpt.err")" "domain=ta.test .*rua=https://reports.test:$HP/tlsrpt result=posted" \
	'the report was posted to the https rua'
is "$(cat "$T/https.log" 2>/dev/null | sort)" \
"/busy application/tlsrpt+gzip
/tlsrpt application/tlsrpt+gzip" 'one POST to each https rua, as application/tlsrpt+gzip'
n=$(grep -n '^/tlsrpt ' "$T/https.log" | cut -d: -f1)
is "$(gzip -dc "$T/posts/$n.body" 2>/dev/null | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r["policies"][0]["policy"]["policy-domain"], r["policies"][0]["summary"]["total-failure-session-count"])')" \
	'ta.test 1' 'the POST body is the gzipped JSON report (its certificate checked against control/mtastsca)'
like "$(cat "$T/tlsrpt.err")" "domain=none.test .*rua=https://reports.test:$HP/busy result=failed reason=\"HTTP status 503" \
	'the 503 is logged'

# decode MSGFILE: the report's facts, one "key value" line each.
decode() {
	"$PY" - "$1" "$T/att.gz" <<'EOP'
import email, gzip, json, sys
raw = open(sys.argv[1], 'rb').read()
lines = raw.split(b'\n')
body = b'\n'.join(lines[lines.index(b'data') + 1:])
m = email.message_from_bytes(body)
print('domain', m['TLS-Report-Domain'])
print('submitter', m['TLS-Report-Submitter'])
print('to', m['To'])
print('subject', m['Subject'])
print('type', m.get_content_type(), m.get_param('report-type'))
parts = [p for p in m.walk() if p.get_content_type() == 'application/tlsrpt+gzip']
print('parts', len(parts))
p = parts[0]
print('filename', p.get_filename())
gz = p.get_payload(decode=True)
open(sys.argv[2], 'wb').write(gz)
r = json.loads(gzip.decompress(gz))
print('org', r['organization-name'])
print('range', r['date-range']['start-datetime'], r['date-range']['end-datetime'])
print('contact', r['contact-info'])
print('id', r['report-id'])
ok = sum(x['summary']['total-successful-session-count'] for x in r['policies'])
bad = sum(x['summary']['total-failure-session-count'] for x in r['policies'])
print('counts', ok, bad)
for x in r['policies']:
    pol = x['policy']
    print('policy', pol['policy-type'], pol['policy-domain'],
          ','.join(pol['mx-host']), len(pol.get('policy-string', [])),
          x['summary']['total-successful-session-count'],
          x['summary']['total-failure-session-count'])
    for f in x.get('failure-details', []):
        print('failure', f['result-type'], f['receiving-mx-hostname'],
              f.get('receiving-ip', '-'), f['failed-session-count'])
EOP
}
for m in $msgs; do
	decode "$m" >"$T/facts" 2>>"$T/decode.err" || continue
	d=$(sed -n 's/^domain //p' "$T/facts")
	cp "$T/facts" "$T/facts.$d"
	cp "$T/att.gz" "$T/att.$d.gz"
done
F=$T/facts.dane.test
start=$(date -u -d "$DAY" +%s)
is "$(grep -E '^(domain|submitter|to|type|parts|org|range|contact) ' "$F" 2>/dev/null)" \
"domain dane.test
submitter relay.test
to tls-reports@reports.test
type multipart/report tlsrpt
parts 1
org relay.test
range ${DAY}T00:00:00Z ${DAY}T23:59:59Z
contact mailto:postmaster@relay.test" \
	'dane.test: the header fields, the multipart/report, the mailto address decoded, the report'"'"'s own fields'
like "$(grep '^filename ' "$F" 2>/dev/null)" \
	"^filename relay\\.test!dane\\.test!$start!$((start + 86399))![0-9a-f]+\\.json\\.gz\$" \
	'the attachment is named submitter!policy-domain!begin!end!id.json.gz'
like "$(grep '^subject ' "$F" 2>/dev/null)" \
	'^subject Report Domain: dane\.test Submitter: relay\.test Report-ID: <[0-9a-f]+@relay\.test>$' \
	'the Subject of RFC 8460 5.3'
is "$(grep '^counts ' "$F" 2>/dev/null)" 'counts 1 1' 'dane.test: one successful session, one failed'
is "$(grep -E '^(policy|failure) ' "$F" 2>/dev/null | sort)" \
"failure tlsa-invalid mx1.dane.test 127.0.0.2 1
policy tlsa dane.test mx1.dane.test 1 0 1
policy tlsa dane.test mx2.dane.test 1 1 0" \
	'dane.test: a tlsa policy per MX host, the failure with its type, host and address'
ok 'python gzip read the attachment; gzip -t finds it sound' \
	gzip -t "$T/att.dane.test.gz"
is "$(gzip -dc "$T/att.dane.test.gz" 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["policies"][0]["policy"]["policy-domain"])')" \
	dane.test 'gzip -dc gives the JSON back'
is "$(grep -E '^(to|counts|failure) ' "$T/facts.ta.test" 2>/dev/null)" \
"to ta@reports.test
counts 0 1
failure certificate-host-mismatch mx.ta.test 127.0.0.2 1" \
	'ta.test: to the mailto address only, the name mismatch as certificate-host-mismatch'
is "$(grep -E '^(counts|policy) ' "$T/facts.none.test" 2>/dev/null)" \
"counts 1 0
policy no-policy-found none.test mx.none.test 0 1 0" \
	'none.test: no-policy-found, without policy strings; its other TXT record is passed by'
is "$(grep -E '^(counts|policy|failure) ' "$T/facts.sts.test" 2>/dev/null | sort)" \
"counts 1 1
failure certificate-host-mismatch mx.sts.test 127.0.0.2 1
policy no-policy-found sts.test mx.sts.test 0 1 0
policy sts sts.test mx.sts.test 4 0 1" \
	'sts.test: the sts policy with its four lines and mx pattern, and the session without it'
is "$(sed -n 's/^id //p' "$T/facts.ta.test" 2>/dev/null | cut -d@ -f2)" relay.test \
	'the report-id names the submitter'
is "$(grep -h '^sender ' $msgs | sort -u)" 'sender <postmaster@relay.test>' \
	'each report comes from postmaster@ME'

# What failed, and only that, is tried again.
as_user zr-tlsrpt -d "$DAY" 2>"$T/tlsrpt1b.err"
is "$?:$(find "$ZR_QUEUE/todo" -type f | wc -l):$(grep -c . "$T/https.log")" 111:4:3 \
	'run again while it is busy: exit 111, no mail again, one more POST to it alone'
sed -i "s|:$HP/busy|:$HP/fine|" "$T/zone"
as_user zr-tlsrpt -d "$DAY" 2>"$T/tlsrpt1c.err"
is "$?:$(find "$ZR_QUEUE/todo" -type f | wc -l):$(tail -n 1 "$T/https.log")" \
	"0:4:/fine application/tlsrpt+gzip" 'and once it answers 200: exit 0, the day done'
# Once a day: a later run does nothing.
as_user zr-tlsrpt -d "$DAY" 2>"$T/tlsrpt2.err"
is "$?:$(find "$ZR_QUEUE/todo" -type f | wc -l):$(grep -c . "$T/https.log")" 0:4:4 \
	'run again: exit 0, nothing more queued or posted'
like "$(cat "$T/tlsrpt2.err")" "day=$DAY result=done-before" 'and it says why'

# A DNS failure leaves the domain to the next run, and the day open.
OLD=2026-01-05
mkdir -p "$ZR_QUEUE/tlsrpt/$OLD"
printf '1 %s sts later.test mx.later.test 127.0.0.9 certificate-expired version:+20STSv1 mode:+20enforce\n1 %s sts later.test mx.later.test - success version:+20STSv1 mode:+20enforce\nnot a line\n' \
	"$(date -u -d "$OLD 12:00" +%s)" "$(date -u -d "$OLD 13:00" +%s)" \
	>"$ZR_QUEUE/tlsrpt/$OLD/r.1"
chown -R "$ZR_TEST_USER" "$ZR_QUEUE/tlsrpt/$OLD" 2>/dev/null
echo "servfail _smtp._tls.later.test TXT" >>"$T/zone"
as_user zr-tlsrpt -q "$ZR_QUEUE" -d "$OLD" 2>"$T/tlsrpt3.err"
is "$?:$(find "$ZR_QUEUE/todo" -type f | wc -l)" 111:4 'a SERVFAIL for the record: exit 111, nothing queued'
ok 'and the day is not marked done' test ! -e "$ZR_QUEUE/tlsrpt/$OLD/done"
sed -i '/later.test/d' "$T/zone"
echo "secure _smtp._tls.later.test TXT v=TLSRPTv1; rua=mailto:later@reports.test" >>"$T/zone"
as_user zr-tlsrpt -d "$OLD" 2>"$T/tlsrpt4.err"
is "$?:$(find "$ZR_QUEUE/todo" -type f | wc -l)" 0:5 'the next run, with DNS back: exit 0, the report queued'
ok 'the day is marked done' test -e "$ZR_QUEUE/tlsrpt/$OLD/done"
new=$(find "$ZR_QUEUE/todo" -type f | grep -vxF "$msgs")
decode "$new" >"$T/facts.later" 2>>"$T/decode.err"
is "$(grep -E '^(counts|policy|failure) ' "$T/facts.later")" \
"counts 1 1
policy sts later.test  2 1 1
failure certificate-expired mx.later.test 127.0.0.9 1" \
	'an sts policy: its strings, the failure, and the damaged line passed by'
like "$(cat "$T/tlsrpt3.err")" '1 damaged or foreign lines passed by' 'the damaged line is logged'
done_testing
