#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving SMTP server on stdin/stdout, for tcpserver: remote-raw.py
# MODE. greet421: a 421 greeting; helo: no EHLO, HELO works; odd: a MAIL
# reply whose lines carry different codes; nul: a RCPT reply full of NUL
# and control bytes; huge: a megabyte greeting with no line end;
# starttls-inject: offers STARTTLS and sends a reply more with its 220;
# starttls-454: offers STARTTLS and refuses it; dsn: offers DSN and
# writes each MAIL and RCPT line to the file $RAW_LOG; plain: offers
# nothing and logs the same way. Replies out of step, each with one reply
# more than was asked for, sent with the one that was: extra-greet after
# the greeting; extra-rcpt after RCPT (no PIPELINING); extra-pipe after the
# 354 that ends a pipelined group; extra-dot after the final 250. The
# extra-* servers refuse the message itself (554), so that a client that
# takes the extra reply for the next one is seen to. starttls-extra: offers
# STARTTLS, goes into TLS with $RAW_CERT and $RAW_KEY, and answers the EHLO
# that follows with a reply more. Slow servers that answer in time for
# every read, a byte each $RAW_DRIP seconds (default 0.2), but take long
# in all: drip-greet drips its greeting, drip-dot the reply to the final
# dot (a long one).
import os
import socket
import ssl
import sys
import time

mode = sys.argv[1]
tls = None
out = sys.stdout.buffer
inp = sys.stdin.buffer


def say(b):
    out.write(b)
    out.flush()


if mode == 'greet421':
    say(b'421 4.3.2 too busy\r\n')
    sys.exit(0)


def drip(b):
    for i in range(len(b)):
        say(b[i:i + 1])
        time.sleep(float(os.environ.get('RAW_DRIP', '0.2')))


if mode == 'drip-greet':
    drip(b'220 raw.test ESMTP slowly, one byte at a time, for ever\r\n')
if mode == 'huge':
    say(b'220 ' + b'x' * (1 << 20))
    sys.exit(0)
if mode != 'drip-greet':
    say(b'220 raw.test ESMTP\r\n' +
        (b'250 2.0.0 unasked\r\n' if mode == 'extra-greet' else b''))
while True:
    line = inp.readline()
    if not line:
        break
    verb = line[:4].upper()
    if verb in (b'MAIL', b'RCPT') and os.environ.get('RAW_LOG'):
        with open(os.environ['RAW_LOG'], 'ab') as f:
            f.write(line.rstrip(b'\r\n') + b'\n')
    if verb == b'EHLO':
        if tls is not None:
            say(b'250-raw.test\r\n250 PIPELINING\r\n250 2.0.0 unasked\r\n')
        elif mode == 'helo':
            say(b'502 5.5.2 what is EHLO\r\n')
        elif mode.startswith('starttls'):
            say(b'250-raw.test\r\n250 STARTTLS\r\n')
        elif mode == 'dsn':
            say(b'250-raw.test\r\n250 DSN\r\n')
        elif mode in ('extra-pipe', 'extra-dot'):
            say(b'250-raw.test\r\n250 PIPELINING\r\n')
        else:
            say(b'250 raw.test\r\n')
    elif verb == b'STAR':
        if mode == 'starttls-inject':
            say(b'220 2.0.0 go ahead\r\n250 2.0.0 injected\r\n')
        elif mode == 'starttls-extra':
            say(b'220 2.0.0 go ahead\r\n')
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.environ['RAW_CERT'], os.environ['RAW_KEY'])
            tls = ctx.wrap_socket(socket.socket(fileno=os.dup(0)),
                                  server_side=True)
            inp = tls.makefile('rb')
            out = tls.makefile('wb')
        else:
            say(b'454 4.7.0 TLS not available now\r\n')
    elif verb == b'HELO':
        say(b'250 raw.test\r\n')
    elif verb == b'MAIL':
        say(b'250-first line\r\n451 4.3.0 the second differs\r\n'
            if mode == 'odd' else b'250 2.1.0 ok\r\n')
    elif verb == b'RCPT':
        say(b'550 5.1.1 bad\x00user\x07\x1b[31m\rred\r\n' if mode == 'nul'
            else b'250 2.1.5 ok\r\n250 2.1.5 again\r\n'
            if mode == 'extra-rcpt' else b'250 2.1.5 ok\r\n')
    elif verb == b'DATA':
        say(b'354 go on\r\n' +
            (b'250 2.0.0 unasked\r\n' if mode == 'extra-pipe' else b''))
        while True:
            d = inp.readline()
            if not d or d == b'.\r\n':
                break
        if mode == 'drip-dot':
            drip(b'250 2.0.0 taken, but it took a long while to say so\r\n')
        elif mode == 'extra-dot':
            say(b'250 2.0.0 taken\r\n250 2.0.0 unasked\r\n')
        elif mode.startswith('extra-'):
            say(b'554 5.6.0 refused\r\n')
        else:
            say(b'250 2.0.0 taken\r\n')
    elif verb == b'RSET':
        say(b'250 2.0.0 ok\r\n')
    elif verb == b'QUIT':
        say(b'221 2.0.0 bye\r\n')
        break
    else:
        say(b'500 5.5.1 what\r\n')
