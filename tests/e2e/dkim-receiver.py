#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An SMTP receiver on 127.0.0.1 (aiosmtpd) that verifies the DKIM
# signatures of every message it gets with python3-dkim. The public keys
# come from --keys, lines "SELECTOR._domainkey.DOMAIN. TXT-TEXT", through
# dkim's dnsfunc: no DNS. It writes its port to --portfile and, per
# message, one line to --log:
#   msg N subject=WORD sigs=K pass=P
# (WORD the first of the Subject, K DKIM-Signature fields, P of them
# verified), and the message as it came off the wire to --save/N. --defer-once TEXT answers 451 to the first
# message that contains TEXT (then logs "deferred WORD").
import argparse
import asyncio
import os
import signal

import dkim
from aiosmtpd.smtp import SMTP

ap = argparse.ArgumentParser()
ap.add_argument('--portfile', required=True)
ap.add_argument('--log', required=True)
ap.add_argument('--keys', required=True)
ap.add_argument('--save')
ap.add_argument('--defer-once')
args = ap.parse_args()
count = [0]
deferred = [False]


def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    if not name.endswith('.'):
        name += '.'
    with open(args.keys) as f:
        for line in f:
            k, _, v = line.strip().partition(' ')
            if k == name:
                return v.encode()
    return None


def subject(content):
    for line in content.split(b'\r\n\r\n', 1)[0].split(b'\r\n'):
        if line.lower().startswith(b'subject:'):
            words = line[8:].split()
            return words[0].decode('ascii', 'replace') if words else '-'
    return '-'


def log(line):
    with open(args.log, 'a') as f:
        f.write(line + '\n')


class Handler:
    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content
        subj = subject(content)
        if args.defer_once and not deferred[0] and \
                args.defer_once.encode() in content:
            deferred[0] = True
            log('deferred %s' % subj)
            return '451 4.3.0 try again'
        count[0] += 1
        n = count[0]
        if args.save:
            with open(os.path.join(args.save, str(n)), 'wb') as f:
                f.write(content)
        d = dkim.DKIM(content)
        head = content.split(b'\r\n\r\n', 1)[0]
        sigs = sum(1 for line in head.split(b'\r\n')
                   if line.lower().startswith(b'dkim-signature:'))
        ok = 0
        for i in range(sigs):
            try:
                ok += bool(d.verify(idx=i, dnsfunc=txt))
            except dkim.DKIMException as e:
                log('error %d %s' % (n, e))
        log('msg %d subject=%s sigs=%d pass=%d' % (n, subj, sigs, ok))
        return '250 2.0.0 Ok'


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Handler(), decode_data=False, hostname='receiver.test',
                     ident='receiver'), '127.0.0.1', 0)
    with open(args.portfile + '.tmp', 'w') as f:
        f.write('%d\n' % srv.sockets[0].getsockname()[1])
    os.rename(args.portfile + '.tmp', args.portfile)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    srv.close()


asyncio.run(main())
