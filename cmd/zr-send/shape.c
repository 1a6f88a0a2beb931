/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "shape.h"

/* Names sorted, so that the order of the MX records does not matter. */
static int
cmp_name(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

int
shape_key(const struct route_set *set, const char *local_key,
    struct zs *key, struct zs *names)
{
	const char *v[64];
	size_t i, n = 0;
	int ok = 1;

	key->len = names->len = 0;
	if (set->nhost == 0 || strcmp(set->host[0].key, local_key) == 0)
		return 0;
	if (set->host[0].mx) {
		for (i = 0; i < set->nhost && n < sizeof v / sizeof v[0]; i++) {
			const char *nm = set->host[i].mxname[0] != '\0' ?
			    set->host[i].mxname : set->host[i].name;
			size_t k;

			if (!set->host[i].mx)
				continue;	/* a smart host to fall back on */
			for (k = 0; k < n && strcasecmp(v[k], nm) != 0; k++)
				;
			if (k == n)
				v[n++] = nm;
		}
		qsort(v, n, sizeof v[0], cmp_name);
		for (i = 0; ok && i < n; i++)
			ok = (i == 0 || zs_catc(key, ',')) && zs_cats(key, v[i]);
	} else if (set->domain != NULL)
		ok = zs_cats(key, "route:") && zs_cats(key, set->domain);
	else
		ok = zs_cats(key, "smarthosts");
	ok = ok && zs_0(key) && zs_catb(names, key->s, key->len + 1);
	if (ok && set->domain != NULL)
		ok = zs_cats(names, set->domain) && zs_catc(names, '\0');
	for (i = 0; ok && i < set->nhost; i++) {
		const char *nm = set->host[i].mxname[0] != '\0' ?
		    set->host[i].mxname : set->host[i].name;

		ok = zs_cats(names, nm) && zs_catc(names, '\0');
	}
	return ok;
}

/* d was made bare: it takes the names of its first route, and its limits. */
static int
adopt(struct shape_dest *d, const struct shaping *t, const char *names,
    size_t nlen)
{
	char *n;

	if (!d->bare || names == NULL)
		return 1;
	if ((n = malloc(nlen ? nlen : 1)) == NULL)
		return 0;
	memcpy(n, names, nlen);
	free(d->names);
	d->names = n;
	d->nlen = nlen;
	d->lim = *shaping_match(t, names, nlen);
	d->bare = 0;
	return 1;
}

size_t
shape_find(struct shape *s, const struct shaping *t, const char *key,
    const char *names, size_t nlen)
{
	struct shape_dest *d;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->d[i].key, key) == 0)
			return adopt(&s->d[i], t, names, nlen) ? i : SHAPE_NONE;
	if (s->n == SHAPE_DEST_MAX)
		return SHAPE_NONE;
	if (!grow(&s->d, &s->cap, s->n + 1))
		return SHAPE_NONE;
	d = &s->d[s->n];
	memset(d, 0, sizeof *d);
	if (names == NULL) {
		d->bare = 1;
		names = key;
		nlen = strlen(key) + 1;
	}
	d->key = strdup(key);
	d->names = malloc(nlen ? nlen : 1);
	if (d->key == NULL || d->names == NULL) {
		free(d->key);
		free(d->names);
		return SHAPE_NONE;
	}
	memcpy(d->names, names, nlen);
	d->nlen = nlen;
	d->lim = *shaping_match(t, names, nlen);
	return s->n++;
}

void
shape_relimit(struct shape *s, const struct shaping *t)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->d[i].lim = *shaping_match(t, s->d[i].names, s->d[i].nlen);
}

/* The emission interval of r in us: period / n. */
static long long
interval_us(const struct shaping_rate *r)
{
	return (long long)(r->ms * 1000 / r->n);
}

long long
shape_wait(const struct shaping_rate *r, long long tat, long long now)
{
	long long now_us = now * 1000;

	if (r->n == 0 || tat <= now_us)
		return 0;
	/* Up in whole ms, so that a wake-up at the time finds it allowed. */
	return (tat - now_us + 999) / 1000;
}

void
shape_take(const struct shaping_rate *r, long long *tat, long long now)
{
	long long now_us = now * 1000;

	if (r->n == 0)
		return;
	/*
	 * now is in whole ms, so an event taken in the ms it fell due is up to
	 * 999 us "late": starting from now would drop that fraction every time
	 * and run 49/1s at one per 21 ms. Within that ms the schedule stands.
	 */
	if (*tat <= now_us - 1000)
		*tat = now_us;
	*tat += interval_us(r);
}

/* The emission interval of a rate, longest for none: for comparisons. */
static long long
slowness(const struct shaping_rate *r)
{
	return r->n == 0 ? 0 : interval_us(r);
}

void
shape_limits(const struct shape_dest *d, long long now,
    struct shaping_limits *out)
{
	*out = d->lim;
	if (now < d->thr_until && slowness(&d->thr) > slowness(&out->msgrate))
		out->msgrate = d->thr;
	if (now < d->conn_until && (out->connections == 0 ||
	    d->thr_conns < out->connections))
		out->connections = d->thr_conns;
	/* A msgrate releases a backlog at its pace already. */
	if (d->slow != 0 && out->msgrate.n == 0 &&
	    (out->connections == 0 || d->slow < out->connections))
		out->connections = d->slow;
}

