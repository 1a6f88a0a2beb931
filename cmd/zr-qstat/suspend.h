/* SPDX-License-Identifier: MIT */
/*
 * suspend: --suspend and --resume, an operator's hold on a destination.
 * A suspension is a record in the queue's suspend/ (lib/destsusp, written
 * through lib/queue: tmp/ then rename); zr-send is poked through
 * lock/trigger and reads it (zr-send(8)). Records past their time are
 * removed here as well as by zr-send.
 */
#ifndef ZR_QSTAT_SUSPEND_H
#define ZR_QSTAT_SUSPEND_H

#include "buf.h"
#include "queue.h"

/* Without a DURATION, a suspension lasts this long (s). */
#define SUSPEND_DEFAULT 3600

/*
 * Suspend key for dur ("30s", "10m", "1h"; NULL: SUSPEND_DEFAULT) from
 * now, or (resume) lift its suspension. An exit code: EXIT_PERM for a bad
 * key or duration, QSTAT_NOTFOUND to resume what is not suspended.
 */
int suspend_run(struct queue *, int resume, const char *key,
    const char *dur, struct buf *out);

#endif
