/* SPDX-License-Identifier: MIT */
#include "gzip.h"

uint32_t
gzip_crc32(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;
	int k;

	/* Bit by bit: a report is a few kilobytes; no table is worth it. */
	crc = ~crc;
	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static int
put32(struct zs *out, uint32_t v)
{
	return zs_catc(out, (char)(v & 0xff)) &&
	    zs_catc(out, (char)((v >> 8) & 0xff)) &&
	    zs_catc(out, (char)((v >> 16) & 0xff)) &&
	    zs_catc(out, (char)((v >> 24) & 0xff));
}

int
gzip_stored(const void *p, size_t n, struct zs *out)
{
	/*
	 * RFC 1952 2.3: ID1 ID2, CM 8 (deflate), no flags, MTIME 0 (none
	 * given), XFL 0, OS 255 (unknown).
	 */
	static const char head[10] = { 0x1f, (char)0x8b, 8, 0, 0, 0, 0, 0, 0,
	    (char)0xff };
	const char *b = p;
	size_t off = 0;

	if (!zs_catb(out, head, sizeof head))
		return 0;
	do {
		size_t len = n - off > GZIP_BLOCK_MAX ? GZIP_BLOCK_MAX :
		    n - off;
		int last = off + len == n;

		/* RFC 1951 3.2.4: BFINAL, BTYPE 00, then LEN and NLEN. */
		if (!zs_catc(out, (char)last) ||
		    !zs_catc(out, (char)(len & 0xff)) ||
		    !zs_catc(out, (char)(len >> 8)) ||
		    !zs_catc(out, (char)(~len & 0xff)) ||
		    !zs_catc(out, (char)((~len >> 8) & 0xff)) ||
		    !zs_catb(out, b + off, len))
			return 0;
		off += len;
	} while (off < n);
	/* RFC 1952 2.3.1: CRC32, then ISIZE, the length modulo 2^32. */
	return put32(out, gzip_crc32(0, p, n)) && put32(out, (uint32_t)n);
}
