/* SPDX-License-Identifier: MIT */
/*
 * hist: zr-send's histograms, kept in stats/histograms beside the counters
 * (format in queue-layout/README): the time each finished message spent
 * in the queue, from arrival to its terminal state, by that state; and the
 * time of each delivery attempt, from handing the job to zr-remote to its
 * report, counted once per recipient by the recipient's result. Bucket
 * bounds are fixed here and written into the file, so that its reader,
 * zr-qstat, needs no copy of them.
 *
 * All in memory, no allocation; hist_load and hist_save return 1, or 0
 * with errno set.
 */
#ifndef ZR_SEND_HIST_H
#define ZR_SEND_HIST_H

#include <stdbool.h>

#include "queue.h"

enum hist_kind { HIST_QUEUE, HIST_DELIVERY, HIST_KINDS };
/* Queue time by final state; delivery time by recipient result. */
enum hist_result {
	HR_DELIVERED, HR_PARTIAL, HR_FAILED, HR_EXPIRED,	/* HIST_QUEUE */
	HR_SUCCESS = 0, HR_FAILURE, HR_DEFERRAL		/* HIST_DELIVERY */
};
#define HIST_RESULTS 4
#define HIST_BOUNDS_MAX 12

struct hist {
	unsigned long long n[HIST_BOUNDS_MAX + 1];	/* per bucket, +Inf last */
	unsigned long long sum_ms;
};

struct hist_set {
	struct hist h[HIST_KINDS][HIST_RESULTS];
	bool dirty;
};

/* Count one observation of ms milliseconds. */
void hist_add(struct hist_set *, enum hist_kind, int result, long long ms);
/* Read stats/histograms into hs (left zero when absent). */
int hist_load(struct hist_set *, struct queue *);
/* Replace stats/histograms durably. */
int hist_save(struct hist_set *, struct queue *);

#endif
