#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A TLSRPT report receiver (RFC 8460 5.4): HTTPS on 127.0.0.1 at a free
# port with one certificate. A POST's body is saved as DIR/N.body and its
# request line and Content-Type logged as "PATH TYPE"; it answers 200, or
# 503 for a path ending in /busy.
#
#   tlsrpt-https.py --cert PEM --key PEM --dir DIR --log F --portfile F
import argparse
import http.server
import os
import ssl

ap = argparse.ArgumentParser()
ap.add_argument('--cert', required=True)
ap.add_argument('--key', required=True)
ap.add_argument('--dir', required=True)
ap.add_argument('--log', required=True)
ap.add_argument('--portfile', required=True)
a = ap.parse_args()
n = [0]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        n[0] += 1
        with open(os.path.join(a.dir, '%d.body' % n[0]), 'wb') as f:
            f.write(body)
        with open(a.log, 'a') as f:
            f.write('%s %s\n' % (self.path, self.headers.get('Content-Type')))
        code = 503 if self.path.endswith('/busy') else 200
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.send_header('Connection', 'close')
        self.end_headers()

    def log_message(self, *args):
        pass


s = http.server.HTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(a.cert, a.key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(a.portfile + '.tmp', 'w') as f:
    f.write('%d\n' % s.server_address[1])
os.rename(a.portfile + '.tmp', a.portfile)
s.serve_forever()
