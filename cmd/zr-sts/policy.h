/* SPDX-License-Identifier: MIT */
/*
 * policy: zr-sts's work for one domain (RFC 8461 5.1): read the _mta-sts
 * TXT record through lib/dns, and when its id differs from the cached
 * one (or nothing valid is cached) fetch the policy over HTTPS and
 * replace queue/sts/DOMAIN with it. A failure keeps a cached policy
 * that is still within its max_age.
 *
 * The HTTPS client is minimal on purpose: one GET over HTTP/1.1 with
 * "Connection: close", a verified certificate for mta-sts.DOMAIN, no
 * redirects (RFC 8461 3.3), 200 and text/plain only, a body of at most
 * STS_POLICY_MAX bytes, and one deadline over it all.
 */
#ifndef ZR_STS_POLICY_H
#define ZR_STS_POLICY_H

#include <stdbool.h>

#include "sts.h"
#include "zs.h"

#define POLICY_USAGE "zr-sts [-f] [-q queuedir] domain"
/* Seconds for the TXT lookup, the connection and the whole fetch. */
#define POLICY_TIMEOUT 20
/* The response head (status line and fields) is refused beyond this. */
#define POLICY_HEAD_MAX 8192
/* RFC 8461 3.3: the policy is served on port 443 of mta-sts.DOMAIN. */
#define POLICY_PORT 443

struct policy_conf {
	const char *queuedir;	/* -q, else $ZR_QUEUE, else the default */
	char domain[STS_NAME_MAX + 1];	/* lower case, no final dot */
	bool force;		/* -f: fetch even when the id is unchanged */
	bool off;		/* control/mtasts says no */
	struct zs dnsservers;	/* control/dnsservers */
	struct zs cafile;	/* the path of control/mtastsca, or empty */
};

/* Options into c. 1, or 0 for bad usage. */
int policy_args(struct policy_conf *c, int argc, char **argv);
/* The control files. 1, or 0 with errno. */
int policy_conf_load(struct policy_conf *c);
/*
 * An HTTP response (n bytes, head and body as received): the policy body
 * of a 200 text/plain answer, plain or chunked, into body. clean says the
 * TLS connection ended with close_notify; without it only a body framed
 * by Content-Length or chunks is known to be whole. 1, or 0 with *why.
 */
int policy_http_body(const char *p, size_t n, bool clean, struct zs *body,
    const char **why);
/* Do the work; an EXIT_* code (zr-sts(8) lists them). */
int policy_run(struct policy_conf *c);

#endif
