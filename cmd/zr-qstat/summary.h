/* SPDX-License-Identifier: MIT */
/*
 * summary: the queue's statistics as one table (summary.c rows[]), each
 * row naming a statistic and how it is called in the three formats that
 * render it: the text for people, --json, and the Prometheus text. A new
 * statistic is a new row; the formatters only know kinds of value. The
 * outputs are contracts (tests/golden/qstat-*).
 */
#ifndef ZR_QSTAT_SUMMARY_H
#define ZR_QSTAT_SUMMARY_H

#include <time.h>

#include "buf.h"
#include "report.h"

enum summary_format { SUMMARY_TEXT, SUMMARY_JSON, SUMMARY_PROM };

/* Render rc, counted in the queue at root at time now, into o. */
void summary_render(enum summary_format, const char *root,
    const struct report_counts *rc, time_t now, struct buf *o);

#endif
