#!/bin/bash
# SPDX-License-Identifier: MIT
# With control/remotebdat 1, zr-remote sends the message as one BDAT LAST
# (RFC 3030) to a next hop that offers CHUNKING: no dot-stuffing, CRLF
# line ends as DATA puts them, the size right. A message with dot lines, long lines and an 8-bit body,
# and one with an empty body, reach zr-smtpd (which queues them byte for
# byte, bar its Received: field) and a server that logs the commands,
# with and without PIPELINING; BDAT refused with 554 fails the message,
# with 451 defers it, and a connection lost before its reply is a
# possible duplicate; a server without CHUNKING gets DATA; and without
# the file, or with 0, DATA it is.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 33
zr_setup
control timeoutremote 5
control timeoutconnect 2
control remotebdat 1

# Messages: dot lines, 998-byte lines, 8-bit bytes, over 200 KB (more
# than one piece of the file), a last line without its end.
"$PY" - "$T" <<'EOF'
import sys
t = sys.argv[1]
body = b'.\n..two\n.three\n' + b'y' * 998 + b'\n' + \
    'caf\u00e9 \u00fcber\n'.encode() + b'\xff\xfe raw\n'
body += b''.join(b'%06d ' % i + b'z' * 90 + b'\n' for i in range(2500))
body += b'.\n..\nlast line without end'
open(t + '/m1', 'wb').write(b'Subject: dots\n\n' + body)
open(t + '/m2', 'wb').write(b'Subject: empty\n\n')
# One line of 300 KB: for the logging server only (zr-smtpd keeps RFC
# 5321's 1000).
# A bare CR too, which the wire turns into CR LF (the size counts it).
open(t + '/m3', 'wb').write(b'Subject: long\n\n.' + b'w' * 300000 +
                            b'\nbare\rcr\n')
EOF
for m in m1 m2 m3; do
	as_user zr-inject -i -v ok@x.test <"$T/$m" >"$T/$m.id"
	eval "$m=\$ZR_QUEUE/todo/normal/\$(cat "\$T/\$m.id")"
done

remote() {
	printf "$1" | as_user zr-remote 2>"$T/remote.err" | tr '\0' '\n'
}
# results OUT: the result records, without the host and TLS ones.
results() {
	printf '%s\n' "$1" | grep -v '^[HT]'
}
# content FILE: a queue file's content (after the envelope's data line).
content() {
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(d[d.index(b"\ndata\n") + 6:])' "${1:?}"
}
# wire FILE: that content as CRLF lines (DATA and BDAT put it so; a CR
# alone is a line end too).
wire() {
	content "$1" | "$PY" -c 'import sys
d = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
if d and not d.endswith(b"\n"):
    d += b"\n"
sys.stdout.buffer.write(d.replace(b"\n", b"\r\n"))'
}
# same A B: the two files hold the same bytes.
same() {
	cmp -s "${1:?}" "${2:?}"
}

# zr-smtpd with a queue of its own, as a relay for us; its name is not ours.
R=$T/rx
mkdir -p "$R/control"
ZR_MKQUEUE_PRIVATE=1 "$ZR_ROOT/queue-layout/mkqueue" "$R/queue"
echo rx.test >"$R/control/me"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "$R"
smtpd_start ZR_QUEUE="$R/queue" ZR_CONTROL="$R/control" RELAYCLIENT= --
SP=$TCP_PORT
for m in m1 m2; do
	eval "f=\$$m"
	out=$(remote "host 127.0.0.1:$SP\nfile $f\n\n")
	like "$(results "$out" | tr '\n' '|')" \
		'^N\|r250 2\.1\.5 [^|]*\|K250 2\.0\.0 Ok: queued as [^|]*\|$' \
		"zr-smtpd: $m is taken"
	got=$(find "$R/queue/todo" -type f | head -n 1)
	# Its Received: field (and its folded lines) is the one difference.
	content "$got" | "$PY" -c 'import sys
d = sys.stdin.buffer.read().split(b"\n")
assert d[0].startswith(b"Received:")
i = 1
while d[i][:1] in (b" ", b"\t"):
    i += 1
