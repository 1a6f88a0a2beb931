/* SPDX-License-Identifier: MIT */
/*
 * results: what deliverers recorded in state/<id>.r<delivery> before they
 * reported (lib/job.h), folded into a message's state when zr-send starts
 * after a crash, so that a recipient a receiver acknowledged is not sent
 * again; and removed once the message's own state no longer needs them.
 *
 * Only zr-send calls these, at start-up before any delivery and when a
 * message's attempt ends. Functions return 1, or 0 with errno.
 */
#ifndef ZR_SEND_RESULTS_H
#define ZR_SEND_RESULTS_H

#include <stddef.h>

#include "queue.h"
#include "zs.h"

/*
 * Wait until no deliverer holds active/<id> (each keeps a shared lock on
 * the message file while it delivers and records), at most until
 * deadline_ms (CLOCK_MONOTONIC milliseconds). 1 when free, 0 when it was
 * still held at the deadline, or could not be opened.
 */
int results_wait(struct queue *, const char *id, long long deadline_ms);
/* The names of every result file in state/, NUL after each, into names. */
int results_collect(struct queue *, struct zs *names);
/*
 * Fold the results of id among names into state/<id>: recipients that a
 * receiver acknowledged become delivered; then remove those files. *n
 * gets the number of recipients marked delivered. Damaged files are set
 * aside in bad/.
 */
int results_fold(struct queue *, const char *id, const struct zs *names,
    size_t *n);
/* Remove state/<id>.r<d> for each delivery d in ds (count of them). */
void results_remove(struct queue *, const char *id,
    const unsigned long long *ds, size_t count);

#endif
