#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A DNS responder on 127.0.0.1 (UDP and TCP at one port) that plays a
# validating resolver: it sets the AD bit (RFC 4035 3.2.3) on answers the
# zone file calls secure, when the query asks with DO or AD (RFC 6840 5.7),
# unless --no-ad (a resolver that does not validate). The zone file is read
# at every query, so a test may change it between jobs. Lines:
#
#   secure|insecure NAME A 127.0.0.1
#   secure|insecure NAME MX 10 mx.example.test
#   secure|insecure NAME TLSA 3 1 1 HEX
#   secure|insecure NAME TXT text      (the rest of the line, words joined
#                                       by one space)
#   servfail NAME TYPE          SERVFAIL for that name and type
#   insecure NAME - -           a denial (NXDOMAIN, NODATA) without AD
#
# The root (".") has a signed SOA. Names with no line do not exist, and
# that denial is signed. The log has one line per query:
# "NAME TYPE do=0|1".
#
#   dane-dns.py --zone FILE --portfile F --log F [--no-ad] [--port N]
import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from dnsserve import name, serve  # noqa: E402

TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'MX': 15, 'TXT': 16,
         'AAAA': 28, 'TLSA': 52}
Q = b'\xc0\x0c'


def rdata(t, words):
    if t == 'A':
        return socket.inet_aton(words[0])
    if t == 'MX':
        return struct.pack('>H', int(words[0])) + name(words[1])
    if t == 'TLSA':
        return bytes([int(words[0]), int(words[1]), int(words[2])]) + \
            bytes.fromhex(''.join(words[3:]))
    if t == 'TXT':
        raw, out = ' '.join(words).encode(), b''
        while True:
            out += bytes([min(len(raw), 255)]) + raw[:255]
            raw = raw[255:]
            if not raw:
                return out
    raise ValueError(t)


def load(zone):
    recs, servfail, insecure = [], set(), set()
    with open(zone) as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or w[0].startswith('#'):
                continue
            kind, owner, t = w[0], w[1].lower().rstrip('.'), w[2]
            if kind == 'servfail':
                servfail.add((owner, TYPES[t]))
            elif t == '-':
                insecure.add(owner)
            else:
                recs.append((owner, TYPES[t], rdata(t, w[3:]),
                             kind == 'secure'))
    return recs, servfail, insecure


def parse_query(data):
    qid, flags, qd, an, ns, ar = struct.unpack('>HHHHHH', data[:12])
    i, labels = 12, []
    while data[i] != 0:
        labels.append(data[i + 1:i + 1 + data[i]].decode('ascii', 'replace'))
        i += 1 + data[i]
    qname = '.'.join(labels).lower()
    qtype, = struct.unpack('>H', data[i + 1:i + 3])
    q = data[12:i + 5]
    do = False
    j = i + 5
    for _ in range(ar):
        # only a root-owned OPT is expected here
        if data[j] == 0 and struct.unpack('>H', data[j + 1:j + 3])[0] == 41:
            ttl, = struct.unpack('>I', data[j + 5:j + 9])
            do = bool(ttl & 0x8000)
            rdlen, = struct.unpack('>H', data[j + 9:j + 11])
            j += 11 + rdlen
        else:
            break
    return qid, flags, qname, qtype, q, do, ar > 0


def answer(data, args):
    if len(data) < 12:
        return None
    qid, flags, qname, qtype, q, do, edns = parse_query(data)
    if args.log:
        with open(args.log, 'a') as f:
            f.write('%s %d do=%d\n' % (qname or '.', qtype, int(do)))
    recs, servfail, insecure = load(args.zone)
    want_ad = (do or flags & 0x20) and not args.no_ad
    opt = struct.pack('>BHHIH', 0, 41, 1232, 0x8000 if do else 0, 0) \
        if edns else b''
    rd = flags & 0x0100

    def msg(rcode, answers, secure):
        f = 0x8000 | rd | 0x0080 | rcode
        if secure and want_ad:
            f |= 0x0020
        body = b''.join(Q + struct.pack('>HHIH', t, 1, 300, len(rd_)) + rd_
                        for t, rd_ in answers)
        return struct.pack('>HHHHHH', qid, f, 1, len(answers), 0,
                           1 if opt else 0) + q + body + opt

    if (qname, qtype) in servfail:
        return msg(2, [], False)
    if qname == '' and qtype == TYPES['SOA']:
        soa = name('a.root-servers.net') + name('nstld.verisign-grs.com') + \
            struct.pack('>IIIII', 1, 1800, 900, 604800, 86400)
        return msg(0, [(6, soa)], True)
    mine = [r for r in recs if r[0] == qname]
    hits = [r for r in mine if r[1] == qtype]
    if hits:
        return msg(0, [(r[1], r[2]) for r in hits], all(r[3] for r in hits))
    return msg(0 if mine else 3, [], qname not in insecure)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--zone', required=True)
    ap.add_argument('--portfile', required=True)
    ap.add_argument('--log')
    ap.add_argument('--no-ad', action='store_true')
    ap.add_argument('--port', type=int, default=0,
                    help='53 for a resolver named in a resolv.conf')
    args = ap.parse_args()
    serve(lambda data, tcp: answer(data, args), args.portfile, args.port)


if __name__ == '__main__':
    main()
