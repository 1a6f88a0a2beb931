/* SPDX-License-Identifier: MIT */
/*
 * zr-send's resolving set (cmd/zr-send/resolve.c) on an asynchronous
 * lib/dns whose one server is a UDP socket here that answers nothing until
 * told to refuse: messages wait for their domain, are handed back oldest
 * first once its route is known, share one lookup, and a reset hands
 * every waiter back.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "../../cmd/zr-send/resolve.h"

/* Step until the route of domain is no longer pending (at most 3 s). */
static enum dns_route
settle(struct send_resolve *r, struct dns *d, const char *domain)
{
	struct dns_target t[4];
	const char *why = NULL;
	size_t n, i;
	enum dns_route res = ROUTE_PENDING;

	for (i = 0; i < 300 && res == ROUTE_PENDING; i++) {
		struct pollfd pf[DNS_PENDING_MAX];
		size_t np = dns_pollfds(d, pf, DNS_PENDING_MAX);

		(void)poll(pf, np, 10);
		resolve_step(r, d);
		res = resolve_route(r, d, NULL, domain, t, 4, &n, &why);
	}
	return res;
}

int
main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct send_resolve r = { 0 };
	struct dns_target t[4];
	const char *why = NULL;
	char servers[64], id[QUEUE_ID_SIZE];
	enum queue_prio prio;
	enum queue_dir from;
	unsigned long long misses;
	struct dns d;
	size_t n, bad;

	plan(11);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u == -1 || bind(u, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    getsockname(u, (struct sockaddr *)&sa, &len) == -1)
		return 1;
	snprintf(servers, sizeof servers, "127.0.0.1:%d\n",
	    ntohs(sa.sin_port));
	if (!dns_open(&d, servers, &bad) || !dns_async(&d))
		return 1;
	d.timeout = 1;
	d.tries = 1;

	ok(resolve_route(&r, &d, NULL, "wait.test", t, 4, &n, &why) ==
	    ROUTE_PENDING, "a route not known is pending at once");
	misses = d.misses;
	ok(resolve_route(&r, &d, NULL, "WAIT.test", t, 4, &n, &why) ==
	    ROUTE_PENDING && d.misses == misses,
	    "asked again, it shares the lookup under way");
	/* Two messages wait, the younger one first. */
	ok(resolve_wait(&r, "2.b", PRIO_NORMAL, QD_DEFERRED, "wait.test") &&
	    resolve_wait(&r, "1.a", PRIO_HIGH, queue_todo(PRIO_HIGH),
	    "Wait.Test"), "two messages wait for it");
	ok(resolve_waiting(&r, "1.a") && resolve_waiting(&r, "2.b") &&
	    !resolve_waiting(&r, "3.c"), "they are known to wait, others not");
	ok(!resolve_next(&r, id, &prio, &from),
	    "none is handed back while the lookup is under way");
	/* The server stays silent: after its timeout the route is known. */
	ok(settle(&r, &d, "wait.test") == ROUTE_TEMP,
	    "a silent server: the route ends as a temporary failure");
	ok(resolve_next(&r, id, &prio, &from) && strcmp(id, "1.a") == 0 &&
	    prio == PRIO_HIGH && from == queue_todo(PRIO_HIGH) &&
	    resolve_next(&r, id, &prio, &from) && strcmp(id, "2.b") == 0 &&
	    from == QD_DEFERRED && !resolve_next(&r, id, &prio, &from),
	    "then both are handed back, oldest first, with where they were");
	misses = d.misses;
	why = NULL;
	ok(resolve_route(&r, &d, NULL, "wait.test", t, 4, &n, &why) ==
	    ROUTE_TEMP && d.misses == misses && why != NULL &&
	    strcmp(why, "no server answered") == 0,
	    "the outcome is kept, with its reason, and costs no query");
	ok(!resolve_waiting(&r, "1.a"), "and they wait no more");

	ok(resolve_route(&r, &d, NULL, "other.test", t, 4, &n, &why) ==
	    ROUTE_PENDING && resolve_wait(&r, "4.d", PRIO_LOW,
	    queue_todo(PRIO_LOW), "other.test"), "another lookup, a waiter");
	resolve_reset(&r);
	ok(resolve_next(&r, id, &prio, &from) && strcmp(id, "4.d") == 0,
	    "a reset hands the waiter back at once");
	resolve_free(&r);
	dns_close(&d);
	close(u);
	return done();
}
