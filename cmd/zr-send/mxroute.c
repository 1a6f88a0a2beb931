/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "die.h"
#include "fmt.h"
#include "mxroute.h"

void
mx_open(struct send_mx *x, const struct send_conf *c)
{
	size_t bad = 0;
	int n;

	if (x->dns_ok)
		dns_close(&x->dns);
	/* Lookups under way were the old servers'; their waiters ask anew. */
	resolve_reset(&x->rs);
	x->dns_ok = dns_open(&x->dns, c->dnsservers.s, &bad);
	if (!x->dns_ok) {
		char line[FMT_ULONG + 1];

		line[fmt_ulong(line, bad)] = '\0';
		warn_sys("unable to set up DNS (control/dnsservers line ", line,
		    "); MX routing defers");
	} else if (!dns_async(&x->dns)) {
		dns_close(&x->dns);
		x->dns_ok = 0;
		warn_sys("unable to set up DNS; MX routing defers");
	} else {
		/* A slow server holds up its own domains only; not for long. */
		x->dns.timeout = 3;
		x->dns.tries = 2;
		/* A domain whose DNS is down costs one lookup per this. */
		x->dns.negttl = (unsigned)c->dnsnegttl;
	}
	n = dns_local_addrs(x->laddr, MX_LOCAL_ADDRS);
	x->local.addr = x->laddr;
	x->local.naddr = n > 0 ? (size_t)n : 0;
	x->local.me = c->me.len > 0 ? c->me.s : NULL;
	memset(&x->lhost, 0, sizeof x->lhost);
	memcpy(x->lhost.name, MX_LOCAL_KEY, sizeof MX_LOCAL_KEY);
	memcpy(x->lhost.key, MX_LOCAL_KEY, sizeof MX_LOCAL_KEY);
	x->lhost.prio = ROUTE_PRIO_DEFAULT;
	x->lhost.weight = 1;
	x->lset.domain = NULL;
	x->lset.host = &x->lhost;
	x->lset.nhost = 1;
}

void
mx_close(struct send_mx *x)
{
	if (x->dns_ok)
		dns_close(&x->dns);
	x->dns_ok = 0;
	resolve_free(&x->rs);
}

void
mx_set_free(struct route_set *s)
{
	if (s == NULL)
		return;
	free(s->host);
	free(s->domain);
	free(s);
}

