#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A DNS responder on 127.0.0.1 (UDP and TCP at one port) with answers no
# ordinary server gives: many.test has 150 MX records, the best one last,
# too many for 512 octets of UDP (TC, then whole over TCP); its hosts d0 to
# d39 do not exist, d40 to d148 live at 127.0.1.N where nothing listens,
# best.many.test at --sink. The domains of MALFORMED get answers broken
# one way each. Names ending in silent.test get no answer at all (the
# query is logged and dropped), names ending in servfail.test SERVFAIL.
# Names ending in slow.test are answered after --slow seconds: each domain
# has the MX host mx.DOMAIN, at --sink. Every domain ending in
# hosted.test has the one MX host mx.provider.test, at --sink (domains
# one provider hosts). Everything else does not exist.
#
#   dns-responder.py --portfile F --log F --sink 127.0.0.2
#   dns-responder.py --dump DIR     the malformed MX answers as files
#                                   (the fuzz corpus), then exit
# The log has one line per query: "udp|tcp NAME TYPE".
import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from dnsserve import name, serve  # noqa: E402

A, CNAME, MX, AAAA, IN = 1, 5, 15, 28, 1


def header(qid, flags, an, ns=0, ar=0):
    return struct.pack('>HHHHHH', qid, flags, 1, an, ns, ar)


def rr(owner, rtype, rdata, rclass=IN):
    # owner: bytes of a name or a pointer
    return owner + struct.pack('>HHIH', rtype, rclass, 300,
                               len(rdata)) + rdata


def mx(pref, host):
    return struct.pack('>H', pref) + name(host)


Q = b'\xc0\x0c'     # a pointer to the question's name


def question(qname, qtype):
    return name(qname) + struct.pack('>HH', qtype, IN)


def malformed(kind, qid, qname):
    """An MX answer for qname, broken as kind says."""
    q = question(qname, MX)
    ok = header(qid, 0x8180, 1) + q
    if kind == 'badptr':
        return ok + rr(Q, MX, struct.pack('>HH', 10, 0xffff))
    if kind == 'loop':
        here = len(ok)
        return ok + rr(struct.pack('>H', 0xc000 | here), MX,
                       struct.pack('>H', 10) + Q)
    if kind == 'longname':
        return ok + rr(Q, MX, struct.pack('>H', 10) +
                       (b'\x3f' + b'a' * 63) * 5 + b'\0')
    if kind == 'longlabel':
        return ok + rr(Q, MX, struct.pack('>H', 10) + b'\x40' +
                       b'a' * 64 + b'\0')
    if kind == 'cut':
        return (ok + rr(Q, MX, mx(10, 'mx.' + qname)))[:-6]
    if kind == 'class':
        return ok + rr(Q, MX, mx(10, 'mx.' + qname), rclass=3)
    if kind == 'other':
        return ok + rr(name('elsewhere.test'), MX, mx(10, 'mx.elsewhere.test'))
    if kind == 'question':
        return (header(qid, 0x8180, 1) + question('elsewhere.test', MX) +
                rr(Q, MX, mx(10, 'mx.elsewhere.test')))
    if kind == 'id':
        return header(qid ^ 0x5555, 0x8180, 1) + q + rr(Q, MX, mx(10, 'x.test'))
    raise ValueError(kind)


MALFORMED = ['badptr', 'loop', 'longname', 'longlabel', 'cut', 'class',
             'other', 'question', 'id']
MANY = 150
NOHOST = 40


def many(qid, q):
    recs = b''
    for i in range(MANY - 1):
        recs += rr(Q, MX, mx(10 + i, 'd%d.many.test' % i))
    recs += rr(Q, MX, mx(5, 'best.many.test'))
    return header(qid, 0x8580, MANY) + q + recs


def answer(data, tcp, sink, logf, slow=None):
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack('>HHH', data[:6])
    if qd != 1:
        return None
    i, labels = 12, []
    while i < len(data) and data[i] != 0:
        labels.append(data[i + 1:i + 1 + data[i]].decode('ascii', 'replace'))
        i += 1 + data[i]
    qname = '.'.join(labels).lower()
    qtype, = struct.unpack('>H', data[i + 1:i + 3])
    q = data[12:i + 5]
    if logf:
        with open(logf, 'a') as f:
            f.write('%s %s %d\n' % ('tcp' if tcp else 'udp', qname, qtype))
    nodata = header(qid, 0x8580, 0) + q
    nx = header(qid, 0x8583, 0) + q
    if qname == 'silent.test' or qname.endswith('.silent.test'):
        return None
    if qname == 'servfail.test' or qname.endswith('.servfail.test'):
        return header(qid, 0x8582, 0) + q
    if qname == 'slow.test' or qname.endswith('.slow.test'):
        if slow is not None:
            slow.append(True)
        if qname.startswith('mx.'):
            if qtype == A:
                return (header(qid, 0x8580, 1) + q +
                        rr(Q, A, socket.inet_aton(sink)))
            return nodata
        if qtype == MX:
            return header(qid, 0x8580, 1) + q + rr(Q, MX, mx(10, 'mx.' + qname))
        return nodata
    if qname == 'mx.provider.test':
        if qtype == A:
            return (header(qid, 0x8580, 1) + q +
                    rr(Q, A, socket.inet_aton(sink)))
        return nodata
    if qname.endswith('.hosted.test'):
        if qtype == MX:
            return (header(qid, 0x8580, 1) + q +
                    rr(Q, MX, mx(10, 'mx.provider.test')))
        return nodata
    base = qname.split('.', 1)[0]
    if qname in ['%s.test' % k for k in MALFORMED]:
        if qtype != MX:
            return nodata
        return malformed(base, qid, qname)
    if qname == 'many.test':
        if qtype != MX:
            return nodata
        full = many(qid, q)
        if not tcp and len(full) > 512:
            # RFC 1035 4.2.1: cut, and say so.
            return header(qid, 0x8780, 0) + q
        return full
    if qname == 'best.many.test':
        if qtype == A:
            return (header(qid, 0x8580, 1) + q +
                    rr(Q, A, socket.inet_aton(sink)))
        return nodata
    if qname.endswith('.many.test') and base[0] == 'd' and base[1:].isdigit():
        n = int(base[1:])
        if n < NOHOST:
            return nx
        if qtype == A:
            return (header(qid, 0x8580, 1) + q +
                    rr(Q, A, bytes([127, 0, 1, n])))
        return nodata
    return nx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--portfile')
    ap.add_argument('--log')
    ap.add_argument('--sink', default='127.0.0.2')
    ap.add_argument('--slow', type=float, default=2.0)
    ap.add_argument('--dump')
    args = ap.parse_args()
    if args.dump:
        for k in MALFORMED:
            with open('%s/mx-%s' % (args.dump, k), 'wb') as f:
                f.write(malformed(k, 0x1234, k + '.test'))
        with open('%s/mx-150' % args.dump, 'wb') as f:
            f.write(many(0x1234, question('many.test', MX)))
        return

    def reply(data, tcp):
        slow = [] if not tcp else None
        a = answer(data, tcp, args.sink, args.log, slow)
        return (a, args.slow) if a is not None and slow else a

    serve(reply, args.portfile)


if __name__ == '__main__':
    main()