sys.stdout.buffer.write(b"\n".join(d[i:]))' >"$T/$m.rx"
	content "$f" >"$T/$m.tx"
	# zr-smtpd ends an unended last line; so does the wire.
	[ -n "$(tail -c 1 "$T/$m.tx")" ] && echo >>"$T/$m.tx"
	ok "zr-smtpd: $m queued byte for byte" same "$T/$m.tx" "$T/$m.rx" ||
		diag "$(cmp "$T/$m.tx" "$T/$m.rx")"
	rm -f "${R:?}"/queue/todo/normal/*
done

# The logging server: the BDAT command, and what its chunk held.
for mode in pipe plain; do
	for m in m1 m2 m3; do
		eval "f=\$$m"
		tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-bdat.py" \
			$mode "$T/$mode.$m.log" "$T/$mode.$m.got"
		out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $f\n\n")
		wire "$f" >"$T/$m.wire"
		wait_for 5 grep -q '^QUIT' "$T/$mode.$m.log"
		is "$(results "$out")" "r250 2.0.0 ok
K250 2.0.0 queued by chunks" "$mode: $m: taken by BDAT"
		is "$(grep -E '^(BDAT|DATA)' "$T/$mode.$m.log")" \
			"BDAT $(wc -c <"$T/$m.wire" | tr -d ' ') LAST" \
			"$mode: $m: one BDAT LAST of the wire size, no DATA"
		ok "$mode: $m: the chunk holds the content, CRLF, unstuffed" \
			same "$T/$m.wire" "$T/$mode.$m.got"
	done
done
ok 'plain: no command was sent before the reply to the one before it' \
	sh -c "! cat '$T'/plain.*.log | grep -q '^early'"

for mode in last554 last451; do
	: >"$T/$mode.log"
	tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-bdat.py" \
		$mode "$T/$mode.log" "$T/$mode.got"
	eval "out_$mode=\$(remote 'host 127.0.0.1:$TCP_PORT\nfile $m1\n\nhost 127.0.0.1:$TCP_PORT\nfile $m2\n\n')"
done
# Two jobs each, the second on the same connection.
is "$(results "$out_last554")" 'r250 2.0.0 ok
D554 5.6.0 content refused
r250 2.0.0 ok
D554 5.6.0 content refused' 'BDAT LAST refused with 554: the message failed'
is "$(results "$out_last451")" 'r250 2.0.0 ok
Z451 4.3.0 try later
r250 2.0.0 ok
Z451 4.3.0 try later' 'BDAT LAST refused with 451: the message deferred'
is "$(grep -c '^EHLO' "$T/last554.log")" 1 \
	'after a refused LAST the connection is kept'
is "$(grep -c '^RSET' "$T/last554.log")" 0 \
	'and no RSET: the reply to LAST ended the transaction (RFC 3030 2)'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-bdat.py" \
	droplast "$T/droplast.log" "$T/droplast.got"
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $m1\n\n")
is "$(results "$out" | sed 's/127.0.0.1:[0-9]*/HOST/')" 'r250 2.0.0 ok
Z4.4.2 HOST connection lost after BDAT LAST: possible duplicate' \
	'lost before the reply to BDAT LAST: deferred, a possible duplicate'

tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-bdat.py" \
	nochunk "$T/nochunk.log" "$T/nochunk.got"
out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $m1\n\n")
is "$(results "$out")" 'r250 2.0.0 ok
K250 2.0.0 queued by data' 'no CHUNKING: taken by DATA'
ok 'no CHUNKING: no BDAT was sent' sh -c "! grep -q '^BDAT' '$T/nochunk.log'"
# The dot lines are stuffed on the wire, as DATA needs.
"$PY" -c 'import sys
sys.stdout.buffer.write(b"".join((b"." + l if l.startswith(b".") else l)
    for l in open(sys.argv[1], "rb").read().splitlines(True)))' \
	"$T/m1.wire" >"$T/m1.stuffed"
ok 'no CHUNKING: DATA, dot-stuffed' same "$T/m1.stuffed" "$T/nochunk.got"

for v in 0 default; do
	if [ $v = 0 ]; then
		control remotebdat 0
	else
		rm -f "${ZR_CONTROL:?}/remotebdat"
	fi
	: >"$T/off$v.log"
	tcpserver_start "$PY" "$ZR_ROOT/tests/e2e/remote-bdat.py" \
		pipe "$T/off$v.log" "$T/off$v.got"
	out=$(remote "host 127.0.0.1:$TCP_PORT\nfile $m1\n\n")
	is "$(results "$out")" 'r250 2.0.0 ok
K250 2.0.0 queued by data' "control/remotebdat $v: DATA, CHUNKING or not"
done
