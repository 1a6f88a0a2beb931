# SPDX-License-Identifier: MIT
# dnsserve: what the DNS responders of the tests (tests/e2e/*-dns.py,
# dns-responder.py) share: names in wire form, and a server on 127.0.0.1
# that takes queries over UDP and TCP at one port and writes that port to
# a file once it listens.
#
#   sys.path.insert(0, os.path.join(os.path.dirname(
#       os.path.abspath(__file__)), '..', 'lib'))
#   from dnsserve import name, serve
#   serve(answer, portfile)       # answer(data, tcp) -> what to send
import os
import socket
import struct
import threading


def name(n):
    """A domain name in wire form (RFC 1035 3.1), without compression."""
    out = b''
    for label in n.split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def read_n(c, n):
    b = b''
    while len(b) < n:
        more = c.recv(n - len(b))
        if not more:
            return None
        b += more
    return b


def _serve_tcp(s, answer):
    while True:
        c, _ = s.accept()
        with c:
            ln = read_n(c, 2)
            data = ln and read_n(c, struct.unpack('>H', ln)[0])
            a = data and answer(data, True)
            if isinstance(a, tuple):
                a = a[0]
            if a:
                c.sendall(struct.pack('>H', len(a)) + a)


def _serve_udp(s, answer):
    while True:
        data, peer = s.recvfrom(65535)
        a = answer(data, False)
        if a is None:
            continue
        if isinstance(a, tuple):
            # Later, without holding up the answers to other queries.
            threading.Timer(a[1], s.sendto, (a[0], peer)).start()
        else:
            s.sendto(a, peer)


def serve(answer, portfile, port=0):
    """Answer queries for ever. answer(data, tcp) returns the reply, None
    for none, or (reply, seconds) for a reply sent that much later (over
    TCP it goes at once). port 0: one the kernel picks, free for both."""
    while True:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(('127.0.0.1', port))
        got = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(('127.0.0.1', got))
            break
        except OSError:
            u.close()
            t.close()
    t.listen(16)
    threading.Thread(target=_serve_tcp, args=(t, answer), daemon=True).start()
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % got)
    os.rename(portfile + '.tmp', portfile)
    _serve_udp(u, answer)
