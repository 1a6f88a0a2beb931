/* SPDX-License-Identifier: MIT */
/* Unit tests for base64 and the password hashes. */
#include <errno.h>
#include <string.h>

#include "base64.h"
#include "pwhash.h"
#include "../lib/tap.h"

static int
dec(const char *in, const char *want, size_t wantlen)
{
	struct zs z = ZS_INIT;
	int ok = base64_decode(in, strlen(in), &z) && z.len == wantlen &&
	    (wantlen == 0 || memcmp(z.s, want, wantlen) == 0);

	zs_free(&z);
	return ok;
}

int
main(void)
{
	struct zs z = ZS_INIT;

	plan(14);
	ok(base64_encode((const unsigned char *)"\0user\0pass", 10, &z) &&
	    z.len == 16 && memcmp(z.s, "AHVzZXIAcGFzcw==", 16) == 0,
	    "encode an AUTH PLAIN response");
	z.len = 0;
	ok(base64_encode((const unsigned char *)"ab", 2, &z) && z.len == 4 &&
	    memcmp(z.s, "YWI=", 4) == 0, "one padding character");
	ok(dec("AHVzZXIAcGFzcw==", "\0user\0pass", 10), "decode it back");
	ok(dec("", "", 0), "empty decodes to empty");
	ok(!dec("AHVzZXIAcGFzcw=", "", 0) && errno == EINVAL,
	    "a length not a multiple of 4 is refused");
	ok(!dec("YW=I", "", 0) && !dec("=WI=", "", 0),
	    "padding in the middle is refused");
	ok(!dec("YWJ=", "", 0), "non-zero bits under padding are refused");
	ok(!dec("YW\nI", "", 0) && !dec("YW*I", "", 0),
	    "characters outside the alphabet are refused");

	z.len = 0;
	ok(pwhash_make("s3cret", 6, 1000, &z) && zs_0(&z) &&
	    strncmp(z.s, "$pbkdf2-sha256$1000$", 20) == 0, "a hash is made");
	ok(pwhash_check("s3cret", 6, z.s) == 1, "the right password matches");
	ok(pwhash_check("s3creT", 6, z.s) == 0, "a wrong one does not");
	{
		struct zs z2 = ZS_INIT;

		ok(pwhash_make("s3cret", 6, 1000, &z2) && zs_0(&z2) &&
		    strcmp(z.s, z2.s) != 0, "salts differ between hashes");
		zs_free(&z2);
	}
	ok(pwhash_check("x", 1, "plaintext") == -1 &&
	    pwhash_check("x", 1, "$pbkdf2-sha256$10$AAAAAAAAAAA=$AAAA") == -1,
	    "unknown formats and too few iterations are refused");
	ok(pwhash_make("x", 1, 10, &z) == 0, "too few iterations cannot be made");
	zs_free(&z);
	return done();
}
