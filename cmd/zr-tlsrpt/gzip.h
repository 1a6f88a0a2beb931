/* SPDX-License-Identifier: MIT */
/*
 * gzip: the gzip format (RFC 1952) around deflate's stored blocks (RFC
 * 1951 3.2.4), written by hand: a TLSRPT report must be gzip (RFC 8460
 * 5.3), not small, and zr links no zlib. The output is larger than the
 * input by 18 bytes plus 5 per 65535.
 */
#ifndef ZR_TLSRPT_GZIP_H
#define ZR_TLSRPT_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "zs.h"

/* The largest stored block (RFC 1951 3.2.4: LEN is 16 bits). */
#define GZIP_BLOCK_MAX 65535

/*
 * The CRC-32 of RFC 1952 8 (ISO 3309, reflected, 0xEDB88320) of n bytes,
 * carried on from crc (0 to start).
 */
uint32_t gzip_crc32(uint32_t crc, const void *p, size_t n);
/* n bytes at p as one gzip member appended to out. 1, or 0 (ENOMEM). */
int gzip_stored(const void *p, size_t n, struct zs *out);

#endif
