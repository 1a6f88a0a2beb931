/* SPDX-License-Identifier: MIT */
/*
 * load: zr-send reading the queue into its lists (sched.h).
 *
 * todo/<priority> is read whole when its list runs out or a poke asks
 * (it holds what waits to be sent, little at a time). deferred/ may hold
 * a million messages, each to be opened with its state file to learn its
 * priority and due time: it is read a slice at a time between turns of
 * the loop, at most LOAD_SLICE_MS each, looking at the clock every
 * LOAD_CHECK messages, so that todo/ (an urgent message first) is served
 * while it goes on. A read begins at start-up and at every queue run
 * (control/queueinterval) when none is under way, and a read of more than
 * one slice puts the next queue run an interval after its end. Its end
 * is logged ("info deferred scan:") at start-up and whenever it took more
 * than one slice. At start-up state/, as large, is walked the same way first, for
 * the notification records a previous run left (notify.h).
 *
 * Strays met on the way (an entry with a message's name that is not a
 * regular file) and damaged envelopes are set aside in bad/ with a
 * warning, never read as messages.
 */
#ifndef ZR_SEND_LOAD_H
#define ZR_SEND_LOAD_H

#include <stdbool.h>

#include "loop.h"

#define LOAD_SLICE_MS 20
#define LOAD_CHECK 4

/* Read todo/<p> again into its ready list. */
void load_todo(struct send *, enum queue_prio p);
/* At start-up: take up what the last run left in active/. */
void load_recover(struct send *);
/* Look for strays in hold/, which nothing else reads. */
void load_hold(struct send *);
/* Begin a read of deferred/ (now in ms), unless one is under way. */
void load_deferred_begin(struct send *, long long now);
/* Begin the walk of state/ for notifications a previous run owed. */
void load_notes_begin(struct send *);
/*
 * One slice of those reads: 1 while more remains, 0 when both are over
 * (or none runs).
 */
int load_step(struct send *);
/* Stop them where they are, keeping what they found (at shutdown). */
void load_abort(struct send *);

/*
 * A stray in d, or in state/ when state is set (kind as queue_kind says):
 * set aside in bad/, or removed, with one warning; one that stays is
 * warned of once.
 */
void load_stray_aside(struct send *, enum queue_dir d, bool state,
    const char *name, const char *kind);
/* An open of d/name refused with QUEUE_ENOTREG: set aside what is there. */
void load_stray_found(struct send *, enum queue_dir d, const char *name);
/* The same for state/name, after queue_state_read failed. */
void load_state_stray_found(struct send *, const char *name);
/* A message with a damaged envelope in from: set aside in bad/. */
void load_set_aside(struct send *, const char *id, enum queue_dir from);

#endif
