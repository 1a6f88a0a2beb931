# SPDX-License-Identifier: MIT
# A slow SMTP client for the zr-smtpd tests: a few commands, then bytes
# dripped at a set pace, as a client that wants to hold a session does.
#
#   python3 smtpd-drip.py PORT [--every S] [--chunk N] [--for S] [--end TEXT]
#       CMD... -- TEXT
#
# Reads the greeting, sends each CMD (Python escapes) and reads its reply,
# then sends TEXT cyclically, CHUNK bytes every S seconds, until the server
# closes the connection or, with --for, that many seconds have passed;
# then sends the --end text and reads one reply. Prints every reply line,
# then "closed after N.N s" (from the first drip) or "open".
import socket
import sys
import time


def unescape(t):
    return t.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    port = int(sys.argv[1])
    args = sys.argv[2:]
    every, chunk, limit, end = 0.25, 1, None, None
    while args and args[0].startswith("--") and args[0] != "--":
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--every":
            every = float(val)
        elif opt == "--chunk":
            chunk = int(val)
        elif opt == "--for":
            limit = float(val)
        elif opt == "--end":
            end = unescape(val)
    cut = args.index("--")
    cmds, text = args[:cut], unescape(args[cut + 1])
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                return False
            print(line.rstrip(b"\r\n").decode("latin-1"))
            sys.stdout.flush()
            if line[3:4] != b"-":
                return True

    if not reply():
        print("closed before the greeting")
        return
    for c in cmds:
        s.sendall(unescape(c))
        if not reply():
            print("closed early")
            return
    t0 = time.monotonic()
    i = 0
    s.settimeout(every)
    while limit is None or time.monotonic() - t0 < limit:
        piece = bytes(text[(i + k) % len(text)] for k in range(chunk))
        i += chunk
        try:
            s.sendall(piece)
        except OSError:
            pass
        # Replies (to dripped commands, or the last word) until EOF.
        while True:
            try:
                data = s.recv(4096)
            except socket.timeout:
                break
            except OSError:
                data = b""
            if not data:
                print("closed after %.1f s" % (time.monotonic() - t0))
                return
            for line in data.splitlines():
                print(line.decode("latin-1"))
            sys.stdout.flush()
    s.settimeout(60)
    if end is not None:
        s.sendall(end)
        reply()
    print("open")


main()
