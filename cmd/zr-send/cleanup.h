/* SPDX-License-Identifier: MIT */
/*
 * cleanup: what the queue keeps no longer is removed a slice at a time.
 *
 * A round removes the terminal messages (done/<state>/) that entered their
 * directory before a time, with their state files; then files in tmp/
 * older than another; then, when asked, the state files whose message is
 * gone. The scheduler calls cleanup_step between turns of its loop: each
 * call works for at most CLEANUP_SLICE_MS, looking at the clock every
 * CLEANUP_CHECK files, and returns, so that deliveries go on while tens
 * of thousands of files go. The round owns an open directory between
 * calls; cleanup_abort closes it. Strays met on the way (a symlink, FIFO
 * or directory under a message's name) are never removed here: they go to
 * the stray hook, which sets them aside.
 */
#ifndef ZR_SEND_CLEANUP_H
#define ZR_SEND_CLEANUP_H

#include <stdbool.h>
#include <time.h>

#include "queue.h"

/* The longest slice (ms), and the files handled between looks at the clock. */
#define CLEANUP_SLICE_MS 20
#define CLEANUP_CHECK 4

struct send_cleanup {
	bool running;
	int phase;			/* a done/ directory, then tmp, state */
	struct queue_cursor cur;
	bool open;			/* cur holds a directory */
	time_t before;			/* messages terminal before this go */
	time_t tmp_before;		/* tmp/ files changed before this go */
	bool orphans;			/* sweep state/ in this round */
	unsigned long long removed;	/* messages */
	unsigned long long orphaned;	/* state files without a message */
	long tmp;			/* tmp/ files */
	unsigned long long slices;
	long long started, longest;	/* ms: the round's start, longest slice */
	/*
	 * Called for an entry that is not a regular file (a stray): in a
	 * done/ directory, or in state/ (state true). Set after
	 * cleanup_start; NULL leaves strays where they are.
	 */
	void (*stray)(void *ctx, enum queue_dir, bool state, const char *name,
	    const char *kind);
	void *ctx;
};

/* Begin a round (now in ms). */
void cleanup_start(struct send_cleanup *, time_t before, time_t tmp_before,
    bool orphans, long long now);
/*
 * One slice of the round: 1 while more remains, 0 when the round is over
 * (its counts are then final). Trouble with a directory is warned of
 * and that directory left for the next round.
 */
int cleanup_step(struct send_cleanup *, struct queue *);
/* Stop the round where it is (at shutdown). */
void cleanup_abort(struct send_cleanup *);

struct send;
/*
 * The scheduler's turn (now in ms): begin a round every
 * control/cleanupinterval, else go on with the one under way, and log
 * its counts at its end; strays go to load_stray_aside.
 */
void cleanup_turn(struct send *, long long now);

#endif