/* A set of the MX targets, then (when given) the smart hosts as fallback. */
static struct route_set *
mx_set(const struct dns_target *t, size_t nt, const struct route_set *smart,
    unsigned port)
{
	struct route_set *s = calloc(1, sizeof *s);
	size_t i, n = nt + (smart != NULL ? smart->nhost : 0);

	if (s == NULL || (s->host = calloc(n ? n : 1, sizeof *s->host)) == NULL) {
		free(s);
		return NULL;
	}
	for (i = 0; i < nt; i++) {
		char ip[INET6_ADDRSTRLEN], key[ROUTE_KEY_MAX + 1];
		const void *a = t[i].addr.sa.ss_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)
		    &t[i].addr.sa)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)
		    &t[i].addr.sa)->sin6_addr;
		int k;

		if (inet_ntop(t[i].addr.sa.ss_family, a, ip, sizeof ip) == NULL)
			continue;
		k = fmt_snprintf(key, sizeof key,
		    t[i].addr.sa.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		    ip, port);
		if (k == -1 || !route_host_parse(&s->host[s->nhost], key,
		    (size_t)k))
			continue;
		/* The MX preference orders the hosts; DNS shuffled equals. */
		s->host[s->nhost].prio = t[i].pref;
		s->host[s->nhost].weight = 1;
		s->host[s->nhost].mx = true;
		/*
		 * zr-remote needs the name for DANE (RFC 7672 2.2.3) and
		 * matches it to an MTA-STS policy (zr-sts(8)); a name a host
		 * line cannot carry is left out, and no policy pattern would
		 * have matched it.
		 */
		if (strlen(t[i].host) <= ROUTE_NAME_MAX &&
		    t[i].host[strspn(t[i].host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")] == '\0')
			memcpy(s->host[s->nhost].mxname, t[i].host,
			    strlen(t[i].host) + 1);
		s->nhost++;
	}
	for (i = 0; smart != NULL && i < smart->nhost; i++) {
		s->host[s->nhost] = smart->host[i];
		s->host[s->nhost].prio = ROUTE_PRIO_MAX;
		s->host[s->nhost].cw = 0;
		s->nhost++;
	}
	if (s->nhost == 0) {
		mx_set_free(s);
		return NULL;
	}
	return s;
}

enum mx_result
mx_route(struct send_mx *x, struct send_conf *c, const char *domain,
    size_t n, struct route_set **set, int *owned, const char **why)
{
	struct dns_target t[MX_TARGETS];
	struct route_set *r = route_find(&c->routes, domain, n);
	const struct route_set *fallback = NULL;
	char name[DNS_NAME_MAX + 1];
	enum dns_route dr;
	const char *dwhy = NULL;
	size_t nt = 0;

	*owned = 0;
	*set = NULL;
	if (send_is_local(c, domain, n)) {
		*set = &x->lset;
		return MX_SET;
	}
	/* A domain route always wins; smart hosts win unless MX comes first. */
	if (r != NULL && (r != &c->routes.smart || !c->mxrouting)) {
		*set = r;
		return MX_SET;
	}
	if (r == &c->routes.smart)
		fallback = r;
	if (n == 0 || n > DNS_NAME_MAX || domain[0] == '[') {
		/* An address literal is its own host (RFC 5321 5.1). */
		*why = "5.1.2 address literals are not routed";
		return MX_PERM;
	}
	memcpy(name, domain, n);
	name[n] = '\0';
	if (!x->dns_ok) {
		if (fallback != NULL) {
			*set = (struct route_set *)(uintptr_t)fallback;
			return MX_SET;
		}
		*why = "4.4.3 no DNS servers to ask for MX records";
		return MX_TEMP;
	}
	dr = resolve_route(&x->rs, &x->dns, &x->local, name, t, MX_TARGETS,
	    &nt, &dwhy);
	switch (dr) {
	case ROUTE_PENDING:
		*why = "4.4.3 MX lookup under way";
		return MX_PENDING;
	case ROUTE_OK:
		*set = mx_set(t, nt, fallback, (unsigned)c->mxport);
		if (*set == NULL) {
			*why = "4.3.0 out of memory";
			return MX_TEMP;
		}
		(*set)->domain = strdup(name);
		if ((*set)->domain == NULL) {
			mx_set_free(*set);
			*set = NULL;
			*why = "4.3.0 out of memory";
			return MX_TEMP;
		}
		*owned = 1;
		return MX_SET;
	case ROUTE_TEMP:
		if (fallback != NULL) {
			*set = (struct route_set *)(uintptr_t)fallback;
			return MX_SET;
		}
		/* Why, as lib/dns saw it: a malformed answer is named so. */
		*why = "4.4.3 temporary DNS failure looking up MX records";
		if (fmt_snprintf(x->why, sizeof x->why, "%s (%s)", *why,
		    dwhy != NULL ? dwhy : "no answer") != -1)
			*why = x->why;
		return MX_TEMP;
	case ROUTE_NXDOMAIN:
		*why = "5.1.2 the recipient's domain does not exist";
		return MX_PERM;
	case ROUTE_NULLMX:
		*why = "5.1.10 the recipient's domain accepts no mail (null MX)";
		return MX_PERM;
	case ROUTE_NOHOST:
		*why = "5.1.2 the recipient's domain has no mail host";
		return MX_PERM;
	case ROUTE_LOOP:
		*why = "5.4.6 mail loop: the domain's best MX is this host";
		return MX_PERM;
	}
	*why = "4.3.0 unknown routing answer";
	return MX_TEMP;
}

enum mx_result
mx_route_from(struct send_mx *x, struct send_conf *c, const char *sender,
    const char *domain, size_t n, struct route_set **set, int *owned,
    const char **why, const char **via)
{
	struct route_set *r, *s;

	*via = NULL;
	/*
	 * Local domains and domain routes say where a domain's mail is
	 * received, whoever sent it; a sender route only chooses the relay
	 * for the rest of the world, as smart hosts do.
	 */
	if (!send_is_local(c, domain, n)) {
		r = route_find(&c->routes, domain, n);
		if ((r == NULL || r == &c->routes.smart) &&
		    (s = route_find_sender(&c->routes, sender,
		    strlen(sender))) != NULL && s->nhost > 0) {
			*owned = 0;
			*set = s;
			*via = s->domain;
			return MX_SET;
		}
	}
	return mx_route(x, c, domain, n, set, owned, why);
}

int
mx_waiting(struct send_mx *x, struct send_conf *c, const struct envelope *e,
    const struct qstate *st, const char *id, enum queue_prio prio,
    enum queue_dir from)
{
	char first[DNS_NAME_MAX + 1];
	size_t i;

	first[0] = '\0';
	for (i = 0; i < e->nrcpt; i++) {
		const char *addr = e->rcpt[i].addr, *why, *via;
		size_t len = strlen(addr), at = addr_at(addr, len), dn;
		struct route_set *set;
		int own = 0;

		if ((st->rcpt[i].status != RS_PENDING &&
		    st->rcpt[i].status != RS_DEFERRED) || at >= len)
			continue;
		dn = len - at - 1;
		/* Each domain's lookup starts here; the rest go on. */
		if (mx_route_from(x, c, e->sender, addr + at + 1, dn, &set,
		    &own, &why, &via) == MX_PENDING) {
			if (first[0] == '\0' && dn <= DNS_NAME_MAX) {
				memcpy(first, addr + at + 1, dn);
				first[dn] = '\0';
			}
		} else if (own) {
			mx_set_free(set);
		}
	}
	return first[0] != '\0' && resolve_wait(&x->rs, id, prio, from, first);
}

bool
mx_held(const struct send_mx *x, const char *id)
{
	return resolve_waiting(&x->rs, id);
}

int
mx_resume(struct send_mx *x, char id[QUEUE_ID_SIZE], enum queue_prio *prio,
    enum queue_dir *from)
{
	return resolve_next(&x->rs, id, prio, from);
}

size_t
mx_pollfds(const struct send_mx *x, struct pollfd *pf, size_t max)
{
	return x->dns_ok ? dns_pollfds(&x->dns, pf, max) : 0;
}

long long
mx_wait_ms(const struct send_mx *x)
{
	return x->dns_ok ? dns_wait_ms(&x->dns) : -1;
}

void
mx_step(struct send_mx *x)
{
	if (x->dns_ok)
		resolve_step(&x->rs, &x->dns);
}
