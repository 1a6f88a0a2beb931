/* SPDX-License-Identifier: MIT */
/*
 * qsum: what zr-qstat's summary counts of deferred/, kept from zr-send's
 * lists and written to stats/deferred, so that the summary of a queue of
 * a million messages need not open two million files (zr-qstat(8)).
 *
 * Every message in deferred/ that zr-send knows of is in sched's deferred
 * list, or in a retry list once due, with its facts (sched_facts): the
 * file's size, its attempts and the host of its last attempt, an index of
 * the host table here. The file (format in zr-send(8)):
 *
 *	zr-stats 1
 *	pid 4242
 *	written 1796000000
 *	messages 1000000
 *	bytes 401000000
 *	attempts 1000000
 *	next 1796003600
 *	prio urgent 0 ... prio low 0 (one line each)
 *	host 127.0.0.1:2525 1000000 LEAST-ID
 *
 * It is written only once the first read of deferred/ is complete (before
 * that zr-send knows only part of it), at most once a second while the
 * lists change, and every QSUM_BEAT_S seconds all the same: zr-qstat takes
 * it only while it is fresh and its writer runs.
 */
#ifndef ZR_SEND_QSUM_H
#define ZR_SEND_QSUM_H

#include <stdbool.h>
#include <stddef.h>

#include "sched.h"

/* zr-send rewrites stats/deferred this often (s) while nothing changes. */
#define QSUM_BEAT_S 10

struct qsum {
	char **host;		/* by index - 1 (sched_facts.host) */
	unsigned *sorted;	/* indices, by host name, for lookups */
	size_t nhost, cap, scap;
	long long at;		/* ms: written; 0: not yet */
	unsigned long long changes;	/* sched.changes then */
	bool whole;		/* the last read of deferred/ was complete */
};

/* The table index of host ("" or out of memory: 0, none). */
unsigned qsum_host(struct qsum *, const char *host);
/* The facts of a message from its state and size. */
struct qstate;
struct sched_facts qsum_facts(struct qsum *, const struct qstate *,
    unsigned long long bytes);

struct send;
/* Write stats/deferred when it is due (see above). */
void qsum_turn(struct send *, long long now);
void qsum_free(struct qsum *);

#endif
