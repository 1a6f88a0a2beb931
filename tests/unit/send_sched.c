/* SPDX-License-Identifier: MIT */
/*
 * zr-send's scheduling core alone: no process, no file, no clock; every
 * time is given.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-send/sched.h"

/* An id of the queue's shape, ordered by n. */
static const char *
id(unsigned n)
{
	static char b[8][QUEUE_ID_SIZE];
	static unsigned k;
	char *p = b[k++ % 8];

	snprintf(p, QUEUE_ID_SIZE, "1795000000.%06u.%016x", n, n);
	return p;
}

/* The ids sched_next hands out until none is ready, as "n n n". */
static const char *
drain(struct sched *s, enum queue_dir *lastfrom)
{
	static char out[256];
	struct sched_qid q;
	size_t len = 0;

	out[0] = '\0';
	while (sched_next(s, &q, lastfrom) && len + 8 < sizeof out) {
		unsigned n = 0;

		sscanf(q.id + 11, "%6u", &n);
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%u",
		    len ? " " : "", n);
	}
	return out;
}

/* Whether got is want; says what it was when not. */
static int
same(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 1;
	printf("# got \"%s\", want \"%s\"\n", got, want);
	return 0;
}

static size_t
count(const struct sched_list *l, const char *want)
{
	size_t i, n = 0;

	for (i = l->at; i < l->n; i++)
		if (strcmp(l->v[i].id, want) == 0)
			n++;
	return n;
}

