/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for zr-dkim's own code: room made at the top of a message's
 * content in place, and the TXT record split into strings.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/zr-dkim/dkimtool.h"
#include "zs.h"
#include "../lib/tap.h"

/* Insert ins at off into a file of n pseudo-random bytes; compare. */
static int
insert_case(size_t n, size_t off, const char *ins)
{
	char path[] = "/tmp/zr-dkimtool.XXXXXX";
	size_t il = strlen(ins), i;
	char *want = malloc(n + il), *got = malloc(n + il + 1), *orig = malloc(n);
	int fd = mkstemp(path), ok = 0;
	ssize_t r;

	if (fd == -1 || want == NULL || got == NULL || orig == NULL)
		goto out;
	for (i = 0; i < n; i++)
		orig[i] = (char)('a' + (i * 7919 + i / 13) % 26);
	if (write(fd, orig, n) != (ssize_t)n)
		goto out;
	memcpy(want, orig, off);
	memcpy(want + off, ins, il);
	memcpy(want + off + il, orig + off, n - off);
	if (!dkimtool_insert(fd, (off_t)off, ins, il))
		goto out;
	r = pread(fd, got, n + il + 1, 0);
	ok = r == (ssize_t)(n + il) && memcmp(got, want, n + il) == 0;
out:
	if (fd != -1) {
		close(fd);
		unlink(path);
	}
	free(want);
	free(got);
	free(orig);
	return ok;
}

int
main(void)
{
	struct zs out = ZS_INIT;
	unsigned char pub[300];
	size_t i, strings = 0, longest = 0, cur = 0;
	bool in = false;

	plan(6);
	ok(insert_case(100, 10, "DKIM-Signature: x\n"),
	    "room made inside a small file");
	ok(insert_case(200000, 123, "DKIM-Signature: a=1;\n\tb=2\n"),
	    "and inside one of several pieces, moved from the end");
	ok(insert_case(50, 50, "X: y\n"), "and at the very end (no content)");
	ok(insert_case(65536 * 2, 0, "Z: z\n"), "and at the start, pieces even");

	memset(pub, 0xab, sizeof pub);
	ok(dkimtool_txt("example.test", "s1", 0, pub, sizeof pub, &out) &&
	    strncmp(out.s, "s1._domainkey.example.test. IN TXT \"v=DKIM1; "
	    "k=rsa; p=q6ur", 50) == 0 && out.s[out.len - 1] == '\n',
	    "the record names SELECTOR._domainkey.DOMAIN.");
	for (i = 0; i < out.len; i++) {
		if (out.s[i] != '"') {
			cur += in;
			continue;
		}
		if (in) {
			strings++;
			longest = cur > longest ? cur : longest;
		}
		in = !in;
		cur = 0;
	}
	ok(strings == 2 && longest == 255,
	    "its text in strings of at most 255 bytes (%zu, longest %zu)",
	    strings, longest);
	zs_free(&out);
	return done();
}
