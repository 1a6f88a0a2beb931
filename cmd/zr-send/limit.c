/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "clock.h"
#include "die.h"
#include "dstat.h"
#include "fmt.h"
#include "limit.h"
#include "log.h"
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
	struct shaping_limits lim;
	long long w;

	if (j->dest == SHAPE_NONE)
		return true;
	d = &s->shape.d[j->dest];
	if (now < d->susp_until) {
		wake_at(s, d->susp_until);
		return false;
	}
	shape_limits(d, now, &lim);
	/* A throttle's end may lift a limit: look again then. */
	if (now < d->thr_until)
		wake_at(s, d->thr_until);
	if (now < d->conn_until)
		wake_at(s, d->conn_until);
	if (c != NULL && lim.msgsperconn != 0 && c->njobs >= lim.msgsperconn)
		return false;
	if (c == NULL) {
		if (lim.connections != 0 &&
		    sessions(s, j->dest) >= lim.connections)
			return false;
		if ((w = shape_wait(&lim.connrate, d->conn_tat, now)) > 0) {
			wake_at(s, now + w);
			return false;
		}
	}
	if ((w = shape_wait(&lim.msgrate, d->msg_tat, now)) > 0) {
		wake_at(s, now + w);
		return false;
	}
	return true;
}

void
limit_parked(struct send *s, const struct msg *m)
{
	size_t i;
	bool added;

	for (i = 0; i < m->nparked; i++) {
		if (!parked_add(&s->parked, m->id, m->parked[i], &added)) {
			warn_sys("id=", m->id,
			    " reason=\"unable to count it as parked\"");
			continue;
		}
		s->shape.d[m->parked[i]].nparked += added;
	}
}

void
limit_unpark(struct send *s, const char *id)
{
	size_t d;

	while ((d = parked_del(&s->parked, id)) != PARKED_NONE)
		if (s->shape.d[d].nparked > 0)
			s->shape.d[d].nparked--;
}

void
limit_load_begin(struct send *s)
{
	parked_unsee(&s->parked);
}

void
limit_load_seen(struct send *s, const char *id)
{
	parked_seen(&s->parked, id);
}

void
limit_load_end(struct send *s, bool complete)
{
	size_t i;

	/* Gone from deferred/ by an operator's hand (cancel, hold): recount. */
	if (!complete || parked_sweep(&s->parked) == 0)
		return;
	for (i = 0; i < s->shape.n; i++)
		s->shape.d[i].nparked = 0;
	for (i = 0; i < s->parked.n; i++)
		s->shape.d[s->parked.v[i].dest].nparked++;
}

struct pick {
	const struct parked_set *p;
	size_t dest;
};

static bool
pick_dest(const char *id, void *ctx)
{
	const struct pick *k = ctx;

	return parked_has(k->p, id, k->dest);
}

void
limit_resume(struct send *s, size_t d)
{
	struct pick k = { .p = &s->parked, .dest = d };

	if (s->shape.d[d].nparked > 0)
		sched_due_if(&s->sched, pick_dest, &k);
}

long long
limit_park(struct send *s, const struct job *j, long long now)
{
	if (j->dest == SHAPE_NONE)
		return 0;
	return shape_park(&s->shape.d[j->dest], now, sessions(s, j->dest) > 0);
}

void
limit_start(struct send *s, const struct job *j, struct child *c,
    bool fresh, long long now)
{
	struct shape_dest *d;
	struct shaping_limits lim;

	if (fresh)
		c->njobs = 0;
	c->dest = j->dest;
	c->njobs++;
	if (j->dest == SHAPE_NONE)
		return;
	d = &s->shape.d[j->dest];
	shape_limits(d, now, &lim);
	if (fresh)
		shape_take(&lim.connrate, &d->conn_tat, now);
	shape_take(&lim.msgrate, &d->msg_tat, now);
}

/* "zr-send: info: event=shaping dest=DEST action=WHAT for=Ns rule=RULE" */
static void
log_change(const struct shape_dest *d, const char *what,
    const struct shaping_rate *rate, long long ms, const char *rule)
{
	struct zs l = ZS_INIT;

	if (log_begin(&l, "info", NULL) && zs_cats(&l, "event=shaping dest=") &&
	    zs_cats(&l, d->key) && zs_cats(&l, " action=") &&
	    zs_cats(&l, what) &&
	    (rate == NULL || (zs_catulong(&l, rate->n) && zs_catc(&l, '/') &&
	    zs_catulong(&l, rate->ms) && zs_cats(&l, "ms"))) &&
	    zs_cats(&l, " for=") && zs_catulong(&l,
	    (unsigned long long)(ms + 999) / 1000) && zs_catc(&l, 's') &&
	    log_q(&l, "rule", rule))
		log_line(&l);
	zs_free(&l);
}

/* The first of the report's texts a rule names, or NULL. */
static const struct shaperule *
rule_of(const struct send *s, const struct job_report *r, const char *text)
{
	const struct shaperule *x = NULL;
	size_t i;

	if (text != NULL && (text[0] == '4' || strstr(text, ": 4") != NULL))
		x = shaperules_match(&s->conf->shaperules, text);
	for (i = 0; x == NULL && r != NULL && i < r->nrcpt; i++)
		if (job_rcpt_status(r, i) == RS_DEFERRED &&
		    r->rcpt[i].text != NULL)
			x = shaperules_match(&s->conf->shaperules,
			    r->rcpt[i].text);
	return x;
}

