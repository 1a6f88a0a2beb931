#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A scriptable SMTP receiver on 127.0.0.1 for the zr-send/zr-remote tests,
# on aiosmtpd: per-recipient replies, PIPELINING and SIZE on or off, a
# chosen reply to the final dot, or a dropped or stalled connection there;
# STARTTLS or implicit TLS with a given certificate, AUTH PLAIN/LOGIN
# against one user and password; AUTH XOAUTH2 and OAUTHBEARER (RFC 7628)
# that accept only the bearer token a file holds at the time.
# It writes the port it got to --portfile, one line per event to --log
# ("ehlo NAME port=N tls=0|1 resumed=0|1", "sni NAME", "auth MECH",
# "authok USER", "authfail USER", "mail requiretls", "mail smtputf8",
# "mail FROM:<ADDR>" (with --smtputf8), "rcpt ADDR",
# "data N RCPTS ...", then "msgid N <ID>" with its Message-ID) and each
# message's content, as it came off the wire after dot removal (CRLF
# kept), to --save/N.
import argparse
import asyncio
import base64
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import MISSING, SMTP, AuthResult

ap = argparse.ArgumentParser()
ap.add_argument('--portfile', required=True)
ap.add_argument('--log')
ap.add_argument('--save')
ap.add_argument('--rcpt', action='append', default=[],
                help='LOCALPART=REPLY, e.g. bad=550 5.1.1 no such user')
ap.add_argument('--pipelining', action='store_true')
ap.add_argument('--size', type=int, default=0)
ap.add_argument('--data-reply', default='250 2.0.0 Ok: queued')
ap.add_argument('--drop-after-dot', action='store_true')
ap.add_argument('--stall-after-dot', action='store_true')
ap.add_argument('--delay-dot', type=float, default=0,
                help='seconds to wait before answering the final dot')
ap.add_argument('--port', type=int, default=0)
ap.add_argument('--smtputf8', action='store_true',
                help='offer SMTPUTF8 (RFC 6531)')
ap.add_argument('--throttle-after', type=int, default=0,
                help='answer the final dot with --throttle-reply once this '
                'many messages were taken')
ap.add_argument('--throttle-reply',
                default='451 4.7.28 unusual rate of unsolicited mail')
ap.add_argument('--times', action='store_true',
                help='log "time N SECONDS" at each final dot and '
                '"session open=K" as sessions come and go')
ap.add_argument('--requiretls', action='store_true',
                help='offer REQUIRETLS inside TLS and take it on MAIL')
ap.add_argument('--addr', default='127.0.0.1',
                help='address to listen on (127.0.0.2: an MX host that '
                'is not this host)')
ap.add_argument('--listen', type=int, default=1,
                help='listen on this many ports (one per line in portfile)')
ap.add_argument('--tls-cert', help='PEM certificate chain: offer STARTTLS')
ap.add_argument('--tls-key')
ap.add_argument('--client-ca',
                help='ask for a client certificate signed by this CA')
ap.add_argument('--smtps', action='store_true',
                help='implicit TLS from the first byte instead of STARTTLS')
ap.add_argument('--auth', help='USER:PASSWORD: offer AUTH PLAIN and LOGIN')
ap.add_argument('--auth-plaintext', action='store_true',
                help='offer AUTH without TLS too')
ap.add_argument('--no-plain', action='store_true',
                help='offer AUTH LOGIN only')
ap.add_argument('--oauth',
                help='FILE: offer OAuth2, accepting the token FILE holds')
ap.add_argument('--oauth-mechs', default='XOAUTH2,OAUTHBEARER',
                help='the OAuth2 mechanisms to offer')
args = ap.parse_args()

rules = {}
for r in args.rcpt:
    k, v = r.split('=', 1)
    rules[k] = v
count = [0]
sessions = [0]  # connections open now
active = {}     # port -> transactions being answered now


def log(line):
    if args.log:
        with open(args.log, 'a', encoding='utf-8') as f:
            f.write(line + '\n')


def ssl_object(server, session):
    if session.ssl:
        return session.ssl.get('ssl_object')
    return server.transport.get_extra_info('ssl_object')


def authenticator(server, session, envelope, mechanism, auth_data):
    user = auth_data.login.decode(errors='replace')
    good = '%s:%s' % (user, auth_data.password.decode(errors='replace'))
    if good == args.auth:
        log('authok ' + user)
        return AuthResult(success=True)
    log('authfail ' + user)
    return AuthResult(success=False, handled=False)


