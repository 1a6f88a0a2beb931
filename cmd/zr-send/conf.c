/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "hops.h"
#include "send.h"

struct num {
	const char *name;
	size_t off;
	unsigned long long def, min, max;
};

#define F(x) offsetof(struct send_conf, x)
static const struct num nums[] = {
	{ "concurrency", F(concurrency), 20, 1, SEND_CONCURRENCY_MAX },
	{ "concurrencyperhost", F(perhost), 5, 1, SEND_CONCURRENCY_MAX },
	{ "queueinterval", F(queueinterval), 30, 1, 86400 },
	{ "retrybase", F(retrybase), 60, 1, 86400 },
	{ "retrymax", F(retrymax), 14400, 1, 7 * 86400 },
	{ "retryjitter", F(retryjitter), 10, 0, 50 },
	{ "lifetime", F(lifetime), 4 * 86400, 1, 365 * 86400ULL },
	{ "maxretries", F(maxretries), 0, 0, 1000000 },
	{ "cleanupinterval", F(cleanupinterval), 3600, 1, 7 * 86400 },
	{ "retention", F(retention), 86400, 0, 365 * 86400ULL },
	{ "shutdowntimeout", F(shutdowntimeout), 60, 0, 86400 },
	{ "hostbackoff", F(hostbackoff), 60, 0, 86400 },
	{ "connectionidle", F(idle), 2, 0, 3600 },
	{ "mxrouting", F(mxrouting), 0, 0, 1 },
	{ "mxport", F(mxport), 25, 1, 65535 },
	{ "delaywarn", F(delaywarn), 4 * 3600, 0, 365 * 86400ULL },
	{ "dnsnegttl", F(dnsnegttl), 60, 0, 86400 },
	{ "bouncetimeout", F(bouncetimeout), 120, 1, 86400 },
	/* As zr-remote reads it: how long a dead scheduler's child may run. */
	{ "timeouttransaction", F(timeouttransaction), 600, 1, 86400 },
};
#undef F

/*
 * control/bounces: "no" turns off failure and delay notices for the whole
 * site (a yes/no switch rather than a number, as the setting is known by
 * in other relays). NULL, or what is wrong.
 */
static const char *
load_bounces(struct send_conf *n)
{
	struct zs v = ZS_INIT;
	const char *bad = NULL;
	int r = control_readline("bounces", &v);

	if (r == -1)
		bad = errno == EINVAL ? "bounces: bad value" :
		    "bounces: unreadable";
	else if (r == 0 || (v.len == 3 && strncasecmp(v.s, "yes", 3) == 0))
		n->bounces = true;
	else if (v.len == 2 && strncasecmp(v.s, "no", 2) == 0)
		n->bounces = false;
	else
		bad = "bounces: bad value";
	zs_free(&v);
	return bad;
}

/* The text files of the routing beyond the route table, into n. */
static int
load_texts(struct send_conf *n, struct zs *err)
{
	struct zs z = ZS_INIT;
	const char *bad = NULL;

	n->localdomains = z;
	n->me = z;
	n->dnsservers = z;
	n->nlocal = 0;
	if (control_readlines("localdomains", &n->localdomains,
	    &n->nlocal) == -1)
		bad = "localdomains: unreadable";
	else if (control_readline("me", &n->me) == -1 || !zs_0(&n->me))
		bad = "me: unreadable";
	else if (control_readfile("dnsservers", &n->dnsservers) == -1 ||
	    !zs_0(&n->dnsservers))
		bad = "dnsservers: unreadable";
	if (bad == NULL)
		bad = load_bounces(n);
	if (bad == NULL)
		return 1;
	err->len = 0;
	if (zs_cats(err, bad))
		zs_0(err);
	zs_free(&n->localdomains);
	zs_free(&n->me);
	zs_free(&n->dnsservers);
	return 0;
}

int
send_is_local(const struct send_conf *c, const char *d, size_t n)
{
	size_t i, off = 0;

	for (i = 0; i < c->nlocal; i++) {
		const char *e = c->localdomains.s + off;
		size_t el = strlen(e);

		off += el + 1;
		/* "example.com" exactly; ".example.com" for names below it. */
		if (e[0] == '.' ? n > el && strncasecmp(d + n - el, e, el) == 0 :
		    n == el && strncasecmp(d, e, n) == 0)
			return 1;
	}
	return 0;
}

int
send_conf_load(struct send_conf *c, struct zs *err)
{
	struct send_conf n = *c;
	size_t i;

	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		unsigned long long *u = (unsigned long long *)(void *)
		    ((char *)&n + nums[i].off);

		err->len = 0;
		if (control_readulong(nums[i].name, u, nums[i].def) == -1 ||
		    *u < nums[i].min || *u > nums[i].max) {
			if (errno == 0 || *u < nums[i].min || *u > nums[i].max)
				errno = EINVAL;
			if (zs_cats(err, nums[i].name) &&
			    zs_cats(err, ": bad value"))
				zs_0(err);
			return 0;
		}
	}
	if (!hops_limit(&n.maxhops)) {
		err->len = 0;
		if (zs_cats(err, "maxhops: bad value"))
			zs_0(err);
		return 0;
	}
	if (!load_texts(&n, err))
		return 0;
	memset(&n.shaping, 0, sizeof n.shaping);
	memset(&n.shaperules, 0, sizeof n.shaperules);
	if (!shaping_load(&n.shaping, err) ||
	    !shaperules_load(&n.shaperules, err)) {
		shaping_free(&n.shaping);
		zs_free(&n.localdomains);
		zs_free(&n.me);
		zs_free(&n.dnsservers);
		return 0;
	}
	/* route_load replaces the table only when both files are sound. */
	if (!route_load(&n.routes, err)) {
		shaping_free(&n.shaping);
		shaperules_free(&n.shaperules);
		zs_free(&n.localdomains);
		zs_free(&n.me);
		zs_free(&n.dnsservers);
		return 0;
	}
	zs_free(&c->localdomains);
	zs_free(&c->me);
	zs_free(&c->dnsservers);
	shaping_free(&c->shaping);
	shaperules_free(&c->shaperules);
	*c = n;
	return 1;
}

void
send_conf_free(struct send_conf *c)
{
	route_free(&c->routes);
	shaping_free(&c->shaping);
	shaperules_free(&c->shaperules);
	zs_free(&c->localdomains);
	zs_free(&c->me);
	zs_free(&c->dnsservers);
}

unsigned long long
send_retry_delay(const struct send_conf *c, unsigned attempts)
{
	unsigned long long d = c->retrybase;
	unsigned i;

	for (i = 1; i < attempts && d < c->retrymax; i++)
		d *= 2;
	return d < c->retrymax ? d : c->retrymax;
}
