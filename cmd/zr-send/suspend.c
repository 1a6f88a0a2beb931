/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "destsusp.h"
#include "die.h"
#include "grow.h"
#include "limit.h"
#include "log.h"
#include "loop.h"
#include "suspend.h"

/* What one read of suspend/ found. */
struct found {
	struct send *s;
	long long now;
	struct suspend_op *v;
	size_t n, cap;
	bool failed;		/* out of memory: keep what holds now */
};

/* "... event=shaping dest=DEST action=suspended for=Ns rule=operator" */
static void
log_op(const struct shape_dest *d, long long ms)
{
	struct zs l = ZS_INIT;

	if (log_begin(&l, "info", NULL) && zs_cats(&l, "event=shaping dest=") &&
	    zs_cats(&l, d->key) &&
	    (ms > 0 ? zs_cats(&l, " action=suspended for=") &&
	    log_num(&l, (unsigned long long)(ms + 999) / 1000) &&
	    zs_catc(&l, 's') : zs_cats(&l, " action=resumed")) &&
	    zs_cats(&l, " rule=operator"))
		log_line(&l);
	zs_free(&l);
}

static int
one(const char *name, const struct zs *text, void *ctx)
{
	struct found *f = ctx;
	struct destsusp r;
	size_t d;

	if (!destsusp_parse(text->s, text->len, &r)) {
		warn_x("unreadable suspension record suspend/", name);
		return 1;
	}
	/* Over: gone, so that the directory does not grow. */
	if ((long long)r.until * 1000 <= f->now) {
		(void)queue_suspend_remove(&f->s->q, name);
		return 1;
	}
	d = shape_find(&f->s->shape, &f->s->conf->shaping, r.key, NULL, 0);
	if (d == SHAPE_NONE) {
		f->failed = true;
		return 1;
	}
	if (!grow(&f->v, &f->cap, f->n + 1)) {
		f->failed = true;
		return 1;
	}
	f->v[f->n].dest = d;
	f->v[f->n++].until = (long long)r.until * 1000;
	return 1;
}

static const struct suspend_op *
op_of(const struct suspend_op *v, size_t n, size_t dest)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].dest == dest)
			return &v[i];
	return NULL;
}

/* Make the suspensions found those in force, logging each change. */
static void
apply(struct send *s, struct found *f)
{
	struct suspend_set *u = &s->susp;
	const struct suspend_op *o;
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct shape_dest *d = &s->shape.d[f->v[i].dest];

		o = op_of(u->v, u->n, f->v[i].dest);
		if (o != NULL && o->until == f->v[i].until)
			continue;
		/* Shortened: what was parked till the old end comes now. */
		if (f->v[i].until < d->susp_until)
			limit_resume(s, f->v[i].dest);
		d->susp_until = f->v[i].until;
		log_op(d, f->v[i].until - f->now);
	}
	for (i = 0; i < u->n; i++) {
		struct shape_dest *d = &s->shape.d[u->v[i].dest];

		if (op_of(f->v, f->n, u->v[i].dest) != NULL ||
		    u->v[i].until <= f->now)
			continue;
		/* Lifted: unless a reply suspended it since, it may go on. */
		if (d->susp_until == u->v[i].until) {
			d->susp_until = 0;
			limit_resume(s, u->v[i].dest);
		}
		log_op(d, 0);
	}
	free(u->v);
	u->v = f->v;
	u->n = f->n;
}

void
suspend_turn(struct send *s, long long now)
{
	struct suspend_set *u = &s->susp;
	struct found f = { .s = s, .now = now };
	struct timespec mt;

	if (u->read && !u->poke)
		return;
	u->poke = false;
	if (u->read && queue_suspend_mtime(&s->q, &mt) != -1 &&
	    mt.tv_sec == u->mtime.tv_sec && mt.tv_nsec == u->mtime.tv_nsec &&
	    /* A change in the same clock tick as the read leaves it alone. */
	    (long long)mt.tv_sec * 1000 + 2000 < u->read_at)
		return;
	if (queue_suspend_scan(&s->q, &mt, one, &f) == -1 || f.failed) {
		warn_sys("unable to read the queue's suspend/");
		free(f.v);
		return;
	}
	u->read = true;
	u->mtime = mt;
	u->read_at = now;
	apply(s, &f);
}

bool
suspend_operator(const struct send *s, size_t dest, long long now)
{
	const struct suspend_op *o = op_of(s->susp.v, s->susp.n, dest);

	/* A reply's suspension since replaced the operator's. */
	return o != NULL && o->until > now &&
	    s->shape.d[dest].susp_until == o->until;
}

void
suspend_free(struct suspend_set *u)
{
	free(u->v);
	memset(u, 0, sizeof *u);
}
