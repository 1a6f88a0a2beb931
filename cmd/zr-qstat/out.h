/* SPDX-License-Identifier: MIT */
/*
 * out: zr-qstat's output helpers. They write into a buf and do not check
 * each write: a write error shows at the final flush of the buf.
 */
#ifndef ZR_QSTAT_OUT_H
#define ZR_QSTAT_OUT_H

#include <stddef.h>

#include "buf.h"

void out_s(struct buf *, const char *);
void out_u(struct buf *, unsigned long long);
/* s padded with blanks to width, on the left when right is set. */
void out_pad(struct buf *, const char *s, size_t width, int right);
void out_upad(struct buf *, unsigned long long, size_t width);
/* A JSON string; bytes outside printable ASCII are escaped. */
void out_json(struct buf *, const char *);
/* A Prometheus label value: backslash, quote and line feed escaped. */
void out_label(struct buf *, const char *);
/* A number with two decimals. */
void out_f(struct buf *, double);
/* 42s, 5m, 3h, 2d. */
void out_age(struct buf *, long long secs);
/* A Prometheus metric's # HELP and # TYPE lines. */
void out_metric(struct buf *, const char *name, const char *type,
    const char *help);

#endif
