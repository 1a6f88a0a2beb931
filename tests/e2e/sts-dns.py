#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A DNS responder on 127.0.0.1 (UDP) that answers from a zone file, read
# anew for every query so that a test can change a record while it runs:
#
#   name TYPE value        (TYPE: A, MX "PREF HOST", TXT "text")
#
# A name without records of the type asked is NODATA; an unknown name is
# NXDOMAIN. Used by the MTA-STS tests, which need TXT records.
#
#   sts-dns.py --zone FILE --portfile F [--log F]
import argparse
import socket
import struct

A, MX, TXT, IN = 1, 15, 16, 1
TYPES = {'A': A, 'MX': MX, 'TXT': TXT}


def name(n):
    out = b''
    for label in n.rstrip('.').split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def zone(path):
    recs = []
    with open(path) as f:
        for line in f:
            parts = line.split(None, 2)
            if len(parts) == 3 and not line.startswith('#'):
                recs.append((parts[0].lower().rstrip('.'), parts[1],
                             parts[2].rstrip('\n')))
    return recs


def rdata(rtype, value):
    if rtype == 'A':
        return socket.inet_aton(value)
    if rtype == 'MX':
        pref, host = value.split()
        return struct.pack('>H', int(pref)) + name(host)
    raw = value.encode()
    out = b''
    while True:
        out += bytes([min(len(raw), 255)]) + raw[:255]
        raw = raw[255:]
        if not raw:
            return out


def answer(data, path):
    qid, flags, qd = struct.unpack('>HHH', data[:6])
    i, labels = 12, []
    while data[i]:
        labels.append(data[i + 1:i + 1 + data[i]].decode())
        i += 1 + data[i]
    qtype, _ = struct.unpack('>HH', data[i + 1:i + 5])
    q = data[12:i + 5]
    qname = '.'.join(labels).lower()
    recs = zone(path)
    known = any(r[0] == qname for r in recs)
    ans = [rdata(t, v) for n, t, v in recs
           if n == qname and TYPES.get(t) == qtype]
    rcode = 0 if known else 3
    out = struct.pack('>HHHHHH', qid, 0x8180 | rcode, 1, len(ans), 0, 0) + q
    for rd in ans:
        out += b'\xc0\x0c' + struct.pack('>HHIH', qtype, IN, 300,
                                         len(rd)) + rd
    return out, qname, qtype


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--zone', required=True)
    ap.add_argument('--portfile', required=True)
    ap.add_argument('--log')
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    with open(a.portfile + '.tmp', 'w') as f:
        f.write('%d\n' % s.getsockname()[1])
    import os
    os.rename(a.portfile + '.tmp', a.portfile)
    while True:
        data, peer = s.recvfrom(65535)
        try:
            out, qname, qtype = answer(data, a.zone)
        except Exception:
            continue
        if a.log:
            with open(a.log, 'a') as f:
                f.write('%s %d\n' % (qname, qtype))
        s.sendto(out, peer)


main()
