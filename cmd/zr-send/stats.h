/* SPDX-License-Identifier: MIT */
/*
 * stats: zr-send's cumulative counters, kept in stats/counters across
 * runs and retention sweeps (format in zr-send(8)): "zr-stats 1", then a
 * line "NAME VALUE" per counter. A counter the file lacks starts at 0; a
 * name it does not know is ignored. stats_flush and stats_status are the
 * scheduler's: the counters with the histograms (hist.h), and the status
 * line of the log.
 */
#ifndef ZR_SEND_STATS_H
#define ZR_SEND_STATS_H

#include <stdbool.h>

#include "queue.h"
#include "reason.h"

enum { ST_M_DELIVERED, ST_M_PARTIAL, ST_M_FAILED, ST_M_EXPIRED,
    ST_M_DEFERRED, ST_R_DELIVERED, ST_R_FAILED, ST_R_EXPIRED,
    ST_R_DEFERRED, ST_ATTEMPTS, ST_NOTIFY, ST_SUPPRESSED, ST_DEFERRALS,
    ST_COUNT = ST_DEFERRALS + REASON_COUNT };

/* Read stats/counters into v (ST_COUNT entries); absent: v unchanged. */
void stats_load(unsigned long long *v, struct queue *);
/* Replace stats/counters with v. 1, or 0 with errno. */
int stats_save(const unsigned long long *v, struct queue *);

struct send;
/* The scheduler's counters and histograms to stats/, or a warning. */
void stats_flush(struct send *);
/*
 * The status line (qmail-send's "status: local 0/0 remote N/M"), when
 * the deliveries under way changed, at most once a second; or now.
 */
void stats_status(struct send *, bool force);

#endif
