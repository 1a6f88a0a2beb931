/* SPDX-License-Identifier: MIT */
/*
 * scan: text to numbers, strictly.
 *
 * Each returns the number of bytes consumed (0 when there is no digit, or
 * when the number would overflow: an overflowing number is no number).
 */
#ifndef ZR_SCAN_H
#define ZR_SCAN_H

#include <stddef.h>

/* Decimal digits at s (at most n bytes) into *u. */
size_t scan_ulongb(const char *s, size_t n, unsigned long long *u);
/* Decimal digits at the C string s into *u. */
size_t scan_ulong(const char *s, unsigned long long *u);
/* Like scan_ulong, but the whole string must be the number. 1 or 0. */
int scan_ulong_all(const char *s, unsigned long long *u);

#endif
