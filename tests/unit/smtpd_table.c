/* SPDX-License-Identifier: MIT */
/*
 * Unit test of zr-smtpd's command table: every verb in every state, on
 * in-memory sessions over a queue of their own, and the reply it gets
 * there (the reply when out of sequence, the check's, or the verb's own).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/smtpd_mem.h"
#include "../lib/tap.h"
#include "fmt.h"
#include "queue.h"

enum { G, R, M, T, B, NSTATES };

/* What brings a session into each state, and how many replies it had. */
static const struct {
	const char *name;
	const char *in;
	int replies;
} states[NSTATES] = {
	[G] = { "greeted", "", 1 },
	[R] = { "ready", "EHLO c.test\r\n", 2 },
	[M] = { "mail", "EHLO c.test\r\nMAIL FROM:<a@example.com>\r\n", 3 },
	[T] = { "rcpt", "EHLO c.test\r\nMAIL FROM:<a@example.com>\r\n"
	    "RCPT TO:<b@example.com>\r\n", 4 },
	[B] = { "bdat", "EHLO c.test\r\nMAIL FROM:<a@example.com>\r\n"
	    "RCPT TO:<b@example.com>\r\nBDAT 3\r\nabc", 5 },
};

#define HELO "503 5.5.1 Send HELO or EHLO first"
#define NEEDMAIL "503 5.5.1 Need MAIL command"
#define NEEDRCPT "503 5.5.1 Need RCPT command (no valid recipients)"
#define NESTED "503 5.5.1 Sender already given"
#define INTX "503 5.5.1 Not allowed during a mail transaction"

/* The start of the reply each command gets in each state. */
static const struct {
	const char *cmd;
	const char *want[NSTATES];
} rows[] = {
	{ "EHLO d.test", { "250", "250", "250", "250", "250" } },
	{ "HELO d.test", { "250", "250", "250", "250", "250" } },
	{ "MAIL FROM:<c@example.com>",
	    { HELO, "250 2.1.0", NESTED, NESTED, NESTED } },
	{ "RCPT TO:<d@example.com>",
	    { HELO, NEEDMAIL, "250 2.1.5", "250 2.1.5", NEEDRCPT } },
	{ "DATA", { HELO, NEEDMAIL, NEEDRCPT, "354", "503 5.5.1 BDAT and "
	    "DATA do not mix" } },
	{ "BDAT 1\r\nx", { HELO, NEEDMAIL, NEEDRCPT, "250 2.0.0 Ok: chunk",
	    "250 2.0.0 Ok: chunk" } },
	{ "RSET", { "250 2.0.0", "250 2.0.0", "250 2.0.0", "250 2.0.0",
	    "250 2.0.0" } },
	{ "RSET x", { "501 5.5.4 No parameters", "501 5.5.4 No parameters",
	    "501 5.5.4 No parameters", "501 5.5.4 No parameters",
	    "501 5.5.4 No parameters" } },
	{ "NOOP x", { "250 2.0.0", "250 2.0.0", "250 2.0.0", "250 2.0.0",
	    "250 2.0.0" } },
	{ "VRFY x", { "252", "252", "252", "252", "252" } },
	{ "VRFY", { "501 5.5.4", "501 5.5.4", "501 5.5.4", "501 5.5.4",
	    "501 5.5.4" } },
	{ "HELP", { "214", "214", "214", "214", "214" } },
	{ "STARTTLS", { HELO, "502 5.5.1 STARTTLS not available", INTX, INTX,
	    INTX } },
	{ "AUTH PLAIN", { HELO, "503 5.5.1 AUTH not available", INTX, INTX,
	    INTX } },
	{ "QUIT", { "221", "221", "221", "221", "221" } },
	{ "QUIT x", { "501 5.5.4", "501 5.5.4", "501 5.5.4", "501 5.5.4",
	    "501 5.5.4" } },
	{ "FROB", { "500 5.5.1", "500 5.5.1", "500 5.5.1", "500 5.5.1",
	    "500 5.5.1" } },
};

static char root[256];
static const char *const dirs[] = { "tmp", "todo", "lock", "state" };

#define NDIRS (sizeof dirs / sizeof dirs[0])

/* The queue's directories made (mk), or removed (children first). */
static void
queue_dirs(bool mk)
{
	char p[300];
	size_t i, k;

	for (k = 0; k < NDIRS + QD_COUNT; k++) {
		i = mk ? k : NDIRS + QD_COUNT - 1 - k;
		if (fmt_snprintf(p, sizeof p, "%s/%s", root, i < NDIRS ?
		    dirs[i] : queue_dir_name((enum queue_dir)(i - NDIRS))) != -1)
			(void)(mk ? mkdir(p, 0700) : rmdir(p));
	}
}

/* The n-th last line of a reply (0 is the greeting), or "". */
static const char *
reply(const struct zs *out, int n, char *line, size_t size)
{
	const char *p = out->s, *nl;

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl - p < 4 || p[3] != ' ')
			continue;
		if (n-- == 0) {
			size_t k = (size_t)(nl - p);

			if (k > 0 && p[k - 1] == '\r')
				k--;
			if (k >= size)
				k = size - 1;
			memcpy(line, p, k);
			line[k] = '\0';
			return line;
		}
	}
	return "";
}

int
main(void)
{
	int null = open("/dev/null", O_WRONLY);
	struct zs out = ZS_INIT;
	size_t i, st;

	if (null != -1 && getenv("ZR_TEST_VERBOSE") == NULL)
		dup2(null, 2);
	plan((int)(sizeof rows / sizeof rows[0]) * NSTATES + 1);
	if (fmt_snprintf(root, sizeof root, "%s/zr-smtpd-table.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp") == -1 ||
	    mkdtemp(root) == NULL)
		return 1;
	queue_dirs(true);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (st = 0; st < NSTATES; st++) {
			struct smtpd_conf c;
			struct zs in = ZS_INIT;
			char line[512];
			const char *got;

			if (!zs_cats(&in, states[st].in) ||
			    !zs_cats(&in, rows[i].cmd) ||
			    !zs_cats(&in, "\r\n") || !zs_0(&in))
				return 1;
			smtpd_mem_conf(&c, root);
			smtpd_mem_run(&c, in.s, &out);
			got = reply(&out, states[st].replies, line,
			    sizeof line);
			ok(strncmp(got, rows[i].want[st],
			    strlen(rows[i].want[st])) == 0,
			    "%.*s in %s: %s (got \"%s\")",
			    (int)strcspn(rows[i].cmd, "\r"), rows[i].cmd,
			    states[st].name, rows[i].want[st], got);
			zs_free(&in);
		}
	zs_free(&out);
	/* Every message was left unfinished: its file went with it. */
	queue_dirs(false);
	ok(rmdir(root) == 0, "nothing is left in the queue");
	return done();
}
