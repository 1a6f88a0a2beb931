/* SPDX-License-Identifier: MIT */
/*
 * xtext: the RFC 3461 section 4 encoding of ENVID and ORCPT values.
 *
 * xtext is printable ASCII where '+', '=', and bytes outside 33..126 are
 * written "+XX" (upper-case hex). Functions append to out and return 1, or
 * 0 with errno set (EINVAL for malformed input).
 */
#ifndef ZR_XTEXT_H
#define ZR_XTEXT_H

#include <stddef.h>

#include "zs.h"

/* Encode n bytes of p. */
int xtext_encode(const char *p, size_t n, struct zs *out);
/*
 * Decode n bytes of xtext. Malformed escapes, lower-case hex, characters
 * that must have been escaped, and decoded control bytes are all refused.
 */
int xtext_decode(const char *p, size_t n, struct zs *out);
/* Whether n bytes at p are well-formed xtext (the same rules as decode). */
int xtext_valid(const char *p, size_t n);

#endif
