/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/hops: counting trace fields, and the hop limit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hops.h"
#include "zs.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/zr-hops.XXXXXX";

/* The count of a whole text fed at once; *end says if the header ended. */
static unsigned long
count(const char *text, bool *end)
{
	struct hops h;
	bool e;

	hops_init(&h);
	e = hops_feed(&h, text, strlen(text));
	if (end != NULL)
		*end = e;
	return hops_count(&h);
}

/* The same text fed one byte at a time: the machine keeps its state. */
static unsigned long
count_bytes(const char *text)
{
	struct hops h;
	size_t i, n = strlen(text);

	hops_init(&h);
	for (i = 0; i < n; i++)
		(void)hops_feed(&h, text + i, 1);
	return hops_count(&h);
}

static void
control(const char *name, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (value == NULL) {
		unlink(path);
		return;
	}
	f = fopen(path, "w");
	if (f != NULL) {
		fputs(value, f);
		fclose(f);
	}
}

int
main(void)
{
	static const char mixed[] = "Received: from a\n"
	    "received: from b\n"
	    "DELIVERED-TO: c@x.test\n"
	    "Subject: hi\n"
	    "\n"
	    "Received: in the body\n";
	static const char crlf[] = "Received: a\r\nReceived: b\r\n\r\n"
	    "Received: body\r\n";
	static const char folded[] = "Received: from a\n"
	    "\tby b\n"
	    " Received: a continuation, not a field\n"
	    "Received: from c\n\n";
	struct zs big = ZS_INIT;
	struct hops h;
	unsigned long max = 0;
	char path[256];
	bool end = false;
	int fd, i;

	plan(24);
	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("ZR_CONTROL", dir, 1);

	hops_init(&h);
	(void)hops_feed(&h, mixed, strlen(mixed));
	ok(h.received == 2 && h.delivered == 1 && hops_count(&h) == 3,
	    "Received and Delivered-To count, in any case");
	ok(count(mixed, &end) == 3 && end, "the blank line ends the header");
	ok(count_bytes(mixed) == 3, "fed a byte at a time, the same count");
	ok(count(crlf, &end) == 2 && end, "CRLF lines and a CRLF blank line");
	ok(count_bytes(crlf) == 2, "CRLF a byte at a time");
	ok(count(folded, NULL) == 2,
	    "a folded line belongs to the field above");
	ok(count_bytes(folded) == 2, "folded, a byte at a time");
	ok(count("Received: a\nno colon here\nReceived: b\n\n", &end) == 1 &&
	    end, "a line that is no field ends the header");
	ok(count("Received : a\nReceived\t: b\n\n", NULL) == 2,
	    "white space before the colon (obsolete syntax)");
	ok(count("X-Received: a\nReceivedX: b\nDelivered-To-X: c\n"
	    "Delivered: d\nReceive: e\n\n", NULL) == 0,
	    "other names do not count, however close");
	ok(count("A-Very-Long-Field-Name-Beyond-Any-We-Count: x\n"
	    "Received: y\n\n", NULL) == 1, "a long name is skipped safely");
	ok(count("", &end) == 0 && !end, "nothing: no count, not ended");
	ok(count("\rReceived: x\n", &end) == 0 && end,
	    "a CR that is no line end ends the header");
	ok(count("Received: a\rb\nReceived: c\n", NULL) == 2,
	    "a CR inside a value is only a byte");
	ok(count(":Received: x\nReceived: y\n", &end) == 0 && end,
	    "an empty name is no field");
	ok(count("Received: a\n\tReceived: b\n", NULL) == 1 &&
	    count(" Received: a\nReceived: b\n", NULL) == 1,
	    "a continuation at the very top is skipped");
	hops_init(&h);
	(void)hops_feed(&h, "Received: a\n\n", 13);
	ok(hops_feed(&h, "Received: b\n", 12) && hops_count(&h) == 1,
	    "after the end, pieces are ignored");

	ok(hops_over(100, 1, 100) && !hops_over(99, 1, 100) &&
	    hops_over(101, 0, 100) && !hops_over(100, 0, 100),
	    "hops_over: more than max, with what is added");
	ok(hops_over(ULONG_MAX, 1, 100) && hops_over(1, ULONG_MAX, 100),
	    "hops_over does not wrap");

	/* A file: the content starts after a prefix, the header is long. */
	for (i = 0; i < 300; i++)
		(void)zs_cats(&big, "Received: from somewhere.test by "
		    "elsewhere.test; a line of some length\n");
	(void)zs_cats(&big, "\nReceived: body\n");
	snprintf(path, sizeof path, "%s/msg", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, "Received: prefix\n", 17) != 17 ||
	    write(fd, big.s, big.len) != (ssize_t)big.len)
		return 1;
	hops_init(&h);
	ok(hops_read(&h, fd, 17) && hops_count(&h) == 300,
	    "hops_read: a header over many pieces, from an offset");
	close(fd);
	unlink(path);
	zs_free(&big);

	control("maxhops", NULL);
	ok(hops_limit(&max) && max == HOPS_MAX_DEFAULT,
	    "no control/maxhops: 100");
	control("maxhops", "7\n");
	ok(hops_limit(&max) && max == 7, "control/maxhops sets the limit");
	control("maxhops", "0\n");
	errno = 0;
	ok(!hops_limit(&max) && errno == EINVAL, "0 is refused");
	control("maxhops", "many\n");
	errno = 0;
	ok(!hops_limit(&max) && errno == EINVAL, "a word is refused");
	control("maxhops", NULL);
	rmdir(dir);
	return done();
}