int
main(void)
{
	struct sched s;
	struct send_conf c = { .retrybase = 60, .retrymax = 14400,
		.lifetime = 4 * 86400, .maxretries = 0, .retryjitter = 10 };
	long long lo, hi, sum;
	size_t n[RS_COUNT];
	enum queue_dir from;
	long long t;
	int i, all;

	plan(32);

	/* Order: priority first, then the oldest, todo/ and due alike. */
	memset(&s, 0, sizeof s);
	sched_list_add(&s.todo[PRIO_NORMAL], id(5), PRIO_NORMAL, 0);
	sched_list_add(&s.todo[PRIO_NORMAL], id(2), PRIO_NORMAL, 0);
	sched_list_add(&s.todo[PRIO_URGENT], id(9), PRIO_URGENT, 0);
	sched_list_sort(&s.todo[PRIO_NORMAL]);
	sched_defer(&s, id(3), PRIO_NORMAL, 1000, NULL);
	sched_defer(&s, id(1), PRIO_LOW, 1000, NULL);
	sched_due(&s, 1000);
	ok(same(drain(&s, &from), "9 2 3 5 1"),
	    "urgent first, then normal oldest first across todo and due, low last");
	ok(from == QD_DEFERRED, "the last came from deferred/");
	sched_free(&s);

	/* Due times. */
	memset(&s, 0, sizeof s);
	sched_defer(&s, id(1), PRIO_NORMAL, 2000, NULL);
	sched_defer(&s, id(2), PRIO_NORMAL, 1500, NULL);
	ok(s.deferred_min == 1500, "the earliest due time is known (%lld)",
	    s.deferred_min);
	sched_due(&s, 1499);
	ok(same(drain(&s, &from), ""), "nothing is ready before its time");
	sched_due(&s, 1500);
	ok(same(drain(&s, &from), "2"), "one is ready at its time");
	ok(s.deferred.n == 1 && s.deferred_min == 2000,
	    "the other waits, and the earliest moves on");
	sched_all_due(&s);
	sched_due(&s, 1600);
	ok(same(drain(&s, &from), "1"), "SIGALRM makes everything due");
	sched_free(&s);

	/* A read of deferred/ in slices. */
	memset(&s, 0, sizeof s);
	sched_defer(&s, id(7), PRIO_NORMAL, 100, NULL);	/* an old entry */
	sched_load_begin(&s);
	sched_load_add(&s, id(1), PRIO_NORMAL, 5000, NULL);
	sched_load_add(&s, id(2), PRIO_HIGH, 5000, NULL);
	ok(s.deferred.n == 1 && count(&s.deferred, id(7)) == 1,
	    "until the read ends, the list in use stays");
	/* Deferred again by the scheduler after the read saw it. */
	sched_defer(&s, id(1), PRIO_NORMAL, 9000, NULL);
	/* Due from the old list, waiting to start: the read sees it too. */
	sched_due(&s, 200);
	ok(count(&s.retry[PRIO_NORMAL], id(7)) == 1, "the old entry came due");
	sched_load_add(&s, id(7), PRIO_NORMAL, 100, NULL);
	sched_load_add(&s, id(3), PRIO_LOW, 0, NULL);
	sched_load_end(&s);
	ok(!s.loading, "the read is over");
	ok(count(&s.deferred, id(1)) == 1 && count(&s.deferred, id(2)) == 1 &&
	    count(&s.deferred, id(3)) == 1,
	    "what it found is the list, once each");
	all = 0;
	for (i = 0; i < (int)s.deferred.n; i++)
		if (strcmp(s.deferred.v[i].id, id(1)) == 0)
			all = s.deferred.v[i].next == 9000;
	ok(all, "a message deferred during the read keeps its new time");
	ok(count(&s.deferred, id(7)) == 0 &&
	    count(&s.retry[PRIO_NORMAL], id(7)) == 1,
	    "one waiting to start is not taken twice");
	sched_due(&s, 5000);
	ok(same(drain(&s, &from), "2 7 3"),
	    "the ones due come by priority, the later one waits");
	ok(s.deferred.n == 1 && s.deferred_min == 9000,
	    "a message without a state does not hide an earlier time");
	sched_free(&s);

	memset(&s, 0, sizeof s);
	sched_load_begin(&s);
	sched_load_add(&s, id(4), PRIO_NORMAL, 99999, NULL);
	sched_all_due(&s);
	sched_load_add(&s, id(5), PRIO_NORMAL, 99999, NULL);
	sched_load_end(&s);
	sched_due(&s, 10);
	ok(same(drain(&s, &from), "4 5"), "SIGALRM during a read makes all it finds due");
	sched_free(&s);

	/* The facts a deferred message carries for stats/deferred. */
	memset(&s, 0, sizeof s);
	{
		struct sched_facts f = { 4096, 3, 2 }, g = { 512, 1, 1 };
		struct sched_qid q;
		unsigned long long before;

		sched_defer(&s, id(1), PRIO_NORMAL, 100, &f);
		sched_load_begin(&s);
		sched_load_add(&s, id(2), PRIO_LOW, 5000, &g);
		/* Deferred during the read: kept, facts and all. */
		sched_defer(&s, id(3), PRIO_NORMAL, 6000, &f);
		before = s.changes;
		sched_load_end(&s);
		ok(s.changes > before, "the end of a read is a change");
		all = 0;
		for (i = 0; i < (int)s.deferred.n; i++)
			all += (strcmp(s.deferred.v[i].id, id(2)) == 0 &&
			    s.deferred.v[i].f.bytes == 512 &&
			    s.deferred.v[i].f.host == 1) ||
			    (strcmp(s.deferred.v[i].id, id(3)) == 0 &&
			    s.deferred.v[i].f.attempts == 3 &&
			    s.deferred.v[i].f.bytes == 4096);
		ok(all == 2, "facts survive a read of deferred/");
		sched_defer(&s, id(4), PRIO_HIGH, 50, &f);
		before = s.changes;
		sched_due(&s, 60);
		ok(s.changes > before && s.retry[PRIO_HIGH].n == 1 &&
		    s.retry[PRIO_HIGH].v[0].f.attempts == 3 &&
		    s.retry[PRIO_HIGH].v[0].f.host == 2 &&
		    s.retry[PRIO_HIGH].v[0].next == 50,
		    "a due message keeps its facts in the retry list");
		before = s.changes;
		ok(sched_next(&s, &q, &from) == 1 && q.f.bytes == 4096 &&
		    s.changes > before, "and hands them on when taken, a change");
		sched_defer(&s, id(5), PRIO_NORMAL, 70, NULL);
		ok(s.deferred.v[s.deferred.n - 1].f.bytes == 0 &&
		    s.deferred.v[s.deferred.n - 1].f.host == 0,
		    "no facts: all zero");
	}
	sched_free(&s);

	/* Decisions. */
	ok(sched_give_up(&c, 1000, 3, 1000 + 4 * 86400) == SCHED_LIFETIME,
	    "the lifetime's end gives up: Expired");
	c.maxretries = 2;
	ok(sched_give_up(&c, 1000, 3, 2000) == SCHED_RETRIES &&
	    sched_give_up(&c, 1000, 2, 2000) == SCHED_GO_ON,
	    "retries beyond control/maxretries give up: Failed");
	ok(sched_give_up(&c, 1000, 9, 1000 + 4 * 86400) == SCHED_LIFETIME,
	    "the lifetime comes first");
	lo = hi = 5240;
	sum = 0;
	for (i = 0; i < 1000; i++) {
		t = sched_retry_at(&c, 1000, 3, 5000, false,
		    (unsigned long long)i * 7919);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
		sum += t - 5000;
	}
	ok(lo >= 5000 + 216 && hi <= 5000 + 264,
	    "the third retry is 4 minutes later, within a tenth either way "
	    "(%lld to %lld)", lo - 5000, hi - 5000);
	ok(lo <= 5000 + 220 && hi >= 5000 + 260,
	    "and the spread reaches both ends of the tenth");
	ok(sum / 1000 >= 236 && sum / 1000 <= 244,
	    "on average the delay itself (%lld)", sum / 1000);
	c.retryjitter = 50;
	all = 1;
	for (i = 0; i < 1000; i++) {
		t = sched_retry_at(&c, 1000, 3, 5000, false,
		    (unsigned long long)i * 7919);
		all &= t >= 5000 + 120 && t <= 5000 + 360;
	}
	ok(all, "control/retryjitter 50: half either way");
	c.retryjitter = 0;
	ok(sched_retry_at(&c, 1000, 1, 5000, false, 12345) == 5060,
	    "control/retryjitter 0: the delay alone");
	c.retryjitter = 10;
	ok(sched_retry_at(&c, 1000, 9, 1000 + 4 * 86400 - 30, false, 0) ==
	    1000 + 4 * 86400, "never past the lifetime: one last attempt at it");
	ok(sched_retry_at(&c, 1000, 9, 5000, true, 12345) == 5000,
	    "a message handed back is due at once");
	memset(n, 0, sizeof n);
	n[RS_DELIVERED] = 2;
	all = sched_outcome(n) == QD_DONE_DELIVERED;
	n[RS_FAILED] = 1;
	all &= sched_outcome(n) == QD_DONE_PARTIAL;
	n[RS_DELIVERED] = 0;
	all &= sched_outcome(n) == QD_DONE_FAILED;
	n[RS_EXPIRED] = 1;
	all &= sched_outcome(n) == QD_DONE_EXPIRED;
	ok(all, "delivered, partial, failed, expired: the terminal states");
	return done();
}
