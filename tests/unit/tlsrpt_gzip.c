/* SPDX-License-Identifier: MIT */
/* zr-tlsrpt's gzip writer: CRC-32 against known vectors, and the stored
 * blocks' framing (RFC 1951 3.2.4, RFC 1952 2.3). */
#include <stdlib.h>
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-tlsrpt/gzip.h"

static uint32_t
le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
}

int
main(void)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	struct zs z = ZS_INIT;
	size_t n = 70000, i;
	char *big = malloc(n);
	const unsigned char *u;

	plan(14);
	ok(gzip_crc32(0, "", 0) == 0, "CRC-32 of nothing is 0");
	ok(gzip_crc32(0, "123456789", 9) == 0xCBF43926u,
	    "CRC-32 check value of \"123456789\" is CBF43926");
	ok(gzip_crc32(0, "a", 1) == 0xE8B7BE43u, "CRC-32 of \"a\"");
	ok(gzip_crc32(0, fox, strlen(fox)) == 0x414FA339u,
	    "CRC-32 of the quick brown fox");
	ok(gzip_crc32(gzip_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u,
	    "CRC-32 carried on over pieces is the CRC of the whole");

	ok(gzip_stored("", 0, &z) && z.len == 23, "empty input: 23 bytes");
	u = (const unsigned char *)z.s;
	ok(u[0] == 0x1f && u[1] == 0x8b && u[2] == 8 && u[3] == 0,
	    "the gzip magic, deflate, no flags");
	ok(u[10] == 1 && u[11] == 0 && u[12] == 0 && u[13] == 0xff &&
	    u[14] == 0xff, "one final stored block of length 0, NLEN its complement");
	ok(le32(z.s + 15) == 0 && le32(z.s + 19) == 0, "CRC and ISIZE 0");

	for (i = 0; big != NULL && i < n; i++)
		big[i] = (char)(i * 7);
	z.len = 0;
	ok(big != NULL && gzip_stored(big, n, &z) && z.len == 10 + 5 + 65535 +
	    5 + (n - 65535) + 8, "70000 bytes: two blocks and the framing");
	u = (const unsigned char *)z.s;
	ok(u[10] == 0 && u[11] == 0xff && u[12] == 0xff && u[13] == 0 &&
	    u[14] == 0, "the first block is not final and holds 65535 bytes");
	ok(u[15 + 65535] == 1 && (size_t)(u[16 + 65535] | u[17 + 65535] << 8) ==
	    n - 65535, "the second is final and holds the rest");
	ok(big != NULL && memcmp(z.s + 15, big, 65535) == 0 &&
	    memcmp(z.s + 20 + 65535, big + 65535, n - 65535) == 0,
	    "the bytes are stored as they are");
	ok(big != NULL && le32(z.s + z.len - 8) == gzip_crc32(0, big, n) &&
	    le32(z.s + z.len - 4) == n, "the trailer: CRC-32 and ISIZE");
	zs_free(&z);
	free(big);
	return done();
}
