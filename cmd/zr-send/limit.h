/* SPDX-License-Identifier: MIT */
/*
 * limit: the loop's side of traffic shaping. It names the destination of
 * a job (shape.h) and tells child_assign whether a job may start now on a
 * session already open or on a new one, and when to look again if not.
 * A job that waits here a short while stays pending; one whose
 * destination is suspended, or whose wait is longer (SHAPE_PARK_MS), is
 * parked in deferred/ (msg_job_park). Neither is an attempt, and nothing
 * is counted for it.
 */
#ifndef ZR_SEND_LIMIT_H
#define ZR_SEND_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "job.h"
#include "loop.h"

/* The destination index of a job going to set (SHAPE_NONE: unshaped). */
size_t limit_dest(struct send *, const struct route_set *set);
/*
 * Whether j may start at now (ms) on a child c already connected to its
 * destination (c non-NULL) or on a new session (c NULL). When not, the
 * time to look again goes into s->shape_wake (0 when only a session's
 * end frees it).
 */
bool limit_allows(struct send *, const struct job *j, const struct child *c,
    long long now);
/* Until when (ms) j waits in deferred/ (shape_park), or 0. */
long long limit_park(struct send *, const struct job *j, long long now);
/*
 * The count of parked messages (parked.h): m landed in deferred/ parked
 * for its destinations m->parked; id was read again or found gone; a
 * read of deferred/ begins, finds id, ends (complete: what it did not
 * find is parked no longer). Out of memory, a message goes uncounted.
 */
void limit_parked(struct send *, const struct msg *m);
void limit_unpark(struct send *, const char *id);
void limit_load_begin(struct send *);
void limit_load_seen(struct send *, const char *id);
void limit_load_end(struct send *, bool complete);
/* Destination d takes mail again early: its parked messages are due. */
void limit_resume(struct send *, size_t d);
/* j starts at now on c; fresh: c's session is new for j's destination. */
void limit_start(struct send *, const struct job *j, struct child *c,
    bool fresh, long long now);

/*
 * j's attempt is over with report r (NULL when there was none) and text
 * the message's reply: a 421 greeting, a deferral control/shaperules
 * names, or a failure that makes the destination dead (shape_failed)
 * changes its destination's limits, with one log line.
 */
void limit_reply(struct send *, const struct job *j,
    const struct job_report *r, const char *text);

/*
 * stats/destinations (zr-queue(5)): a line per destination with its
 * limits, what is in flight and held back, and throttles in force at now.
 */
void limit_write(struct send *, long long now);

#endif
