#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The MTA-STS policy server: HTTPS on 127.0.0.1:443 (RFC 8461 3.3 names
# the port) with one certificate, serving /.well-known/mta-sts.txt from
# DIR/HOST (HOST the request's Host field) as text/plain; DIR/HOST.redirect
# answers 301 instead. Each request is logged as "HOST PATH".
#
#   sts-https.py --cert PEM --key PEM --dir DIR --log F --ready F
import argparse
import http.server
import os
import ssl

ap = argparse.ArgumentParser()
ap.add_argument('--cert', required=True)
ap.add_argument('--key', required=True)
ap.add_argument('--dir', required=True)
ap.add_argument('--log', required=True)
ap.add_argument('--ready', required=True)
ap.add_argument('--port', type=int, default=443)
a = ap.parse_args()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        host = (self.headers.get('Host') or '').lower()
        with open(a.log, 'a') as f:
            f.write('%s %s\n' % (host, self.path))
        p = os.path.join(a.dir, os.path.basename(host))
        if os.path.exists(p + '.redirect'):
            self.send_response(301)
            self.send_header('Location', 'https://elsewhere.test/')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.path != '/.well-known/mta-sts.txt' or not os.path.exists(p):
            self.send_error(404)
            return
        body = open(p, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(('127.0.0.1', a.port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(a.cert, a.key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(a.ready, 'w').write('ready\n')
srv.serve_forever()
