#!/bin/bash
# SPDX-License-Identifier: MIT
# One log line shape (zr(7) LOGS): a message through zr-smtpd, zr-send,
# zr-remote (a dead host first, then a receiver that takes one recipient,
# defers one and refuses one) and zr-bounce's failure notice; every line
# every program wrote is one of qmail-send's event lines of zr-send(8) or
# PROG: LEVEL: [id=ID ]key=value..., and the lines about a message name it.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
command -v swaks >/dev/null || skip_all 'swaks is not installed'
plan 9
zr_setup
py_server rx --pipelining --rcpt 'later=451 4.3.0 try later' \
	--rcpt 'bad=550 5.1.1 no such user'
dead=$(free_port)
# The dead host first: zr-remote warns about it, then goes on to rx.
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$dead" "$(port_of rx)" >"$ZR_CONTROL/smarthosts"
control retrybase 3600
smtpd_start RELAYCLIENT=
swaks --server 127.0.0.1 --port "$TCP_PORT" --helo c.test \
	--from s@a.test --to ok@b.test,later@b.test,bad@b.test \
	--body 'shape' >"$T/swaks.out" 2>&1
id=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([^ ]*\).*/\1/p' "$T/swaks.out" |
	tail -n 1)
ok 'zr-smtpd took the message' test -n "$id"
send_start
# The failure notice to s@a.test reaches rx too.
log_has 30 "delivery [0-9]+: success: .*rcpt=<s@a.test>"
ok 'the notice of the refused recipient was delivered' \
	log_has 1 "delivery [0-9]+: success: .*rcpt=<s@a.test>"
send_stop
cat "$T/send.log" "$T"/.tcpserver.*.err >"$T/all.log"
# check MODE: the lines of all.log that break the rule MODE, on stdout.
check() {
	"$PY" - "$1" "$id" "$T/all.log" <<'PY'
import re, sys
mode, mid, path = sys.argv[1], sys.argv[2], sys.argv[3]
field = r'[a-z][a-z0-9_.-]*=(?:"(?:[^"\\]|\\.)*"|[^ "]*)'
shape = re.compile(r'^(zr-[a-z0-9-]+): (fatal|warning|info): '
                   r'(id=[^ "=]+ )?' + field + '( ' + field + ')*$')
qmail = [re.compile(p) for p in (
    r'^new msg \d+ id=\S+$',
    r'^info msg \d+: bytes \d+ from <[^>]*> qp \d+ uid \d+ .* id=\S+$',
    r'^starting delivery \d+: msg \d+ to (local|remote) \S+ .* id=\S+$',
    r'^delivery \d+: (success|failure|deferral): \S*/ msg=\S+ .*$',
    r'^delivery \d+: report mangled, will defer: .* msg=\S+$',
    r'^(deferral|expired|failed|bounce|end|recovered) msg \d+[: ].* id=\S+$',
    r'^status: local \d+/\d+ remote \d+/\d+.*$',
    r'^status: exiting$',
    r'^alert: .*$')]
for line in open(path, encoding='utf-8', errors='replace'):
    line = line.rstrip('\n')
    m = shape.match(line)
    if mode == 'shape':
        bad = not m and not any(q.match(line) for q in qmail)
    elif mode == 'id':
        # zr-remote, zr-local and zr-bounce work on one message at a time.
        bad = m and m.group(1) in ('zr-remote', 'zr-local', 'zr-bounce') \
            and m.group(3) is None
    else:
        # Lines naming the message (its id in any form) have id= or msg=.
        bad = mid in line and not re.search(r'(^|: | )(id|msg)=' +
                                            re.escape(mid) + r'( |$)', line)
    if bad:
        print(line)
PY
}
is "$(check shape)" '' 'every line is a qmail-send event line or PROG: LEVEL: [id=ID ]FIELDS'
is "$(check id)" '' 'every zr-remote and zr-bounce line names its message first'
is "$(check about)" '' 'every line that names the message does so as id= or msg='
like "$(cat "$T/all.log")" "zr-remote: warning: id=$id host=127\\.0\\.0\\.1:$dead " \
	"zr-remote's warning about the dead host carries the message's id"
like "$(cat "$T/all.log")" "zr-smtpd: info: id=$id client=127\\.0\\.0\\.1 helo=c\\.test " \
	"zr-smtpd's accept line starts with the id"
like "$(cat "$T/all.log")" "zr-bounce: info: id=$id notification=" \
	"zr-bounce's line starts with the id"
like "$(cat "$T/all.log")" "delivery [0-9]+: deferral: 451_4\\.3\\.0_try_later/ msg=$id rcpt=<later@b\\.test>" \
	"qmail-send's delivery lines are as they were"
done_testing
