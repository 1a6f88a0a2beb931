/* SPDX-License-Identifier: MIT */
/* Unit tests for die: the one log line shape, with and without an id. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "zs.h"
#include "../lib/tap.h"

static int pfd[2];
static char got[1024];
static int nl;

/* What the last line wrote to stderr, which is the pipe's end. */
static const char *
line(void)
{
	ssize_t n = read(pfd[0], got, sizeof got - 1);

	n = n > 0 ? n : 0;
	/* One line, one write, one newline at its end; shown without it. */
	nl = n > 0 && got[n - 1] == '\n' && memchr(got, '\n', (size_t)n - 1) ==
	    NULL;
	got[nl ? n - 1 : n] = '\0';
	return got;
}

int
main(void)
{
	struct zs s = ZS_INIT;
	int saved = dup(2);

	plan(12);
	if (pipe(pfd) == -1 || dup2(pfd[1], 2) == -1)
		return 1;
	zr_prog = "zr-test";

	log_info("host=a.test:25 tls=none");
	ok(strcmp(line(), "zr-test: info: host=a.test:25 tls=none") == 0 && nl,
	    "fields without an id: %s", got);
	warn_x("odd reply to ", "DATA", ": 250 \"ok\"");
	ok(strcmp(line(), "zr-test: warning: reason=\"odd reply to DATA: 250 "
	    "\\\"ok\\\"\"") == 0 && nl, "a text is the quoted reason: %s", got);
	errno = ENOENT;
	warn_sys("unable to open ", "x");
	ok(strcmp(line(), "zr-test: warning: reason=\"unable to open x\" "
	    "error=\"No such file or directory\"") == 0 && nl,
	    "strerror is error= after the reason: %s", got);
	ok(errno == ENOENT, "errno is kept");

	die_set_id("1795852400.123.abc");
	warn_x("host=", "b.test:25", " reply=", DIE_Q, "451 try\\later",
	    " what=", DIE_Q, "DATA");
	ok(strcmp(line(), "zr-test: warning: id=1795852400.123.abc "
	    "host=b.test:25 reply=\"451 try\\\\later\" what=DATA") == 0 && nl,
	    "the id comes first; DIE_Q quotes only what needs it: %s", got);
	log_info("id=", "other", " as=x");
	ok(strcmp(line(), "zr-test: info: id=other as=x") == 0 && nl,
	    "a line naming its id keeps it, once: %s", got);
	warn_x("reply=", DIE_Q, "a\r\nb", " empty=", DIE_Q, "");
	ok(strcmp(line(), "zr-test: warning: id=1795852400.123.abc "
	    "reply=\"a\\x0d\\x0ab\" empty=\"\"") == 0 && nl,
	    "control bytes are escaped, an empty value is quoted: %s", got);
	die_set_id(NULL);
	log_info("x=1");
	ok(strcmp(line(), "zr-test: info: x=1") == 0 && nl,
	    "NULL clears the id: %s", got);

	ok(die_catq(&s, "plain") && die_catq(&s, " a b") && zs_0(&s) &&
	    strcmp(s.s, "plain\" a b\"") == 0, "die_catq quotes as needed");
	s.len = 0;
	die_set_id("id1");
	ok(die_catprefix(&s, "info") && zs_0(&s) &&
	    strcmp(s.s, "zr-test: info: id=id1 ") == 0,
	    "die_catprefix writes the program, level and id");
	zs_free(&s);
	die_set_id("a-very-long-id-that-is-longer-than-any-queue-id-could-ever-"
	    "be-0123456789");
	log_info("k=v");
	ok(strlen(line()) < 100 && strncmp(got, "zr-test: info: id=a-very", 24)
	    == 0, "a long id is cut, not overrun: %s", got);
	die_set_id(NULL);

	if (fork() == 0)
		die_usage("zr-test [-v] arg");
	ok(strcmp(line(), "zr-test: usage: zr-test [-v] arg") == 0 && nl,
	    "usage lines carry the usage text: %s", got);
	dup2(saved, 2);
	return done();
}
