#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An SMTP server on stdin/stdout, for tcpserver, that checks how its
# client groups commands: remote-cursor.py pipe|plain LOG. It writes each
# command to LOG in the order it came. pipe offers PIPELINING and holds
# every reply until DATA comes (RFC 2920 3.1), so a client that waited for
# each reply would hang; plain offers nothing and writes "early CMD" to LOG
# when a command came before the reply to the one before it (RSET may have
# the MAIL after it for company). RCPTs to bad@ get 550, the others 250;
# DATA gets 554 5.5.1, a refusal after accepted recipients. pipe writes
# "group N" when it answers N commands at once.
import os
import sys

mode, logname = sys.argv[1], sys.argv[2]
log = open(logname, 'a', buffering=1)
out = sys.stdout.buffer
buf = b''
held = []


def line():
    global buf
    while b'\r\n' not in buf:
        got = os.read(0, 4096)
        if not got:
            sys.exit(0)
        buf += got
    l, buf = buf.split(b'\r\n', 1)
    return l.decode(errors='replace')


def reply(r, hold=False):
    held.append(r)
    if mode == 'plain' or not hold:
        if mode == 'pipe':
            log.write('group %d\n' % len(held))
        out.write(''.join(x + '\r\n' for x in held).encode())
        out.flush()
        held.clear()


out.write(b'220 cursor.test ESMTP\r\n')
out.flush()
while True:
    cmd = line()
    verb = cmd.split(' ', 1)[0].upper()
    log.write(cmd + '\n')
    if mode == 'plain' and b'\r\n' in buf and verb != 'RSET':
        log.write('early ' + buf.split(b'\r\n', 1)[0].decode() + '\n')
    if verb == 'EHLO':
        ext = '250-PIPELINING\r\n' if mode == 'pipe' else ''
        out.write(('250-cursor.test\r\n' + ext + '250 8BITMIME\r\n')
                  .encode())
        out.flush()
    elif verb in ('MAIL', 'RSET'):
        reply('250 2.0.0 ok', True)
    elif verb == 'RCPT':
        reply('550 5.1.1 no such user' if '<bad@' in cmd
              else '250 2.1.5 ok', True)
    elif verb == 'DATA':
        reply('554 5.5.1 no thanks')
    elif verb == 'QUIT':
        reply('221 2.0.0 bye')
        sys.exit(0)
    else:
        reply('502 5.5.2 what')
