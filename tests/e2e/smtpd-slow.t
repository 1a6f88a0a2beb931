#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: slow clients. control/timeoutsession ends every session, however
# busy; control/mindatarate ends a DATA that drips, window by window; a
# slow but honest client gets through.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/../lib/smtpd.sh"
. "${0%/*}/../lib/certs.sh"
plan 14
zr_setup
echo example.com >"$ZR_CONTROL/localdomains"
smtpd_start
P=$TCP_PORT
LOG=$T/.tcpserver.$_seq.err
D="python3 ${0%/*}/smtpd-drip.py $P"
TX=('EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<u@example.com>\r\n'
	'DATA\r\n')
# secs OUTPUT: the seconds the drip lasted, as an integer.
secs() {
	echo "$1" | sed -n 's/^closed after \([0-9]*\)\..*/\1/p'
}

# A NOOP a byte at a time, every 0.25 s: each wait is short, the session
# is not. The idle timeout (300 s) never fires; timeoutsession (2 s) does.
echo 2 >"$ZR_CONTROL/timeoutsession"
out=$($D --for 10 'EHLO c.test\r\n' -- 'NOOP\r\n')
like "$out" '^421 4\.4\.2 Session time limit reached' \
	'a byte every 0.25 s: 421 4.4.2 at timeoutsession'
like "$out" '^closed after' 'and the connection is closed'
t=$(secs "$out")
ok "after about 2 s of the session (took $t s)" test "${t:-99}" -le 4
like "$(cat "$LOG")" 'result=session-timeout' 'logged as session-timeout'
rm "$ZR_CONTROL/timeoutsession"

# DATA at 40 octets a second, under mindatarate 100 over windows of 1 s.
echo '100 1' >"$ZR_CONTROL/mindatarate"
out=$($D --for 10 --chunk 10 "${TX[@]}" -- 'Subject: drip\r\n\r\nxxxxxxxx\r\n')
like "$out" '^421 4\.4\.2 Data rate too low' 'DATA at 40 octets/s: 421 4.4.2'
t=$(secs "$out")
ok "at the end of the first window (took $t s)" test "${t:-99}" -le 3
like "$(cat "$LOG")" 'result=slow' 'logged as slow'
is "$(qcount todo/normal)$(qcount tmp)" 00 'nothing queued, nothing left in tmp'

# 4000 octets a second for 3 s: three windows, each over the rate.
line=$(python3 -c "print('y' * 98, end='')")
out=$($D --every 0.05 --chunk 200 --for 3 --end '\r\n.\r\n' "${TX[@]}" -- \
	"$line\\r\\n")
like "$out" '^250 2\.0\.0 Ok: queued' 'DATA over the rate for several windows: queued'
rm -f "${ZR_QUEUE:?}"/todo/normal/*

# The defaults (100 octets/s over 60 s): a slow but short message is never
# measured, and neither is a client that thinks between commands.
rm "$ZR_CONTROL/mindatarate"
out=$($D --every 0.2 --chunk 4 --for 2 --end '\r\n.\r\n' "${TX[@]}" -- \
	'slow\r\n')
like "$out" '^250 2\.0\.0 Ok: queued' '20 octets/s for 2 s, defaults: queued'
is "$(qcount todo/normal)" 1 'the message is in the queue'

# Bad values are refused, not guessed.
echo '100 0' >"$ZR_CONTROL/mindatarate"
out=$(python3 "${0%/*}/smtpd-client.py" $P 2>&1)
like "$out" '^421 4\.3\.0' 'mindatarate with a window of 0: 421 at the greeting'
rm "$ZR_CONTROL/mindatarate"

# STARTTLS hands the session to zr-smtpd-tls with the deadline it had: a
# client that spends 2 s before STARTTLS has 1 s left of 3.
make_certs "$T/pki" || { echo 'Bail out! openssl could not make certificates'; exit 1; }
tls_install "$T/pki"
echo 3 >"$ZR_CONTROL/timeoutsession"
out=$(python3 - "$P" <<'PY'
import socket, ssl, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
t0 = time.monotonic()
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-":
            return line.decode("latin-1").rstrip()
reply()
s.sendall(b"EHLO c.test\r\n")
reply()
time.sleep(2)
s.sendall(b"STARTTLS\r\n")
print(reply())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(s, server_hostname="relay.test")
f = s.makefile("rb")
s.sendall(b"EHLO c.test\r\n")
reply()
s.settimeout(0.2)
while time.monotonic() - t0 < 10:
    try:
        s.sendall(b"N")
        d = s.recv(200)
    except (socket.timeout, ssl.SSLWantReadError):
        continue
    except OSError:
        d = b""
    print(d.decode("latin-1").rstrip())
    break
print("closed after %.1f s" % (time.monotonic() - t0))
PY
)
like "$out" '^421 4\.4\.2 Session time limit reached' 'inside TLS after STARTTLS: 421 4.4.2'
t=$(secs "$out")
ok "at the session's deadline, not 3 s after STARTTLS (took $t s)" \
	test "${t:-99}" -le 4
rm "$ZR_CONTROL/timeoutsession"
done_testing
