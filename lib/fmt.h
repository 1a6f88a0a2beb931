/* SPDX-License-Identifier: MIT */
/*
 * fmt: numbers to text without stdio.
 *
 * fmt_* write into a caller's buffer and return the number of bytes written,
 * never a NUL. FMT_ULONG is big enough for any unsigned long long.
 * fmt_snprintf is the one printf-style formatter: it fails (returns -1,
 * errno EOVERFLOW) instead of truncating.
 */
#ifndef ZR_FMT_H
#define ZR_FMT_H

#include <stddef.h>

#define FMT_ULONG 21

/* Decimal form of u. */
size_t fmt_ulong(char *, unsigned long long u);
/* Decimal form of u, zero-padded on the left to at least width digits. */
size_t fmt_ulong0(char *, unsigned long long u, size_t width);
/* snprintf that treats truncation as an error; returns the length or -1. */
int fmt_snprintf(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

#endif