/* d is suspended until until; at its end the backlog starts slowly. */
static void
suspend(struct shape_dest *d, long long until)
{
	if (until > d->susp_until)
		d->susp_until = until;
	d->slow = 1;
}

long long
shape_apply(struct shape_dest *d, const struct shaperule *r, long long now)
{
	long long until = now + (long long)r->for_ms;

	switch (r->action) {
	case SHAPERULE_THROTTLE:
		d->thr = r->rate;
		d->thr_until = until;
		/* What was let by before the reply does not hasten the next. */
		d->msg_tat = now * 1000 + interval_us(&r->rate);
		break;
	case SHAPERULE_CONNECTIONS:
		d->thr_conns = r->connections;
		d->conn_until = until;
		break;
	case SHAPERULE_SUSPEND:
		suspend(d, until);
		break;
	}
	return until;
}

long long
shape_greet421(struct shape_dest *d, long long now)
{
	long long ms = SHAPE_GREET_MS;
	unsigned i;

	/* Sessions that met it together count as one. */
	if (now < d->susp_until)
		return 0;
	for (i = 0; i < d->greet_fails && ms < SHAPE_GREET_MAX; i++)
		ms *= 2;
	if (ms > SHAPE_GREET_MAX)
		ms = SHAPE_GREET_MAX;
	d->greet_fails++;
	suspend(d, now + ms);
	return now + ms;
}

long long
shape_failed(struct shape_dest *d, long long now)
{
	unsigned long long after = d->lim.deadafter ? d->lim.deadafter :
	    SHAPING_DEADAFTER;
	long long ms = (long long)(d->lim.deadmin ? d->lim.deadmin :
	    SHAPING_DEADMIN);
	long long most = (long long)(d->lim.deadmax ? d->lim.deadmax :
	    SHAPING_DEADMAX);
	unsigned i;

	/* What was under way when it was suspended does not lengthen it. */
	if (now < d->susp_until)
		return 0;
	if (d->dead_fails < after)
		d->dead_fails++;
	if (d->dead_fails < after)
		return 0;
	/* Dead: each failure after (a suspension's end's probe) doubles. */
	for (i = 0; i < d->dead_level && ms < most; i++)
		ms *= 2;
	if (ms > most)
		ms = most;
	d->dead_level++;
	suspend(d, now + ms);
	return ms;
}

void
shape_success(struct shape_dest *d, bool delivered, unsigned long long cap)
{
	d->greet_fails = d->dead_fails = d->dead_level = 0;
	if (!delivered || d->slow == 0)
		return;
	if (d->lim.connections != 0 && d->lim.connections < cap)
		cap = d->lim.connections;
	d->slow = d->slow * 2 < cap ? d->slow * 2 : 0;
}

long long
shape_park(struct shape_dest *d, long long now, bool open)
{
	struct shaping_limits lim;
	long long w, wc, at;

	if (now < d->susp_until)
		return d->susp_until;
	shape_limits(d, now, &lim);
	w = shape_wait(&lim.msgrate, d->msg_tat, now);
	wc = open ? 0 : shape_wait(&lim.connrate, d->conn_tat, now);
	if (wc > SHAPE_PARK_MS && wc > w)
		return now + wc;	/* a session, once open, takes many */
	if (w <= SHAPE_PARK_MS)
		return 0;
	/*
	 * Each job parked for the msgrate takes the slot after the last
	 * one's: they come back one per interval, instead of all at the
	 * first slot to be parked again but one, over and over.
	 */
	at = (now + w) * 1000;
	if (d->park_tat > at)
		at = d->park_tat;
	d->park_tat = at + interval_us(&lim.msgrate);
	return at / 1000;
}

long long
shape_park_next(long long until, long long now, unsigned long long jitter,
    unsigned long long rnd)
{
	unsigned long long span = 0;

	/* A burst parked together does not come back in one second. */
	if (jitter > 0 && until > now) {
		span = (unsigned long long)(until - now) * jitter / 100;
		if (span < 1000)
			span = 1000;
	}
	if (span > 0)
		until += (long long)(rnd % (span + 1));
	return (until + 999) / 1000;
}

void
shape_count(struct shape_dest *d, enum shape_result k, unsigned long long n,
    long long now)
{
	long long min = now / 60000;
	struct shape_minute *b = &d->recent[min % SHAPE_RECENT_MIN];

	/* A bucket last used N or more minutes ago starts afresh. */
	if (b->min != min) {
		memset(b, 0, sizeof *b);
		b->min = min;
	}
	b->n[k] += n;
	d->total[k] += n;
}

unsigned long long
shape_recent(const struct shape_dest *d, enum shape_result k, long long now)
{
	long long min = now / 60000;
	unsigned long long n = 0;
	size_t i;

	for (i = 0; i < SHAPE_RECENT_MIN; i++)
		if (d->recent[i].min > min - SHAPE_RECENT_MIN &&
		    d->recent[i].min <= min)
			n += d->recent[i].n[k];
	return n;
}

void
shape_free(struct shape *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->d[i].key);
		free(s->d[i].names);
	}
	free(s->d);
	memset(s, 0, sizeof *s);
}
