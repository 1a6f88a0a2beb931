/* SPDX-License-Identifier: MIT */
/*
 * mxroute: the routes that control/domainroutes and control/smarthosts do
 * not give. Recipients in control/localdomains go to the host "local" (a
 * zr-local child); the others, when no route applies or control/mxrouting
 * puts MX first, go by the domain's MX records (lib/dns, cached by TTL),
 * with the smart hosts after them as the fallback in the second case.
 * control/senderroutes stands in for both smart hosts and MX for the
 * senders it names (mx_route_from).
 *
 * MX lookups never wait: lib/dns is asynchronous here and resolve.c keeps
 * the lookups under way. A message whose route is being looked up is not
 * started (mx_waiting) but waits, back in its queue directory, until
 * mx_resume hands it back; the caller polls mx_pollfds and calls mx_step.
 */
#ifndef ZR_SEND_MXROUTE_H
#define ZR_SEND_MXROUTE_H

#include "dns.h"
#include "envelope.h"
#include "qstate.h"
#include "resolve.h"
#include "route.h"
#include "send.h"
#include "status.h"

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
	struct send_resolve rs;		/* lookups, and their waiters */
};

/* MX_PENDING: the domain's MX lookup is under way; ask again later. */
/* Done, try again, give up (lib/status.h), or not yet known. */
enum mx_result { MX_SET = ZR_OK, MX_TEMP = ZR_TEMP, MX_PERM = ZR_PERM,
	MX_PENDING };

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

/*
 * Whether message id (envelope e, state st; from directory from) must wait
 * for a route: the lookups of all its recipients' domains that need one
 * are started, and it is then remembered as waiting for the first (1).
 * 0: every route is known; the message may start.
 */
int mx_waiting(struct send_mx *, struct send_conf *, const struct envelope *e,
    const struct qstate *st, const char *id, enum queue_prio prio,
    enum queue_dir from);
/* Whether message id is waiting for a route (and must not start). */
bool mx_held(const struct send_mx *, const char *id);
/* A waiting message whose routes are known now: 1, or 0. */
int mx_resume(struct send_mx *, char id[QUEUE_ID_SIZE], enum queue_prio *,
    enum queue_dir *);
/* The poll set of the lookups under way, and how long poll may wait. */
size_t mx_pollfds(const struct send_mx *, struct pollfd *, size_t max);
long long mx_wait_ms(const struct send_mx *);
/* After poll: read answers, give up on silent servers, wake waiters. */
void mx_step(struct send_mx *);

#endif
