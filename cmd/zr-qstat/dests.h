/* SPDX-License-Identifier: MIT */
/*
 * dests: zr-qstat --destinations, zr-send's stats/destinations (one line
 * per destination, "DEST key=value ...", zr-queue(5)) as text or JSON.
 */
#ifndef ZR_QSTAT_DESTS_H
#define ZR_QSTAT_DESTS_H

#include "buf.h"
#include "queue.h"

/* Write the destinations to o, as JSON when json. An EXIT_* code. */
int dests_show(struct queue *, int json, struct buf *o);

/*
 * The same as Prometheus gauges by destination: zr_destination_inflight,
 * _pending, _throttled and _suspended (0 or 1). Nothing without the file.
 */
void dests_prometheus(struct queue *, struct buf *o);

#endif