void
limit_reply(struct send *s, const struct job *j, const struct job_report *r,
    const char *text)
{
	static const char *const what[] = {
		[SHAPERULE_THROTTLE] = "throttle msgrate=",
		[SHAPERULE_CONNECTIONS] = "connections limited",
		[SHAPERULE_SUSPEND] = "suspended",
	};
	struct shape_dest *d;
	const struct shaperule *x;
	long long now = clock_ms(), ms;
	bool good = false, alive = false;
	size_t i;

	if (j->dest == SHAPE_NONE)
		return;
	d = &s->shape.d[j->dest];
	dstat_reply(s, j, r, now);
	for (i = 0; r != NULL && i < r->nrcpt; i++) {
		enum qstate_status st = job_rcpt_status(r, i);

		good = good || st == RS_DELIVERED;
		alive = alive || st == RS_DELIVERED || st == RS_FAILED;
	}
	if (alive)
		shape_success(d, good, s->conf->perhost);
	/* zr-remote(8): "HOST: greeting: 421 ..." for each host refused. */
	if (text != NULL && strstr(text, "greeting: 421") != NULL) {
		long long until = shape_greet421(d, now);

		if (until > 0)
			log_change(d, "suspended", NULL, until - now,
			    "421 at the greeting");
		return;
	}
	if ((x = rule_of(s, r, text)) == NULL) {
		/*
		 * Dead: the attempt failed for now as a whole (no host took
		 * it, or the transaction did) with nothing delivered or
		 * refused for good. No report (a crashed zr-remote) says
		 * nothing of the destination.
		 */
		if (r != NULL && !alive && r->msg == JOB_MSG_TEMP &&
		    (ms = shape_failed(d, now)) > 0) {
			char why[FMT_ULONG + 48];

			(void)fmt_snprintf(why, sizeof why, "dead destination, "
			    "%u failed attempts in a row", d->dead_fails +
			    d->dead_level - 1);
			log_change(d, "suspended", NULL, ms, why);
		}
		return;
	}
	(void)shape_apply(d, x, now);
	if (x->action == SHAPERULE_CONNECTIONS) {
		char n[FMT_ULONG + 25];

		memcpy(n, "connections connections=", 24);
		n[24 + fmt_ulong(n + 24, x->connections)] = '\0';
		log_change(d, n, NULL, (long long)x->for_ms, x->text);
	} else
		log_change(d, what[x->action], x->action == SHAPERULE_THROTTLE ?
		    &x->rate : NULL, (long long)x->for_ms, x->text);
}

static int
rate_fmt(struct zs *l, const char *key, const struct shaping_rate *r)
{
	return r->n == 0 || (zs_catc(l, ' ') && zs_cats(l, key) &&
	    zs_catc(l, '=') && zs_catulong(l, r->n) && zs_catc(l, '/') &&
	    zs_catulong(l, r->ms) && zs_cats(l, "ms"));
}

static int
num_fmt(struct zs *l, const char *key, unsigned long long n)
{
	return zs_catc(l, ' ') && zs_cats(l, key) && zs_catc(l, '=') &&
	    zs_catulong(l, n);
}

/* Seconds since the epoch of until, when it is ahead of now; else 0. */
static unsigned long long
ahead(long long until, long long now)
{
	return until > now ? (unsigned long long)(until / 1000) : 0;
}

void
limit_write(struct send *s, long long now)
{
	struct zs t = ZS_INIT;
	size_t d, i, fly, held;
	int ok = 1;

	for (d = 0; ok && d < s->shape.n; d++) {
		const struct shape_dest *x = &s->shape.d[d];

		for (i = fly = 0; i < s->nchild; i++)
			fly += s->child[i].dest == d && s->child[i].job != NULL;
		for (i = held = 0; i < s->npending; i++)
			held += s->pending[i]->dest == d;
		ok = zs_cats(&t, x->key) && num_fmt(&t, "inflight", fly) &&
		    num_fmt(&t, "pending", held) &&
		    num_fmt(&t, "connections", x->lim.connections) &&
		    rate_fmt(&t, "connrate", &x->lim.connrate) &&
		    rate_fmt(&t, "msgrate", &x->lim.msgrate) &&
		    num_fmt(&t, "msgsperconn", x->lim.msgsperconn) &&
		    (x->thr_until <= now || rate_fmt(&t, "throttle", &x->thr)) &&
		    num_fmt(&t, "throttled_until", ahead(x->thr_until, now)) &&
		    num_fmt(&t, "suspended_until", ahead(x->susp_until, now)) &&
		    dstat_fmt(s, d, now, &t) && zs_catc(&t, '\n');
	}
	/* A snapshot not written is written again a second later. */
	if (ok)
		(void)queue_stats_write(&s->q, "destinations", t.s ? t.s : "",
		    t.len);
	zs_free(&t);
}
