#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An SMTP server on stdin/stdout, for tcpserver, that takes CHUNKING
# (RFC 3030): remote-bdat.py MODE LOG SAVE. It writes each command to LOG
# ("BDAT 1234", "BDAT 56 LAST", "DATA", ...) and the content it got to
# SAVE, as it came off the wire: the chunks joined, or DATA's lines up to
# the dot, still dot-stuffed. MODE: pipe offers PIPELINING and CHUNKING;
# plain offers CHUNKING alone and writes "early CMD" to LOG when a command
# came before the reply to the one before it; last554 and last451 answer
# BDAT LAST with that code; droplast closes the connection instead of
# answering BDAT LAST; nochunk offers PIPELINING but not CHUNKING,
# and answers BDAT with 500.
import os
import sys

mode, logname, savename = sys.argv[1:4]
log = open(logname, 'a', buffering=1)
out = sys.stdout.buffer
buf = b''


def need(n):
    global buf
    while len(buf) < n:
        got = os.read(0, 65536)
        if not got:
            sys.exit(0)
        buf += got


def line():
    global buf
    while b'\r\n' not in buf:
        got = os.read(0, 65536)
        if not got:
            sys.exit(0)
        buf += got
    l, buf = buf.split(b'\r\n', 1)
    return l


def reply(r):
    out.write(r.encode() + b'\r\n')
    out.flush()


reply('220 bdat.test ESMTP')
saved = bytearray()
while True:
    cmd = line().decode(errors='replace')
    verb = cmd.split(' ', 1)[0].upper()
    log.write(cmd + '\n')
    if verb == 'EHLO':
        ext = ['bdat.test', '8BITMIME']
        if mode != 'plain':
            ext.append('PIPELINING')
        if mode != 'nochunk':
            ext.append('CHUNKING')
        reply('\r\n'.join('250-' + e for e in ext[:-1]) + '\r\n250 ' +
              ext[-1])
        continue
    if verb == 'BDAT' and mode != 'nochunk':
        words = cmd.split()
        n = int(words[1])
        need(n)
        saved += buf[:n]
        buf = buf[n:]
        if mode == 'plain' and buf:
            log.write('early ' + buf[:40].decode(errors='replace') + '\n')
        last = len(words) > 2 and words[2].upper() == 'LAST'
        if not last:
            reply('250 2.0.0 %d octets' % n)
            continue
        with open(savename, 'wb') as f:
            f.write(saved)
        saved = bytearray()
        if mode == 'droplast':
            sys.exit(0)
        if mode == 'last554':
            reply('554 5.6.0 content refused')
        elif mode == 'last451':
            reply('451 4.3.0 try later')
        else:
            reply('250 2.0.0 queued by chunks')
        continue
    if mode == 'plain' and buf and verb != 'RSET':
        log.write('early ' + buf.split(b'\r\n', 1)[0].decode() + '\n')
    if verb in ('MAIL', 'RSET', 'RCPT', 'NOOP'):
        reply('250 2.0.0 ok')
    elif verb == 'DATA':
        reply('354 go on')
        data = bytearray()
        while True:
            l = line()
            if l == b'.':
                break
            data += l + b'\r\n'
        with open(savename, 'wb') as f:
            f.write(data)
        reply('250 2.0.0 queued by data')
    elif verb == 'QUIT':
        reply('221 2.0.0 bye')
        sys.exit(0)
    else:
        reply('500 5.5.2 what')
