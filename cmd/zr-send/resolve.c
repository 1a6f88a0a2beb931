/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "resolve.h"

struct resolve_route {
	char domain[DNS_NAME_MAX + 1];	/* lower case */
	struct dns_routeq *q;		/* while the lookup is under way */
	enum dns_route result;
	struct dns_target t[DNS_ROUTE_TARGETS];
	size_t nt;
	char why[96];			/* for ROUTE_TEMP */
	time_t expires;
};

struct resolve_wait {
	char id[QUEUE_ID_SIZE];
	enum queue_prio prio;
	enum queue_dir from;
	char domain[DNS_NAME_MAX + 1];	/* lower case; "" once ready */
};

static void
lower(char *to, const char *from)
{
	size_t i;

	for (i = 0; from[i] != '\0' && i < DNS_NAME_MAX; i++)
		to[i] = (char)(from[i] >= 'A' && from[i] <= 'Z' ?
		    from[i] + 32 : from[i]);
	to[i] = '\0';
}

static void
route_drop(struct send_resolve *r, size_t i)
{
	if (r->route[i].q != NULL) {
		free(r->route[i].q);
		r->lookups--;
	}
	r->route[i] = r->route[--r->nroute];
}

/* A lookup ended: keep its outcome, and wake whoever waited for it. */
static void
route_done(struct send_resolve *r, struct resolve_route *e,
    enum dns_route res)
{
	size_t i;

	e->result = res;
	e->nt = res == ROUTE_OK ? e->q->n : 0;
	memcpy(e->t, e->q->out, e->nt * sizeof *e->t);
	e->why[0] = '\0';
	if (res == ROUTE_TEMP && e->q->why != NULL) {
		size_t n = strlen(e->q->why);

		if (n >= sizeof e->why)
			n = sizeof e->why - 1;
		memcpy(e->why, e->q->why, n);
		e->why[n] = '\0';
	}
	free(e->q);
	e->q = NULL;
	r->lookups--;
	e->expires = time(NULL) + RESOLVE_HOLD;
	for (i = 0; i < r->nwait; i++)
		if (strcmp(r->wait[i].domain, e->domain) == 0)
			r->wait[i].domain[0] = '\0';
}

static enum dns_route
route_out(const struct resolve_route *e, struct dns_target *out, size_t max,
    size_t *n, const char **why)
{
	*n = e->nt < max ? e->nt : max;
	memcpy(out, e->t, *n * sizeof *out);
	if (e->result == ROUTE_TEMP)
		*why = e->why[0] != '\0' ? e->why : NULL;
	return e->result;
}

enum dns_route
resolve_route(struct send_resolve *r, struct dns *d,
    const struct dns_local *l, const char *domain, struct dns_target *out,
    size_t max, size_t *n, const char **why)
{
	char name[DNS_NAME_MAX + 1];
	time_t now = time(NULL);
	struct resolve_route *e = NULL;
	enum dns_route res;
	size_t i;

	*n = 0;
	lower(name, domain);
	for (i = 0; i < r->nroute; i++) {
		e = &r->route[i];
		if (e->q == NULL && e->expires <= now) {
			route_drop(r, i--);	/* old: ask lib/dns again */
			continue;
		}
		if (strcmp(e->domain, name) == 0)
			return e->q != NULL ? ROUTE_PENDING :
			    route_out(e, out, max, n, why);
	}
	if (r->lookups >= RESOLVE_LOOKUPS)
		return ROUTE_PENDING;	/* resolve_step asks again */
	if (!grow(&r->route, &r->caproute, r->nroute + 1))
		goto oom;
	e = &r->route[r->nroute];
	memset(e, 0, sizeof *e);
	memcpy(e->domain, name, strlen(name) + 1);
	e->q = malloc(sizeof *e->q);
	if (e->q == NULL)
		goto oom;
	r->nroute++;
	r->lookups++;
	dns_route_start(e->q, name, l, DNS_ROUTE_TARGETS);
	res = dns_route_step(d, e->q);
	if (res == ROUTE_PENDING)
		return res;
	/* All of it was in lib/dns's cache. */
	route_done(r, e, res);
	return route_out(e, out, max, n, why);
oom:
	*why = "out of memory";
	return ROUTE_TEMP;
}

void
resolve_step(struct send_resolve *r, struct dns *d)
{
	size_t i, ended = 0;

	if (dns_step(d) == 0)
		return;	/* no answer, no slot freed: nothing moves */
	for (i = 0; i < r->nroute; i++) {
		struct resolve_route *e = &r->route[i];
		enum dns_route res;

		if (e->q == NULL || dns_route_waits(d, e->q))
			continue;
		res = dns_route_step(d, e->q);
		if (res != ROUTE_PENDING) {
			route_done(r, e, res);
			ended++;
		}
	}
	/*
	 * A waiter for a domain with no lookup (there was no room for one)
	 * tries again now that one has ended, and not before: each try
	 * moves its file twice.
	 */
	for (i = 0; ended > 0 && i < r->nwait; i++) {
		size_t k;

		if (r->wait[i].domain[0] == '\0')
			continue;
		for (k = 0; k < r->nroute; k++)
			if (strcmp(r->route[k].domain, r->wait[i].domain) == 0)
				break;
		if (k == r->nroute)
			r->wait[i].domain[0] = '\0';
	}
}

int
resolve_wait(struct send_resolve *r, const char *id, enum queue_prio prio,
    enum queue_dir from, const char *domain)
{
	struct resolve_wait *w;
	size_t k, idlen = strlen(id);

	if (idlen >= QUEUE_ID_SIZE) {
		errno = EINVAL;
		return 0;
	}

	if (!grow(&r->wait, &r->capwait, r->nwait + 1))
		return 0;
	/*
	 * Kept in id order, which is age order: resolve_waiting is asked of
	 * every message the scheduler picks, so it searches by halves.
	 * Messages wait in about the order of their ids, so this is
	 * nearly always an append.
	 */
	k = r->nwait;
	while (k > 0 && strcmp(r->wait[k - 1].id, id) > 0)
		k--;
	memmove(r->wait + k + 1, r->wait + k, (r->nwait - k) * sizeof *r->wait);
	r->nwait++;
	w = &r->wait[k];
	memcpy(w->id, id, idlen + 1);
	w->prio = prio;
	w->from = from;
	lower(w->domain, domain);
	return 1;
}

bool
resolve_waiting(const struct send_resolve *r, const char *id)
{
	size_t lo = 0, hi = r->nwait;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->wait[mid].id, id);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int
resolve_next(struct send_resolve *r, char id[QUEUE_ID_SIZE],
    enum queue_prio *prio, enum queue_dir *from)
{
	size_t i;

	for (i = 0; i < r->nwait; i++)
		if (r->wait[i].domain[0] == '\0') {
			memcpy(id, r->wait[i].id, QUEUE_ID_SIZE);
			*prio = r->wait[i].prio;
			*from = r->wait[i].from;
			/* The oldest waiter goes first. */
			memmove(r->wait + i, r->wait + i + 1,
			    (r->nwait - i - 1) * sizeof *r->wait);
			r->nwait--;
			return 1;
		}
	return 0;
}

void
resolve_reset(struct send_resolve *r)
{
	size_t i;

	while (r->nroute > 0)
		route_drop(r, r->nroute - 1);
	for (i = 0; i < r->nwait; i++)
		r->wait[i].domain[0] = '\0';
}

void
resolve_free(struct send_resolve *r)
{
	resolve_reset(r);
	free(r->route);
	free(r->wait);
	memset(r, 0, sizeof *r);
}
