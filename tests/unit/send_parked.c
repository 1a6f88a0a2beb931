/* SPDX-License-Identifier: MIT */
/*
 * The set of parked messages (cmd/zr-send/parked), alone: ids with their
 * destinations, in and out, and the sweep after a read of deferred/; and
 * sched_due_if, which makes the chosen deferred messages due at once.
 */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-send/parked.h"
#include "../../cmd/zr-send/sched.h"

static bool
pick_b(const char *id, void *ctx)
{
	(void)ctx;
	return strcmp(id, "b") == 0;
}

int
main(void)
{
	struct parked_set p = { 0 };
	struct sched s;
	struct sched_qid q;
	enum queue_dir from;
	/* The scheduler copies whole ids (QUEUE_ID_SIZE bytes). */
	char a[QUEUE_ID_SIZE] = "a", b[QUEUE_ID_SIZE] = "b";
	bool added, a1, a2, a3, a4;
	size_t d1, d2, d3;

	plan(17);
	a1 = parked_add(&p, "m2", 0, &added) && added;
	a2 = parked_add(&p, "m1", 1, &added) && added;
	a3 = parked_add(&p, "m2", 1, &added) && added;
	a4 = parked_add(&p, "m2", 0, &added) && !added;
	ok(a1 && a2 && a3 && a4 && p.n == 3,
	    "one entry per message and destination, parked again kept once");
	ok(strcmp(p.v[0].id, "m1") == 0 && strcmp(p.v[1].id, "m2") == 0 &&
	    p.v[1].dest == 0 && p.v[2].dest == 1, "sorted by id, then by dest");
	ok(parked_count(&p, 0) == 1 && parked_count(&p, 1) == 2,
	    "counted per destination");
	ok(parked_has(&p, "m2", 1) && !parked_has(&p, "m1", 0) &&
	    !parked_has(&p, "m3", 0), "has: the pair, not the id alone");
	d1 = parked_del(&p, "m2");
	d2 = parked_del(&p, "m2");
	d3 = parked_del(&p, "m2");
	ok(d1 == 0 && d2 == 1 && d3 == PARKED_NONE,
	    "a message read again leaves every destination, then none is left");
	ok(p.n == 1 && parked_del(&p, "m0") == PARKED_NONE,
	    "others stay; an unknown id is no entry");

	/* A read of deferred/ that finds m1 but not m4 (cancelled). */
	(void)parked_add(&p, "m4", 2, &added);
	parked_unsee(&p);
	parked_seen(&p, "m1");
	(void)parked_add(&p, "m5", 2, &added);	/* parked during the read */
	ok(parked_sweep(&p) == 1, "the sweep drops one, the one not found");
	ok(p.n == 2 && parked_has(&p, "m1", 1) && parked_has(&p, "m5", 2) &&
	    !parked_has(&p, "m4", 2),
	    "what the read found and what was parked during it stay");
	parked_unsee(&p);
	ok(parked_sweep(&p) == 2 && p.n == 0, "a read that found none: empty");
	parked_free(&p);
	ok(p.v == NULL && p.n == 0, "freed");

	/* sched_due_if: b, deferred for an hour, is due now; a is not. */
	memset(&s, 0, sizeof s);
	ok(sched_defer(&s, a, PRIO_NORMAL, 5000, NULL) &&
	    sched_defer(&s, b, PRIO_NORMAL, 5000, NULL), "two deferred");
	sched_due(&s, 1000);
	ok(!sched_next(&s, &q, &from), "neither due at 1000");
	sched_due_if(&s, pick_b, NULL);
	sched_due(&s, 1000);
	ok(sched_next(&s, &q, &from) && strcmp(q.id, "b") == 0 &&
	    from == QD_DEFERRED, "the one picked is due at once");
	ok(!sched_next(&s, &q, &from), "the other is not");
	/* During a read of deferred/, the read's copy is picked too. */
	sched_load_begin(&s);
	(void)sched_load_add(&s, a, PRIO_NORMAL, 5000, NULL);
	(void)sched_load_add(&s, b, PRIO_NORMAL, 5000, NULL);
	sched_due_if(&s, pick_b, NULL);
	sched_load_end(&s);
	ok(s.deferred_min == 1, "after the read something is due");
	sched_due(&s, 1000);
	ok(sched_next(&s, &q, &from) && strcmp(q.id, "b") == 0,
	    "b, whose time on disk the read brought back, is due");
	ok(!sched_next(&s, &q, &from), "and a still is not");
	sched_free(&s);
	return done();
}
