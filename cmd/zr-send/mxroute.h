/* SPDX-License-Identifier: MIT */
/*
 * mxroute: the routes that control/domainroutes and control/smarthosts do
 * not give. Recipients in control/localdomains go to the host "local" (a
 * zr-local child); the others, when no route applies or control/mxrouting
 * puts MX first, go by the domain's MX records (lib/dns, cached by TTL),
 * with the smart hosts after them as the fallback in the second case.
 * control/senderroutes stands in for both smart hosts and MX for the
 * senders it names (mx_route_from).
 */
#ifndef ZR_SEND_MXROUTE_H
#define ZR_SEND_MXROUTE_H

#include "dns.h"
#include "route.h"
#include "send.h"

/* The host key of local delivery: jobs for it go to zr-local. */
#define MX_LOCAL_KEY "local"
#define MX_LOCAL_ADDRS 32
/* Addresses of MX hosts tried per message (Postfix's mx_address_limit). */
#define MX_TARGETS 10

struct send_mx {
	struct dns dns;
	int dns_ok;
	struct dns_addr laddr[MX_LOCAL_ADDRS];
	struct dns_local local;
	struct route_host lhost;
	struct route_set lset;		/* the set of MX_LOCAL_KEY */
	char why[160];			/* the last MX_TEMP reason */
};

enum mx_result { MX_SET, MX_TEMP, MX_PERM };

/* (Re)read what routing needs from c: DNS servers, this host's addresses. */
void mx_open(struct send_mx *, const struct send_conf *);
void mx_close(struct send_mx *);
/*
 * Route a domain (n bytes). MX_SET: *set is the route (the route table's,
 * the local set, or a new MX set to free with mx_set_free, as *owned says).
 * MX_TEMP or MX_PERM: *why says why, with an enhanced status code (valid
 * until the next call). A malformed DNS answer is MX_TEMP (4.4.3).
 */
enum mx_result mx_route(struct send_mx *, struct send_conf *,
    const char *domain, size_t n, struct route_set **set, int *owned,
    const char **why);
/*
 * As mx_route, for a message from sender (no brackets; "" for the null
 * sender): local domains and domain routes first, then the sender's route
 * in control/senderroutes, then mx_route. *via is that sender route's
 * sender as written, or NULL when none applied.
 */
enum mx_result mx_route_from(struct send_mx *, struct send_conf *,
    const char *sender, const char *domain, size_t n,
    struct route_set **set, int *owned, const char **why, const char **via);
void mx_set_free(struct route_set *);

#endif
