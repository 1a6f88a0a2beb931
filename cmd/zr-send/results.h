/* SPDX-License-Identifier: MIT */
/*
 * results: the deliverers' journals in state/ (lib/job.h). zr-send makes
 * one journal per child, state/journal.<run>.<n>, and names it in each
 * job; the child appends the job and its report and syncs the journal
 * before it reports. A journal goes when its child has exited and every
 * message it served has left active/, for then the messages' own state
 * holds the results. After a crash of zr-send its children finish their
 * transaction and record it; at start-up zr-send waits for them, reads
 * the journals and folds what receivers acknowledged into the state of
 * each message in active/, so that it is not sent again; then it removes
 * every journal.
 *
 * Functions return 1, or 0 with errno, unless said otherwise.
 */
#ifndef ZR_SEND_RESULTS_H
#define ZR_SEND_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "queue.h"
#include "zs.h"

struct results_journal {
	char name[QUEUE_JOURNAL_MAX + 1];	/* "" when the slot is free */
	size_t refs;		/* messages in active/ it may hold results of */
	size_t jobs;		/* named in so many jobs */
	bool alive;		/* its child still runs */
};

struct results {
	struct results_journal *v;
	size_t n, cap;
	char run[QUEUE_ID_SIZE];	/* this run's id, in the names */
	unsigned long long seq;
	/* At start-up only: what was acknowledged, and the journals read. */
	struct zs acked;	/* id, address, host, reply: NUL after each */
	struct zs names;
};

int results_init(struct results *);
void results_free(struct results *);

/*
 * Wait until no deliverer holds active/<id> (each keeps a shared lock on
 * the message file while it delivers and records), at most until
 * deadline_ms (CLOCK_MONOTONIC milliseconds). 1 when free, 0 when it was
 * still held at the deadline, or could not be opened.
 */
int results_wait(struct queue *, const char *id, long long deadline_ms);
/* Read every journal in state/ (after results_wait for all of active/). */
int results_read(struct results *, struct queue *);
/*
 * Fold what was acknowledged for id into state/<id>: those recipients
 * become delivered. *n gets their number.
 */
int results_fold(struct results *, struct queue *, const char *id,
    size_t *n);
/* Whether a journal's name is of this run (one of its children's). */
bool results_ours(const struct results *, const char *name);
/* Remove the journals results_read read. */
void results_read_done(struct results *, struct queue *);

/*
 * A journal is named in at most this many jobs, so that a child that lives
 * long does not make one that grows for ever (nor one that takes long to
 * read at start-up): then its child gets a new one.
 */
#define RESULTS_JOBS_MAX 1000

/* A new journal for a child: its slot, or -1 with errno. */
long results_new(struct results *, struct queue *);
/* Its name, for the jobs. */
const char *results_name(const struct results *, long);
/* Whether it has been named in RESULTS_JOBS_MAX jobs. */
bool results_full(const struct results *, long);
/* A message that may have results in it entered, or left, active/. */
void results_ref(struct results *, long);
void results_unref(struct results *, struct queue *, long);
/* Its child has exited, or will be given no more jobs naming it. */
void results_dead(struct results *, struct queue *, long);

#endif
