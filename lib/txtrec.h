/* SPDX-License-Identifier: MIT */
/*
 * txtrec: the "v=...; key=value; ..." TXT records of MTA-STS (RFC 8461
 * 3.1) and TLSRPT (RFC 8460 3). A record is fields separated by ";", each
 * with blanks (space, tab) around it; what a field means is the caller's.
 */
#ifndef ZR_TXTREC_H
#define ZR_TXTREC_H

#include <stddef.h>

/* Drop the blanks at both ends of *p (*n bytes). */
void txtrec_trim(const char **p, size_t *n);
/*
 * The field of p (n bytes) that starts at *i, trimmed, in *f and *fn, and
 * *i past its ";": 1, or 0 when *i is at the end. An empty field gives
 * *fn 0; *i >= n after it tells a trailing ";" from one in the middle.
 */
int txtrec_field(const char *p, size_t n, size_t *i, const char **f,
    size_t *fn);

#endif
