/* SPDX-License-Identifier: MIT */
/*
 * export: the queue in formats other tools read: the Prometheus text
 * exposition format (for node_exporter's textfile collector) and Postfix's
 * `postqueue -j` (one JSON object per message per line).
 */
#ifndef ZR_QSTAT_EXPORT_H
#define ZR_QSTAT_EXPORT_H

#include "buf.h"
#include "queue.h"

int export_prometheus(struct queue *, struct buf *out);
int export_postqueue(struct queue *, struct buf *out);

#endif
