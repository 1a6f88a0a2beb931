# SPDX-License-Identifier: MIT
# A raw SMTP client for the zr-smtpd tests: sends exact bytes, prints the
# replies.
#
#   python3 smtpd-client.py PORT [-e | -t] STEP...
#
# Each STEP is "N:TEXT": send TEXT (Python escapes: \r \n \x00 ...; "@FILE"
# sends the file's bytes), then read N complete replies (a reply ends with
# a line whose fourth byte is a space). Every reply line is printed, CR
# removed. The greeting is read first unless -e (early talker) is given,
# in which case the first step is sent before it and the greeting counts as
# one of its replies. The step "tls" starts TLS on the connection (after
# a 220 to STARTTLS) and prints "TLS" and the protocol; -t starts TLS
# before the greeting (implicit TLS). Certificates are not checked here.
# Ends with exit 0 when every reply came, 1 on EOF or a failed handshake.
import socket
import ssl
import sys


def main():
    port = int(sys.argv[1])
    steps = sys.argv[2:]
    early = implicit = False
    if steps and steps[0] == "-e":
        early = True
        steps = steps[1:]
    elif steps and steps[0] == "-t":
        implicit = True
        steps = steps[1:]
    s = socket.create_connection(("127.0.0.1", port), timeout=20)

    def tls(sock):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            t = ctx.wrap_socket(sock, server_hostname="relay.test")
        except (ssl.SSLError, OSError) as e:
            print("TLS failed: %s" % e)
            sys.exit(1)
        print("TLS " + t.version())
        return t

    if implicit:
        s = tls(s)
    f = s.makefile("rb")

    def replies(n):
        for _ in range(n):
            while True:
                try:
                    line = f.readline()
                except OSError:
                    line = b""
                if not line:
                    print("EOF")
                    sys.stdout.flush()
                    sys.exit(1)
                print(line.rstrip(b"\r\n").decode("latin-1"))
                if line[3:4] != b"-":
                    break
        sys.stdout.flush()

    if not early:
        replies(1)
    for step in steps:
        if step == "tls":
            s = tls(s)
            f = s.makefile("rb")
            continue
        n, _, text = step.partition(":")
        if text.startswith("@"):
            data = open(text[1:], "rb").read()
        else:
            data = text.encode("latin-1").decode("unicode_escape").encode(
                "latin-1")
        try:
            s.sendall(data)
        except OSError:
            pass
        replies(int(n))
    s.close()


main()
