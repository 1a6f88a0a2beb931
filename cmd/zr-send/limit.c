/* SPDX-License-Identifier: MIT */
#include "limit.h"
#include "shape.h"

size_t
limit_dest(struct send *s, const struct route_set *set)
{
	struct zs key = ZS_INIT, names = ZS_INIT;
	size_t d = SHAPE_NONE;

	if (shape_key(set, MX_LOCAL_KEY, &key, &names))
		d = shape_find(&s->shape, &s->conf->shaping, key.s, names.s,
		    names.len);
	zs_free(&key);
	zs_free(&names);
	return d;
}

/* Sessions open to destination d: every child of it until it is reaped. */
static size_t
sessions(const struct send *s, size_t d)
{
	size_t i, n = 0;

	for (i = 0; i < s->nchild; i++)
		if (s->child[i].dest == d)
			n++;
	return n;
}

static void
wake_at(struct send *s, long long at)
{
	if (s->shape_wake == 0 || at < s->shape_wake)
		s->shape_wake = at;
}

bool
limit_allows(struct send *s, const struct job *j, const struct child *c,
    long long now)
{
	const struct shape_dest *d;
	long long w;

	if (j->dest == SHAPE_NONE)
		return true;
	d = &s->shape.d[j->dest];
	if (c != NULL && d->lim.msgsperconn != 0 &&
	    c->njobs >= d->lim.msgsperconn)
		return false;
	if (c == NULL) {
		if (d->lim.connections != 0 &&
		    sessions(s, j->dest) >= d->lim.connections)
			return false;
		if ((w = shape_wait(&d->lim.connrate, d->conn_tat, now)) > 0) {
			wake_at(s, now + w);
			return false;
		}
	}
	if ((w = shape_wait(&d->lim.msgrate, d->msg_tat, now)) > 0) {
		wake_at(s, now + w);
		return false;
	}
	return true;
}

void
limit_start(struct send *s, const struct job *j, struct child *c,
    bool fresh, long long now)
{
	struct shape_dest *d;

	if (fresh)
		c->njobs = 0;
	c->dest = j->dest;
	c->njobs++;
	if (j->dest == SHAPE_NONE)
		return;
	d = &s->shape.d[j->dest];
	if (fresh)
		shape_take(&d->lim.connrate, &d->conn_tat, now);
	shape_take(&d->lim.msgrate, &d->msg_tat, now);
}
