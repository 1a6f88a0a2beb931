/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "sched.h"

void
sched_free(struct sched *s)
{
	int p;

	for (p = 0; p < PRIO_COUNT; p++) {
		free(s->todo[p].v);
		free(s->retry[p].v);
	}
	free(s->deferred.v);
	free(s->load.v);
	memset(s, 0, sizeof *s);
}

/* Append a copy of q, facts and all. */
static int
list_put(struct sched_list *l, const struct sched_qid *q)
{
	if (!grow(&l->v, &l->cap, l->n + 1))
		return 0;
	l->v[l->n++] = *q;
	return 1;
}

static void
qid_set(struct sched_qid *q, const char *id, enum queue_prio p,
    long long next, const struct sched_facts *f)
{
	memset(q, 0, sizeof *q);
	memcpy(q->id, id, QUEUE_ID_SIZE);
	q->prio = p;
	q->next = next;
	if (f != NULL)
		q->f = *f;
}

int
sched_list_add(struct sched_list *l, const char *id, enum queue_prio p,
    long long next)
{
	struct sched_qid q;

	qid_set(&q, id, p, next, NULL);
	return list_put(l, &q);
}

static int
qid_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sched_qid *)a)->id,
	    ((const struct sched_qid *)b)->id);
}

static void
list_compact(struct sched_list *l)
{
	if (l->at == 0)
		return;
	memmove(l->v, l->v + l->at, (l->n - l->at) * sizeof *l->v);
	l->n -= l->at;
	l->at = 0;
}

void
sched_list_sort(struct sched_list *l)
{
	list_compact(l);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, qid_cmp);
}

void
sched_list_clear(struct sched_list *l)
{
	l->n = l->at = 0;
}

/*
 * Keep deferred_min the earliest due time. A message without a state
 * (next 0: its state file is missing or unreadable) is no time of its own:
 * it goes when another comes due, at a SIGALRM, or at a queue run.
 */
static void
min_next(struct sched *s, long long next)
{
	if (next > 0 && (s->deferred_min == 0 || next < s->deferred_min))
		s->deferred_min = next;
}

int
sched_defer(struct sched *s, const char *id, enum queue_prio p,
    long long next, const struct sched_facts *f)
{
	struct sched_qid q;

	qid_set(&q, id, p, next, f);
	if (!list_put(&s->deferred, &q))
		return 0;
	s->changes++;
	min_next(s, next);
	/* The read under way may have passed it: sched_load_end keeps it. */
	if (s->loading)
		s->since++;
	return 1;
}

void
sched_due(struct sched *s, long long now)
{
	struct sched_list *d = &s->deferred;
	size_t i, keep = 0, tail = d->n - s->since;
	bool moved[PRIO_COUNT] = { false };
	int p;

	if (s->deferred_min == 0 || s->deferred_min > now)
		return;
	s->deferred_min = 0;
	for (i = 0; i < d->n; i++) {
		struct sched_qid *q = &d->v[i];

		/* Its next stays: the time on disk, for stats/deferred. */
		if (q->next <= now && list_put(&s->retry[q->prio], q)) {
			moved[q->prio] = true;
			s->changes++;
			if (i >= tail)
				s->since--;
			continue;
		}
		min_next(s, q->next);
		d->v[keep++] = *q;
	}
	d->n = keep;
	for (p = 0; p < PRIO_COUNT; p++)
		if (moved[p])
			sched_list_sort(&s->retry[p]);
}

void
sched_all_due(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->deferred.n; i++)
		s->deferred.v[i].next = 0;
	s->changes++;
	if (s->deferred.n > 0)
		s->deferred_min = 1;
	if (s->loading)
		s->load_alarm = true;
}

void
sched_due_if(struct sched *s, bool (*pick)(const char *id, void *ctx),
    void *ctx)
{
	size_t i;

	for (i = 0; i < s->deferred.n; i++)
		if (pick(s->deferred.v[i].id, ctx)) {
			s->deferred.v[i].next = 0;
			s->deferred_min = 1;
			s->changes++;
		}
	/* A read under way would bring back the times on disk. */
	for (i = 0; s->loading && i < s->load.n; i++)
		if (pick(s->load.v[i].id, ctx)) {
			s->load.v[i].next = 0;
			s->load_picked = true;
		}
}

int
sched_next(struct sched *s, struct sched_qid *out, enum queue_dir *from)
{
	int p;

	for (p = 0; p < PRIO_COUNT; p++) {
		struct sched_list *t = &s->todo[p], *r = &s->retry[p];
		bool ht = t->at < t->n, hr = r->at < r->n;

		if (!ht && !hr)
			continue;
		if (ht && (!hr || strcmp(t->v[t->at].id, r->v[r->at].id) < 0)) {
			*out = t->v[t->at++];
			*from = queue_todo((enum queue_prio)p);
		} else {
			*out = r->v[r->at++];
			*from = QD_DEFERRED;
			s->changes++;
		}
		return 1;
	}
	return 0;
}

