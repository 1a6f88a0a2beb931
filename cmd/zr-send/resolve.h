/* SPDX-License-Identifier: MIT */
/*
 * resolve: MX routing lookups that never hold up zr-send's loop, on an
 * asynchronous lib/dns (dns_async) whose queries sit in the poll set.
 *
 * Routes: one dns_routeq per domain being looked up, and the outcome of
 * each lookup kept RESOLVE_HOLD seconds (at least as long as the messages
 * that waited for it take to start; the answers themselves are cached by
 * lib/dns for their TTL, failures for control/dnsnegttl). Every message
 * to a domain shares its one lookup.
 *
 * Waiters: messages put back in their queue directory because a route is
 * being looked up (the "resolving" set). They are not attempts; each waits
 * for one domain and is handed back by resolve_next once that domain's
 * route is known, or at once after a reset. Nothing here touches the queue.
 */
#ifndef ZR_SEND_RESOLVE_H
#define ZR_SEND_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dns.h"
#include "queue.h"

/* Seconds a route found is used without asking lib/dns again. */
#define RESOLVE_HOLD 5
/* Route lookups under way at once; more wait for one of them to end. */
#define RESOLVE_LOOKUPS 256

struct resolve_route;
struct resolve_wait;

struct send_resolve {
	struct resolve_route *route;
	size_t nroute, caproute;
	struct resolve_wait *wait;
	size_t nwait, capwait;
	size_t lookups;			/* routes under way */
};

/*
 * The route of domain (lower or upper case), as dns_route gives it, out
 * holding at most max targets and, for ROUTE_TEMP, *why the reason.
 * ROUTE_PENDING: a lookup is under way (started now, or shared).
 */
enum dns_route resolve_route(struct send_resolve *, struct dns *,
    const struct dns_local *, const char *domain, struct dns_target *out,
    size_t max, size_t *n, const char **why);
/*
 * Step lib/dns (dns_step) and every lookup under way that may have moved;
 * waiters whose domain is now known become ready.
 */
void resolve_step(struct send_resolve *, struct dns *);
/*
 * Remember that message id (from directory from, at priority prio) waits
 * for domain: 1, or 0 (ENOMEM; EINVAL for an id too long): the caller
 * then tries the message as it is.
 */
int resolve_wait(struct send_resolve *, const char *id, enum queue_prio prio,
    enum queue_dir from, const char *domain);
/* Whether message id is waiting. */
bool resolve_waiting(const struct send_resolve *, const char *id);
/* A waiter that is ready, taken out of the set: 1, or 0 when none. */
int resolve_next(struct send_resolve *, char id[QUEUE_ID_SIZE],
    enum queue_prio *prio, enum queue_dir *from);
/*
 * Forget every route (lib/dns was opened afresh, or the routes changed);
 * every waiter becomes ready, to be routed anew.
 */
void resolve_reset(struct send_resolve *);
void resolve_free(struct send_resolve *);

#endif
