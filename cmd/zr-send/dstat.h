/* SPDX-License-Identifier: MIT */
/*
 * dstat: what the destinations' lines of stats/destinations say beyond
 * their limits (zr-queue(5)): the jobs queued for each in zr-send, the
 * results of its deliveries since zr-send started, and its temporary and
 * permanent failures of the last SHAPE_RECENT_MIN minutes (shape.h keeps
 * the counts), and who suspended it.
 */
#ifndef ZR_SEND_DSTAT_H
#define ZR_SEND_DSTAT_H

#include <stddef.h>

#include "job.h"
#include "zs.h"

struct send;
struct job;

/*
 * j's attempt is over with report r (NULL when there was none: every
 * recipient is deferred): one result per recipient, at now (ms).
 */
void dstat_reply(struct send *, const struct job *j,
    const struct job_report *r, long long now);
/* The words dstat adds to the line of destination d, appended to l. */
int dstat_fmt(const struct send *, size_t d, long long now, struct zs *l);

#endif
