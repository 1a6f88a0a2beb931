/* SPDX-License-Identifier: MIT */
/*
 * sched: zr-send's scheduling core, pure data (Postfix's qmgr keeps its
 * decisions apart from its I/O the same way).
 *
 * It holds the messages by id: ready in todo/<priority> (todo), deferred
 * and due (retry), deferred and not yet due (deferred), and decides which
 * message goes next, which deferred ones have come due, and what an
 * attempt's results make of a message: when it is tried again, whether it
 * is given up and why, which terminal state it takes. Nothing here opens
 * a file, starts a process or reads a clock: times come in as arguments
 * (seconds since the epoch), decisions go out as values, and
 * tests/unit/send_sched.c drives it alone.
 *
 * deferred/ is read in slices by the caller (load.c) between turns of the
 * loop: sched_load_begin, sched_load_add for each message found,
 * sched_load_end. Until the end the lists in use stay as they were; what
 * the scheduler defers meanwhile is kept, and what is already waiting in
 * a ready list is not taken twice.
 *
 * The lists own their arrays; sched_free releases them. A function that
 * adds returns 1, or 0 with errno ENOMEM and the list unchanged.
 */
#ifndef ZR_SEND_SCHED_H
#define ZR_SEND_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "qstate.h"
#include "queue.h"
#include "send.h"

/*
 * What zr-qstat's summary counts of a message in deferred/, kept beside it
 * so that zr-send can write the totals (stats/deferred, qsum.h) without
 * reading a file. All zero when not known (messages in todo/).
 */
struct sched_facts {
	unsigned long long bytes;	/* the message file's size */
	unsigned attempts;		/* delivery attempts so far */
	unsigned host;			/* of its last attempt: qsum_host; 0 none */
};

/* An id waiting in a ready list or in deferred/. */
struct sched_qid {
	char id[QUEUE_ID_SIZE];
	enum queue_prio prio;
	long long next;			/* s: when it is due (deferred) */
	struct sched_facts f;
};

struct sched_list {
	struct sched_qid *v;
	size_t n, cap, at;	/* entries before at are used up */
};

struct sched {
	struct sched_list todo[PRIO_COUNT];	/* from todo/<prio>, by id */
	struct sched_list retry[PRIO_COUNT];	/* deferred and now due */
	struct sched_list deferred;		/* in deferred/, not yet due */
	long long deferred_min;		/* earliest next among them; 0: none */
	/* A read of deferred/ under way. */
	bool loading;
	bool load_alarm;		/* everything found is due at once */
	bool load_picked;		/* some found are (sched_due_if) */
	struct sched_list load;		/* what it found so far */
	size_t since;	/* the last entries of deferred, added during it */
	/* Bumped by every change of what is in deferred/ (qsum_turn). */
	unsigned long long changes;
};

void sched_free(struct sched *);

/* Append to a list; sort a list by id (oldest first); empty it. */
int sched_list_add(struct sched_list *, const char *id, enum queue_prio,
    long long next);
void sched_list_sort(struct sched_list *);
void sched_list_clear(struct sched_list *);

/* A message that went to deferred/, due at next; f NULL: facts unknown. */
int sched_defer(struct sched *, const char *id, enum queue_prio,
    long long next, const struct sched_facts *f);
/* Move the deferred messages due at now into the ready lists. */
void sched_due(struct sched *, long long now);
/* Everything deferred is due now (SIGALRM). */
void sched_all_due(struct sched *);
/* The deferred messages pick chooses (by id) are due now. */
void sched_due_if(struct sched *, bool (*pick)(const char *id, void *ctx),
    void *ctx);
/*
 * The next ready message: by priority, then oldest first, from todo/ or
 * from the due deferred ones. 1 with *out and *from (its directory), or
 * 0 when none is ready.
 */
int sched_next(struct sched *, struct sched_qid *out, enum queue_dir *from);

/* A read of deferred/: begin it, add what it finds, make it the list. */
void sched_load_begin(struct sched *);
int sched_load_add(struct sched *, const char *id, enum queue_prio,
    long long next, const struct sched_facts *f);
void sched_load_end(struct sched *);

/* Why a message with recipients still to do stops being tried. */
enum sched_giveup { SCHED_GO_ON, SCHED_LIFETIME, SCHED_RETRIES };

/*
 * After attempt number attempts (counted already) at now, of a message
 * that arrived at arrival. The lifetime comes first: a message past it is
 * Expired even when its retries ran out too; retries used up
 * (control/maxretries) make its recipients Failed.
 */
enum sched_giveup sched_give_up(const struct send_conf *, long long arrival,
    unsigned attempts, long long now);
/*
 * When a message goes on being tried after attempt number attempts at
 * now: the retry delay spread evenly by control/retryjitter percent
 * either way, taken from rnd (a random number), so that a burst does not
 * retry as one; at least 1 s; never past the end of
 * the lifetime while that is ahead, for one last attempt then. handback
 * (stopped before its delivery): at once.
 */
long long sched_retry_at(const struct send_conf *, long long arrival,
    unsigned attempts, long long now, bool handback, unsigned long long rnd);
/*
 * The terminal state of a message none of whose recipients is left to
 * do, from the count of its recipients in each status.
 */
enum queue_dir sched_outcome(const size_t n[RS_COUNT]);

#endif
