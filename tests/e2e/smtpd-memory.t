#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: memory stays bounded whatever the client streams: a 32 MB
# command line and a 64 MB message leave the session's peak RSS where a
# small message left it.
. "${0%/*}/../lib/harness.sh"
plan 3
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
echo 1000000 >"$ZR_CONTROL/databytes"
run=
[ "$(id -u)" = 0 ] && run="setpriv --reuid=nobody --regid=nogroup --clear-groups"
out=$(python3 - $run "$ZR_BIN/zr-smtpd" <<'PY'
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen(sys.argv[1:], stdin=b, stdout=b, stderr=subprocess.DEVNULL)
b.close()
f = a.makefile("rb")
def reply():
    while True:
        r = f.readline()
        if r[3:4] != b"-":
            return r[:3].decode()
def hwm():
    for l in open("/proc/%d/status" % p.pid):
        if l.startswith("VmHWM:"):
            return int(l.split()[1])
codes = [reply()]
for c in (b"EHLO c.test\r\n", b"MAIL FROM:<a@b.test>\r\n",
          b"RCPT TO:<u@example.com>\r\n", b"DATA\r\n"):
    a.sendall(c)
    codes.append(reply())
a.sendall(b"Subject: small\r\n\r\nsmall\r\n.\r\n")
codes.append(reply())
base = hwm()
chunk = b"z" * (1 << 20)
for i in range(32):
    a.sendall(chunk)
a.sendall(b"\r\n")
codes.append(reply())
for c in (b"MAIL FROM:<a@b.test>\r\n", b"RCPT TO:<u@example.com>\r\n",
          b"DATA\r\n"):
    a.sendall(c)
    codes.append(reply())
line = b"y" * 998 + b"\r\n"
block = line * 1024
for i in range(64):
    a.sendall(block)
a.sendall(b".\r\n")
codes.append(reply())
peak = hwm()
a.sendall(b"QUIT\r\n")
codes.append(reply())
p.wait()
print(" ".join(codes))
print(peak - base)
PY
)
is "$(echo "$out" | head -n 1)" '220 250 250 250 354 250 500 250 250 354 552 221' \
	'32 MB line: 500; 64 MB message: 552; session in step'
growth=$(echo "$out" | tail -n 1)
ok "peak RSS grew by ${growth} KB (at most 2048)" test "$growth" -le 2048
is "$(qcount tmp)$(qcount todo/normal)" 01 'only the small message was kept'
done_testing
