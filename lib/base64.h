/* SPDX-License-Identifier: MIT */
/*
 * base64: RFC 4648 section 4 encoding, as SMTP AUTH uses it (RFC 4954).
 * Both append to out and return 1, or 0 with errno set (EINVAL for input
 * that is not canonical base64: bad characters, bad padding, stray bits).
 */
#ifndef ZR_BASE64_H
#define ZR_BASE64_H

#include <stddef.h>

#include "zs.h"

int base64_encode(const unsigned char *p, size_t n, struct zs *out);
int base64_decode(const char *p, size_t n, struct zs *out);

#endif
