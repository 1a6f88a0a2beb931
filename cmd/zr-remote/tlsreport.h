/* SPDX-License-Identifier: MIT */
/*
 * tlsreport: zr-remote's part of TLS reporting (RFC 8460). For every session
 * with an MX host (a host line with mx=NAME) that got as far as deciding
 * TLS, one result line (lib/tlsrpt.h) goes to queue/tlsrpt/DAY/r.PID:
 * the recipients' domain as the policy domain; the policy, tlsa when a
 * DANE TLSA set applied (or its lookup failed), sts when an MTA-STS
 * policy in enforce or testing mode covers the host, else
 * no-policy-found; and success or the RFC's failure type. zr-tlsrpt
 * sums them up. Sessions that never reached TLS (refused connections,
 * a 4xx greeting) are not TLS results and are not written.
 *
 * A line that cannot be written is logged and forgotten: reporting never
 * holds up a delivery.
 */
#ifndef ZR_REMOTE_TLSREPORT_H
#define ZR_REMOTE_TLSREPORT_H

#include <stdbool.h>

#include "job.h"
#include "route.h"
#include "sts.h"
#include "tlsrpt.h"

struct remote;

struct tlsreport {
	char domain[TLSRPT_NAME_MAX + 1];	/* "": nothing to report */
	bool sts;			/* c holds a policy in force */
	struct sts_cache c;
};

/*
 * At the start of a job, once MTA-STS has been applied (sts: it was, not
 * set aside by TLS-Required: No): the recipients' domain (of rcpts,
 * NUL-separated) and its cached MTA-STS policy.
 */
void tlsreport_job(struct remote *, const struct job_req *,
    const char *rcpts, bool sts);
/* After conn_open for host h: the session's line, if it is one. */
void tlsreport_session(struct remote *, const struct route_host *h);

#endif
