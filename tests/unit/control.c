/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/control: reading control files. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "fmt.h"
#include "zs.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/zr-control-unit.XXXXXX";

/* control/NAME holding len bytes of p. */
static int
put(const char *name, const char *p, size_t len)
{
	char path[256];
	int fd;
	ssize_t w;

	if (fmt_snprintf(path, sizeof path, "%s/%s", dir, name) == -1)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		return 0;
	w = write(fd, p, len);
	close(fd);
	return w == (ssize_t)len;
}

/* A line callback that takes "ok" lines, fails on "nomem", refuses others. */
static int
seen_line(void *arg, size_t i, const char *s)
{
	size_t *seen = arg;

	*seen = i + 1;
	return strcmp(s, "ok") == 0 ? 1 : strcmp(s, "nomem") == 0 ? -1 : 0;
}

static void
rm(const char *name)
{
	char path[256];

	if (fmt_snprintf(path, sizeof path, "%s/%s", dir, name) != -1)
		(void)unlink(path);
}

int
main(void)
{
	struct zs z = ZS_INIT, lines = ZS_INIT;
	unsigned long long u = 7;
	size_t count = 0, i;
	char *big, name[5000];
	bool same;
	int r;

	plan(13);
	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("ZR_CONTROL", dir, 1);

	z.len = 3;
	ok(control_readfile("missing", &z) == 0 && z.len == 0,
	    "a missing file is 0, and empties the output");
	ok(control_readulong("missing", &u, 42) == 0 && u == 42,
	    "a missing number keeps its default");

	ok(put("me", "relay.test\n", 11) &&
	    control_readline("me", &z) == 1 && strcmp(z.s, "relay.test") == 0,
	    "one line, NUL-terminated, without its newline");
	/*
	 * zr-smtpd reads its control files per connection: a small file
	 * takes an allocation of about its size, not a page-sized buffer
	 * (which musl's allocator maps and unmaps each time).
	 */
	zs_free(&z);
	ok(control_readfile("me", &z) == 1 && z.len == 11 && z.cap < 64,
	    "a small file is read into a buffer of about its size");

	ok(put("lines", "  a \n# note\n\n\tb\t\nc", 18) &&
	    control_readlines("lines", &lines, &count) == 1 && count == 3 &&
	    strcmp(lines.s, "a") == 0 && strcmp(lines.s + 2, "b") == 0 &&
	    strcmp(lines.s + 4, "c") == 0,
	    "lines trimmed, comments and blank lines skipped, last unended");

	/* More than one read(2): 10,000 bytes, every one of them kept. */
	big = malloc(10000);
	if (big == NULL)
		return 1;
	for (i = 0; i < 10000; i++)
		big[i] = (char)('a' + i % 26);
	r = put("template", big, 10000) ? control_readfile("template", &z) : -2;
	same = r == 1 && z.len == 10000 && memcmp(z.s, big, 10000) == 0;
	ok(same, "a file longer than the read buffer, byte for byte");
	free(big);

	ok(put("number", "1234\n", 5) &&
	    control_readulong("number", &u, 0) == 1 && u == 1234,
	    "a number");
	ok(put("bad", "12x\n", 4) && control_readulong("bad", &u, 0) == -1 &&
	    errno == EINVAL, "a malformed number is EINVAL");

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	errno = 0;
	ok(control_readfile(name, &z) == -1 && errno == ENAMETOOLONG,
	    "a name too long for a path fails, it is not cut short");

	/* Past the 4 MB limit: an error, not a truncated setting. */
	big = calloc(1, (4u << 20) + 1);
	if (big == NULL)
		return 1;
	memset(big, 'x', (4u << 20) + 1);
	errno = 0;
	r = put("huge", big, (4u << 20) + 1) ? control_readfile("huge", &z) : -2;
	ok(r == -1 && errno == EFBIG, "a file over 4 MB is refused (EFBIG)");
	free(big);

	{
		size_t seen = 0, bad = 0;

		ok(control_each_line("ok\0ok\0", 2, seen_line, &seen, &bad) &&
		    seen == 2 && bad == 0, "each line is handed on, in order");
		seen = 0;
		ok(!control_each_line("ok\0no\0ok\0", 3, seen_line, &seen,
		    &bad) && seen == 2 && bad == 2 && errno == EINVAL,
		    "a bad line stops the reader: its number, EINVAL");
		ok(!control_each_line("nomem\0", 1, seen_line, &seen, &bad) &&
		    bad == 1 && errno == ENOMEM,
		    "a line that ran out of memory: ENOMEM");
	}

	rm("me");
	rm("lines");
	rm("template");
	rm("number");
	rm("bad");
	rm("huge");
	(void)rmdir(dir);
	zs_free(&z);
	zs_free(&lines);
	return done();
}