void
sched_load_begin(struct sched *s)
{
	sched_list_clear(&s->load);
	s->loading = true;
	s->load_alarm = s->load_picked = false;
	s->since = 0;
}

int
sched_load_add(struct sched *s, const char *id, enum queue_prio p,
    long long next, const struct sched_facts *f)
{
	struct sched_qid q;

	qid_set(&q, id, p, next, f);
	return list_put(&s->load, &q);
}

/*
 * The ids the new list must not hold again: those waiting in a ready list
 * (taken from the old one; the read saw their files still in deferred/)
 * and those deferred during the read (the read may have seen them with
 * the state they had before). Sorted, for bsearch; NULL when there are
 * none or memory is short (the ready lists then get their due entries
 * twice: the second start finds the file gone, or finds it deferred again
 * and tries it early; no mail is lost).
 */
static struct sched_qid *
known_ids(const struct sched *s, size_t *n)
{
	const struct sched_list *d = &s->deferred;
	struct sched_qid *k;
	size_t total = s->since, i;
	int p;

	for (p = 0; p < PRIO_COUNT; p++)
		total += s->retry[p].n - s->retry[p].at;
	*n = 0;
	if (total == 0 || (k = calloc(total, sizeof *k)) == NULL)
		return NULL;
	for (p = 0; p < PRIO_COUNT; p++)
		for (i = s->retry[p].at; i < s->retry[p].n; i++)
			k[(*n)++] = s->retry[p].v[i];
	for (i = d->n - s->since; i < d->n; i++)
		k[(*n)++] = d->v[i];
	qsort(k, *n, sizeof *k, qid_cmp);
	return k;
}

void
sched_load_end(struct sched *s)
{
	struct sched_list *l = &s->load, *d = &s->deferred, old;
	struct sched_qid *known;
	size_t nknown, i, keep = 0;

	known = known_ids(s, &nknown);
	for (i = 0; i < l->n; i++)
		if (known == NULL || bsearch(&l->v[i], known, nknown,
		    sizeof *known, qid_cmp) == NULL)
			l->v[keep++] = l->v[i];
	l->n = keep;
	free(known);
	/* Deferred during the read: the scheduler's word is the newer. */
	for (i = d->n - s->since; i < d->n; i++)
		if (!list_put(l, &d->v[i]))
			break;
	old = *d;
	*d = *l;
	free(old.v);
	memset(l, 0, sizeof *l);
	/* Doubling left up to half of it unused: give that back. */
	if (d->cap - d->n > d->n / 8 && d->n > 0) {
		struct sched_qid *v = realloc(d->v, d->n * sizeof *v);

		if (v != NULL) {
			d->v = v;
			d->cap = d->n;
		}
	}
	s->deferred_min = 0;
	for (i = 0; i < d->n; i++) {
		if (s->load_alarm)
			d->v[i].next = 0;
		min_next(s, d->v[i].next);
	}
	if ((s->load_alarm || s->load_picked) && d->n > 0)
		s->deferred_min = 1;
	s->loading = s->load_alarm = s->load_picked = false;
	s->since = 0;
	s->changes++;
}

enum sched_giveup
sched_give_up(const struct send_conf *c, long long arrival, unsigned attempts,
    long long now)
{
	if (now >= arrival + (long long)c->lifetime)
		return SCHED_LIFETIME;
	if (c->maxretries > 0 && attempts > c->maxretries)
		return SCHED_RETRIES;
	return SCHED_GO_ON;
}

long long
sched_retry_at(const struct send_conf *c, long long arrival, unsigned attempts,
    long long now, bool handback, unsigned long long rnd)
{
	unsigned long long d = send_retry_delay(c, attempts);
	unsigned long long span = d * c->retryjitter / 100;
	long long end = arrival + (long long)c->lifetime, next;

	if (handback)
		return now;
	/*
	 * Either way of the delay, evenly: messages deferred together (an
	 * outage) come due spread out, not as one burst.
	 */
	if (span > 0)
		d = d - span + rnd % (2 * span + 1);
	next = now + (long long)(d > 0 ? d : 1);
	if (next > end && end > now)
		next = end;
	return next;
}

enum queue_dir
sched_outcome(const size_t n[RS_COUNT])
{
	if (n[RS_EXPIRED] > 0)
		return QD_DONE_EXPIRED;
	if (n[RS_FAILED] > 0 && n[RS_DELIVERED] + n[RS_RELAYED] > 0)
		return QD_DONE_PARTIAL;
	if (n[RS_FAILED] > 0)
		return QD_DONE_FAILED;
	return QD_DONE_DELIVERED;
}