async def oauth(server, args_, bearer):
    """XOAUTH2 or OAUTHBEARER: the token must be the one in --oauth now.
    A refusal is the error challenge (334 and JSON), whose answer is
    logged, then 535 (RFC 7628 3.2.3)."""
    if len(args_) > 1:
        blob = args_[1].encode()
    else:
        blob = await server.challenge_auth('', encode_to_b64=False)
        if blob is MISSING:
            return AuthResult(success=False, handled=True)
    try:
        msg = base64.b64decode(blob, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return AuthResult(success=False, message='501 5.5.2 bad base64')
    head, _, rest = msg.partition('\x01') if bearer else ('', '', msg)
    kv = dict(p.split('=', 1) for p in rest.split('\x01') if '=' in p)
    user = kv.get('user', '')
    if bearer:
        if not head.startswith('n,a=') or not msg.endswith('\x01\x01'):
            return AuthResult(success=False, message='501 5.5.2 bad gs2')
        user = head[4:].rstrip(',')
        log('oauthbearer host=%s port=%s' % (kv.get('host'), kv.get('port')))
    token = kv.get('auth', '')
    with open(args.oauth) as f:
        want = 'Bearer ' + f.read().strip()
    if token == want:
        log('oauthok %s %s' % (user, token[7:]))
        return AuthResult(success=True)
    log('oauthfail %s %s' % (user, token[7:]))
    answer = await server.challenge_auth(
        '{"status":"401","schemes":"bearer","scope":"mail"}')
    if answer is MISSING:
        return AuthResult(success=False, handled=True)
    log('oauthdummy %s' % answer.hex())
    return AuthResult(success=False, handled=False)


class RequireTLS(SMTP):
    """Logs a MAIL with REQUIRETLS ("mail requiretls"), and with
    --requiretls takes it, which aiosmtpd itself would refuse with 555."""
    def connection_made(self, transport):
        sessions[0] += 1
        if args.times:
            log('session open=%d' % sessions[0])
        super().connection_made(transport)

    def connection_lost(self, exc):
        sessions[0] -= 1
        if args.times:
            log('session open=%d' % sessions[0])
        super().connection_lost(exc)

    async def smtp_MAIL(self, arg):
        words = (arg or '').split()
        rt = any(w.upper() == 'REQUIRETLS' for w in words)
        if rt:
            log('mail requiretls')
        if any(w.upper() == 'SMTPUTF8' for w in words):
            log('mail smtputf8')
        if args.smtputf8:
            log('mail ' + (words[0] if words else ''))
        if rt and args.requiretls:
            arg = ' '.join(w for w in words if w.upper() != 'REQUIRETLS')
        return await super().smtp_MAIL(arg)


class Handler:
    async def auth_XOAUTH2(self, server, args_):
        return await oauth(server, args_, False)

    async def auth_OAUTHBEARER(self, server, args_):
        return await oauth(server, args_, True)

    async def handle_AUTH(self, server, session, envelope, args_):
        # Every AUTH command, before any check: proof of what was sent.
        log('auth %s tls=%d' % (args_[0] if args_ else '',
                                ssl_object(server, session) is not None))
        return MISSING

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        so = ssl_object(server, session)
        log('ehlo %s port=%d tls=%d resumed=%d' % (
            hostname, server.transport.get_extra_info('sockname')[1],
            so is not None, so is not None and so.session_reused))
        peer = so.getpeercert() if so is not None else None
        if peer:
            log('client=' + dict(x[0] for x in peer['subject'])['commonName'])
        out = [r for r in responses
               if args.size or not r[4:].upper().startswith('SIZE')]
        if args.pipelining:
            out.insert(len(out) - 1, '250-PIPELINING')
        if args.requiretls and so is not None:
            out.insert(len(out) - 1, '250-REQUIRETLS')
        return out

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        log('rcpt ' + address)
        local = address.split('@', 1)[0]
        if local in rules:
            return rules[local]
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 Ok'

    async def handle_DATA(self, server, session, envelope):
        count[0] += 1
        n = count[0]
        if args.save:
            tmp = os.path.join(args.save, '.%d' % n)
            with open(tmp, 'wb') as f:
                f.write(envelope.original_content)
            os.rename(tmp, os.path.join(args.save, '%d' % n))
        port = server.transport.get_extra_info('sockname')[1]
        active[port] = active.get(port, 0) + 1
        log('data %d %s port=%d active=%d total=%d' % (
            n, ' '.join(envelope.rcpt_tos), port, active[port],
            sum(active.values())))
        log('msgid %d %s' % (n, message_id(envelope.original_content)))
        if args.times:
            log('time %d %.3f' % (n, time.time()))
        try:
            if args.delay_dot:
                await asyncio.sleep(args.delay_dot)
        finally:
            active[port] -= 1
        if args.drop_after_dot:
            server.transport.abort()
            return '250 2.0.0 never seen'
        if args.stall_after_dot:
            await asyncio.sleep(3600)
        if args.throttle_after and n > args.throttle_after:
            log('throttled %d' % n)
            return args.throttle_reply
        return args.data_reply


def message_id(content):
    """The Message-ID field of the header, or '-'."""
    head = content.split(b'\r\n\r\n', 1)[0]
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'message-id:'):
            return line[11:].strip().decode('ascii', 'replace')
    return '-'


def tls_context():
    if not args.tls_cert:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(args.client_ca)

    def sni(sslobj, name, c):
        log('sni %s' % name)
    ctx.sni_callback = sni
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    srvs = []
    ctx = tls_context()
    oauth_mechs = args.oauth_mechs.split(',') if args.oauth else []
    kw = dict(auth_exclude_mechanism=[
        m for m in ('XOAUTH2', 'OAUTHBEARER') if m not in oauth_mechs])
    if args.oauth and not args.auth:
        kw['auth_exclude_mechanism'] += ['PLAIN', 'LOGIN']
        kw['auth_require_tls'] = not args.auth_plaintext
    if args.auth:
        kw = dict(authenticator=authenticator,
                  auth_require_tls=not args.auth_plaintext,
                  auth_exclude_mechanism=kw['auth_exclude_mechanism'] +
                  (['PLAIN'] if args.no_plain else []))
    for i in range(args.listen):
        srvs.append(await loop.create_server(
            lambda: RequireTLS(handler, data_size_limit=args.size or None,
                         enable_SMTPUTF8=args.smtputf8, decode_data=False,
                         hostname='sink.test', ident='sink',
                         tls_context=None if args.smtps else ctx, **kw),
            args.addr, args.port if i == 0 else 0, reuse_address=True,
            ssl=ctx if args.smtps else None))
    with open(args.portfile + '.tmp', 'w') as f:
        for srv in srvs:
            f.write('%d\n' % srv.sockets[0].getsockname()[1])
    os.rename(args.portfile + '.tmp', args.portfile)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for srv in srvs:
        srv.close()


asyncio.run(main())
