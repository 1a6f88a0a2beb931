#!/bin/sh
# SPDX-License-Identifier: MIT
# zr-qstat --http under tcpserver: one request per connection, GET /metrics
# answered with the Prometheus text (checked with the Python client's own
# parser where it is installed), 404/405/400/431 for the rest; and the
# oldest-message gauge, which counts pending messages only and is absent
# without one.
. "${0%/*}/../lib/harness.sh"
plan 14
zr_setup
tcpserver_start zr-qstat --http -q "$ZR_QUEUE"
PORT=$TCP_PORT

# req FILE: send FILE's bytes, print what comes back (the connection ends).
req() {
	/usr/bin/python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
try:
    s.sendall(open(sys.argv[2], "rb").read())
except OSError:
    pass  # the server may answer and close before it read everything
data = b""
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        break
    if not b:
        break
    data += b
sys.stdout.buffer.write(data)
PY
}
get() {	# get REQUEST-TEXT (printf format)
	printf "$1" >"$T/req"
	req "$T/req" >"$T/resp"
	tr -d '\r' <"$T/resp" | sed '/^$/q' >"$T/head"
	tr -d '\r' <"$T/resp" | sed '1,/^$/d' >"$T/body"
	head -n 1 "$T/head"
}
status_of() { get "$1" | cut -d' ' -f2; }

is "$(get 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Prometheus/2.42.0\r\n\r\n')" \
	'HTTP/1.1 200 OK' 'GET /metrics over HTTP/1.1 gets 200'
like "$(cat "$T/head")" '^Content-Type: text/plain; version=0\.0\.4' \
	'as the Prometheus text format, version 0.0.4'
len=$(sed -n 's/^Content-Length: //p' "$T/head")
body_len=$(sed '1,/^\r$/d' "$T/resp" | wc -c | tr -d ' ')
is "$len" "$body_len" 'Content-Length is the length of the body'
if /usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null; then
	ok 'the body parses with prometheus_client and has the queue gauges' \
		/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as parse
names = {f.name for f in parse(open(sys.argv[1]).read())}
assert "zr_queue_messages" in names, names
' "$T/body"
else
	skip 'python3-prometheus-client is not installed'
fi
is "$(grep -c '^zr_queue_oldest_message_timestamp_seconds ' "$T/body")" 0 \
	'an empty queue has no oldest-message sample'

is "$(status_of 'GET /metrics HTTP/1.0\r\n\r\n')" 200 'HTTP/1.0 without Host is served'
is "$(status_of 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n')" 404 'another path: 404'
is "$(status_of 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab')" \
	405 'another method: 405'
like "$(cat "$T/head")" '^Allow: GET$' 'naming the one it takes'
is "$(status_of 'GET /metrics HTTP/1.1\r\n\r\n')" 400 'HTTP/1.1 without Host: 400'
{
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: '
	head -c 100000 /dev/zero | tr '\0' a
	printf '\r\n\r\n'
} >"$T/big"
is "$(req "$T/big" | head -n 1 | cut -d' ' -f2)" 431 \
	'a head over the limit: 431, without reading it all'

# A delivered message is no reason for a queue-age alert.
id=$(printf 'Subject: x\n\nb\n' | as_user zr-inject -v a@b.test)
mv "$ZR_QUEUE/todo/normal/$id" "$ZR_QUEUE/done/delivered/$id"
get 'GET /metrics HTTP/1.0\r\n\r\n' >/dev/null
is "$(grep -c '^zr_queue_oldest_message_timestamp_seconds ' "$T/body")" 0 \
	'with only a delivered message, still no oldest-message sample'
like "$(cat "$T/body")" '^zr_queue_messages\{state="delivered"\} 1$' \
	'while the delivered message is counted'
id2=$(printf 'Subject: y\n\nb\n' | as_user zr-inject -v a@b.test)
get 'GET /metrics HTTP/1.0\r\n\r\n' >/dev/null
is "$(sed -n 's/^zr_queue_oldest_message_timestamp_seconds //p' "$T/body")" \
	"$(echo "$id2" | cut -c1-10)" 'a pending message sets it to its arrival time'
done_testing
