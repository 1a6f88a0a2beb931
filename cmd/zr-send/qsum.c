/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "grow.h"
#include "loop.h"
#include "qstate.h"
#include "qsum.h"
#include "zs.h"

/* The place in sorted where host is, or would go: *found says which. */
static size_t
host_place(const struct qsum *t, const char *host, int *found)
{
	size_t lo = 0, hi = t->nhost;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(host, t->host[t->sorted[mid]]);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

unsigned
qsum_host(struct qsum *t, const char *host)
{
	size_t at;
	int found;
	char *copy;

	if (*host == '\0')
		return 0;
	at = host_place(t, host, &found);
	if (found)
		return t->sorted[at] + 1;
	/* Hosts are few (next hops, not recipients): insertion is rare. */
	if (t->nhost >= (unsigned)-2 || !grow(&t->host, &t->cap, t->nhost + 1) ||
	    !grow(&t->sorted, &t->scap, t->nhost + 1) ||
	    (copy = strdup(host)) == NULL)
		return 0;
	memmove(t->sorted + at + 1, t->sorted + at,
	    (t->nhost - at) * sizeof *t->sorted);
	t->sorted[at] = (unsigned)t->nhost;
	t->host[t->nhost++] = copy;
	return (unsigned)t->nhost;
}

struct sched_facts
qsum_facts(struct qsum *t, const struct qstate *st, unsigned long long bytes)
{
	struct sched_facts f = { bytes, st->attempts, 0 };
	size_t k;

	/* The first recipient with a host, as zr-qstat's scan counts it. */
	for (k = 0; k < st->nrcpt; k++)
		if (st->rcpt[k].host[0] != '\0') {
			f.host = qsum_host(t, st->rcpt[k].host);
			break;
		}
	return f;
}

/* Per host of the table: messages and the least id. */
struct per_host {
	unsigned long long n;
	const char *first;
};

struct totals {
	unsigned long long messages, bytes, attempts, prio[PRIO_COUNT];
	long long next;
	struct per_host *host;
};

static void
add(struct totals *a, const struct sched_qid *q)
{
	a->messages++;
	a->bytes += q->f.bytes;
	a->attempts += q->f.attempts;
	a->prio[q->prio]++;
	/*
	 * 0: due at once in memory (no state file, or SIGALRM), while the
	 * summary's read knows only the time on disk: none, or later.
	 */
	if (q->next > 0 && (a->next == 0 || q->next < a->next))
		a->next = q->next;
	if (q->f.host > 0) {
		struct per_host *h = &a->host[q->f.host - 1];

		h->n++;
		if (h->first == NULL || strcmp(q->id, h->first) < 0)
			h->first = q->id;
	}
}

static int
format(const struct send *s, const struct totals *a, long long now,
    struct zs *t)
{
	size_t k;
	int p, ok;

	ok = zs_cats(t, "zr-stats 1\npid ") &&
	    zs_catulong(t, (unsigned long long)getpid()) &&
	    zs_cats(t, "\nwritten ") && zs_catulong(t, (unsigned long long)now) &&
	    zs_cats(t, "\nmessages ") && zs_catulong(t, a->messages) &&
	    zs_cats(t, "\nbytes ") && zs_catulong(t, a->bytes) &&
	    zs_cats(t, "\nattempts ") && zs_catulong(t, a->attempts) &&
	    zs_cats(t, "\nnext ") && zs_catulong(t, (unsigned long long)a->next) &&
	    zs_catc(t, '\n');
	for (p = 0; ok && p < PRIO_COUNT; p++)
		ok = zs_cats(t, "prio ") &&
		    zs_cats(t, queue_prio_name((enum queue_prio)p)) &&
		    zs_catc(t, ' ') && zs_catulong(t, a->prio[p]) &&
		    zs_catc(t, '\n');
	for (k = 0; ok && k < s->qsum.nhost; k++)
		if (a->host[k].n > 0)
			ok = zs_cats(t, "host ") && zs_cats(t, s->qsum.host[k]) &&
			    zs_catc(t, ' ') && zs_catulong(t, a->host[k].n) &&
			    zs_catc(t, ' ') && zs_cats(t, a->host[k].first) &&
			    zs_catc(t, '\n');
	return ok;
}

static void
write_now(struct send *s, long long now_ms)
{
	const struct sched *sc = &s->sched;
	struct totals a;
	struct zs t = ZS_INIT;
	size_t i;
	int p;

	/*
	 * Not written (a full disk, short memory): tried again a second
	 * later, not at every turn; zr-qstat reads deferred/ itself once
	 * the file is stale.
	 */
	s->qsum.at = now_ms;
	memset(&a, 0, sizeof a);
	a.host = calloc(s->qsum.nhost + 1, sizeof *a.host);
	if (a.host == NULL)
		return;
	for (i = 0; i < sc->deferred.n; i++)
		add(&a, &sc->deferred.v[i]);
	for (p = 0; p < PRIO_COUNT; p++)
		for (i = sc->retry[p].at; i < sc->retry[p].n; i++)
			add(&a, &sc->retry[p].v[i]);
	if (format(s, &a, now_ms / 1000, &t) &&
	    queue_stats_write(&s->q, "deferred", t.s, t.len))
		s->qsum.changes = sc->changes;
	zs_free(&t);
	free(a.host);
}

void
qsum_turn(struct send *s, long long now)
{
	struct qsum *q = &s->qsum;

	if (!q->whole)
		return;
	if (q->at != 0 && now - q->at < 1000)
		return;
	if (q->at != 0 && q->changes == s->sched.changes &&
	    now - q->at < (long long)QSUM_BEAT_S * 1000)
		return;
	write_now(s, now);
}

void
qsum_free(struct qsum *q)
{
	size_t i;

	for (i = 0; i < q->nhost; i++)
		free(q->host[i]);
	free(q->host);
	free(q->sorted);
	memset(q, 0, sizeof *q);
}
