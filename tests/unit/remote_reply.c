/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "../lib/tap.h"
#include "smtpreply.h"

static struct smtpreply r;
static char text[SMTPREPLY_TEXT_MAX + 1];

/* Feed p in pieces of size piece; 1 when one reply completed exactly. */
static int
feed(const char *p, size_t n, size_t piece)
{
	size_t i = 0, used;
	int f = 0;

	smtpreply_init(&r);
	while (i < n) {
		size_t k = n - i < piece ? n - i : piece;

		f = smtpreply_feed(&r, p + i, k, &used);
		i += used;
		if (f != 0)
			break;
	}
	smtpreply_text(&r, text);
	return f == 1;
}

static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
			return 0;
	return 1;
}

int
main(void)
{
	static const char multi[] = "250-sink.test\r\n250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n250 8BITMIME\r\n";
	char *big;
	size_t n;
	const char *l;
	int k, all;

	plan(19);
	ok(feed("250 2.0.0 Ok\r\n", 14, 100) && r.code == 250 &&
	    strcmp(text, "250 2.0.0 Ok") == 0, "one line");
	all = 1;
	for (k = 1; k < 8; k++)
		all &= feed(multi, sizeof multi - 1, (size_t)k) &&
		    r.code == 250 && r.nlines == 4;
	ok(all, "a multi-line reply, fed in pieces of any size");
	l = smtpreply_line(&r, 2, &n);
	ok(l != NULL && n == 9 && memcmp(l, "SIZE 1000", 9) == 0,
	    "lines are reachable without their code");
	ok(strcmp(text, "250 sink.test / PIPELINING / SIZE 1000 / 8BITMIME")
	    == 0, "the one-line text joins the lines");
	ok(feed("354\r\n", 5, 100) && r.code == 354 && !r.malformed,
	    "a line that is only a code ends the reply");
	ok(feed("250-a\r\n451 b\r\n", 14, 100) && r.code == 451 && r.mixed &&
	    strcmp(text, "451 a / b") == 0,
	    "codes that differ: the last line's counts, and it is noted");
	ok(feed("hello\r\n", 7, 100) && r.code == 0 && r.malformed &&
	    strcmp(text, "hello") == 0,
	    "no code: malformed, code 0");
	ok(feed("250xok\r\n", 8, 100) && r.code == 0,
	    "a code without a separator is malformed");
	ok(feed("199 too low\r\n", 13, 100) && r.code == 0,
	    "a code outside 2xx-5xx is malformed");
	ok(feed("550 a\0b\x01\x7f\xff\r\n", 13, 100) && r.code == 550 &&
	    clean(text) && strcmp(text, "550 a?b???") == 0,
	    "NUL and control bytes are cleaned");
	ok(feed("250 a\rb\r\n", 9, 100) && clean(text),
	    "a bare CR inside a line is cleaned");
	big = malloc(1 << 20);
	memset(big, 'x', 1 << 20);
	memcpy(big, "250 ", 4);
	ok(feed(big, 1 << 20, 4096) && r.overflow && r.code == 0,
	    "a megabyte with no line end overflows and ends the reply");
	ok(r.total <= SMTPREPLY_TOTAL_MAX && r.lines.len <=
	    SMTPREPLY_LINE_MAX + 1, "and what is kept stays bounded");
	ok(strlen(text) <= SMTPREPLY_TEXT_MAX && clean(text),
	    "its text is bounded and clean");
	memset(big, 'y', 1 << 20);
	for (k = 0; k < 200; k++)
		memcpy(big + k * 600, "250-", 4), big[k * 600 + 599] = '\n';
	ok(feed(big, 200 * 600, 100000) && r.overflow && r.truncated,
	    "many long lines: each cut, the whole bounded");
	free(big);
	ok(!feed("250-more", 8, 100) && !r.done, "an unfinished reply waits");
	{
		size_t used;

		smtpreply_init(&r);
		ok(smtpreply_feed(&r, "250 a\r\n250 b\r\n", 14, &used) == 1 &&
		    used == 7, "feeding stops at the end of one reply");
	}
	ok(feed("250 \r\n", 6, 1) && r.code == 250 &&
	    strcmp(text, "250 ") == 0, "an empty text is fine");
	ok(feed("\r\n", 2, 1) && r.code == 0, "an empty line is malformed");
	smtpreply_free(&r);
	return done();
}
