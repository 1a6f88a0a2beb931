/* SPDX-License-Identifier: MIT */
/*
 * https: one HTTP/1.1 request over TLS, the client side, for zr-sts's
 * policy fetch (RFC 8461 3.3) and zr-tlsrpt's report upload (RFC 8460
 * 5.4). Minimal on purpose: the caller writes the whole request (with
 * "Connection: close") and gets the whole response back, read until the
 * peer closes; the server's certificate is always verified for host;
 * nothing waits past the deadline.
 *
 * Functions return 1, or 0 with why set (a phrase for the log).
 */
#ifndef ZR_HTTPS_H
#define ZR_HTTPS_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "tls.h"
#include "zs.h"

/* A TCP connection to a at port within the deadline; -1 when none. */
int https_connect(struct dns_addr *a, unsigned port, unsigned timeout,
    long long deadline);
/*
 * Over fd: TLS verified for host, the request req sent, the response into
 * resp (at most max bytes, else an error); *clean says the peer ended
 * with close_notify. what names the response in why ("the policy").
 */
int https_exchange(SSL_CTX *ctx, int fd, const char *host,
    const struct zs *req, size_t max, unsigned timeout, long long deadline,
    struct zs *resp, bool *clean, const char *what, struct zs *why);
/*
 * What both callers read before a fetch: control/dnsservers (NUL-ended,
 * empty when missing) into dnsservers, and into cafile the path of
 * control/mtastsca, a file of CAs to trust instead of the system's (tests,
 * pinning), or nothing when there is no such file. 1, or 0 with errno set.
 */
int https_conf_load(struct zs *dnsservers, struct zs *cafile);
/*
 * A TLS client context trusting cafile (from https_conf_load; empty: the
 * system's CAs), or NULL with why set.
 */
SSL_CTX *https_client_ctx(const struct zs *cafile, struct zs *why);
/* The status code of a response's status line, or -1 if it has none. */
int https_status(const char *p, size_t n);

#endif
