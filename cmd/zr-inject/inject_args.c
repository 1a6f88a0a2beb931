/* SPDX-License-Identifier: MIT */
/*
 * The sendmail command line: the options that callers of sendmail pass,
 * read into a struct inject_conf (see inject.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "inject.h"
#include "queue.h"

/* RFC 3461 4.4: ENVID is at most 100 characters. */
#define ENVID_MAX 100

static int
bad_usage(const char *what, const char *detail)
{
	warn_x_("fatal", what, detail, (const char *)0);
	return EX_USAGE;
}

int
inject_args(struct inject_conf *c, int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int opt;

	memset(c, 0, sizeof *c);
	c->dot_ends = 1;
	c->prio = PRIO_NORMAL;
	/*
	 * Installed set-group-id so that any user can queue, the program must
	 * not let a caller choose where it writes: the environment is ignored.
	 */
	c->trusted_env = getuid() == geteuid() && getgid() == getegid();
	if (!c->trusted_env) {
		unsetenv("ZR_QUEUE");
		unsetenv("ZR_CONTROL");
	}
	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "";
	if (strcmp(base, "mailq") == 0)
		c->mode = MODE_LIST;
	else if (strcmp(base, "newaliases") == 0)
		c->mode = MODE_ALIASES;

	/* '+': the first recipient ends the options, as sendmail does. */
	while ((opt = getopt(argc, argv,
	    "+A:B:b:C:d:F:f:h:iL:mN:nO:o:p:q::R:r:tUV:vX:x")) != -1) {
		switch (opt) {
		case 'b':
			if (strcmp(optarg, "p") == 0)
				c->mode = MODE_LIST;
			else if (strcmp(optarg, "i") == 0)
				c->mode = MODE_ALIASES;
			else if (strcmp(optarg, "m") == 0)
				c->mode = MODE_SEND;
			else if (strcmp(optarg, "s") == 0)
				c->mode = MODE_SMTP;
			else
				return bad_usage("mode not supported: -b",
				    optarg);
			break;
		case 'F':
			c->fullname = optarg;
			break;
		case 'f':
		case 'r':
			c->sender = optarg;
			break;
		case 'i':
			c->dot_ends = 0;
			break;
		case 'N':
			if (!envelope_notify_parse(optarg, &c->notify))
				return bad_usage("bad -N value: ", optarg);
			break;
		case 'o':
			/* -oi is -i; -odi, -oem and the rest mean nothing here. */
			if (strcmp(optarg, "i") == 0)
				c->dot_ends = 0;
			break;
		case 'p':
			if (!queue_prio_parse(optarg, &c->prio))
				return bad_usage("bad priority: ", optarg);
			c->prio_set = 1;
			break;
		case 'q':
			/*
			 * -q flushes; -q30m asks a daemon to run the queue
			 * that often, which zr-send does by itself: nothing.
			 */
			c->mode = optarg == NULL ? MODE_FLUSH : MODE_NOTHING;
			break;
		case 'R':
			if (strcasecmp(optarg, "full") == 0)
				c->ret = RET_FULL;
			else if (strcasecmp(optarg, "hdrs") == 0)
				c->ret = RET_HDRS;
			else
				return bad_usage("bad -R value: ", optarg);
			break;
		case 't':
			c->from_headers = 1;
			break;
		case 'V':
			c->envid = optarg;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'A': case 'B': case 'C': case 'd': case 'h': case 'L':
		case 'm': case 'n': case 'O': case 'U': case 'X': case 'x':
			/* Accepted and ignored: callers pass these out of habit. */
			break;
		default:
			warn_x_("usage", INJECT_USAGE, (const char *)0);
			return EX_USAGE;
		}
	}
	if (c->envid != NULL) {
		size_t i, n = strlen(c->envid);

		for (i = 0; i < n; i++)
			if (c->envid[i] < 33 || c->envid[i] > 126)
				break;
		if (n == 0 || n > ENVID_MAX || i < n)
			return bad_usage("bad -V envid: ", c->envid);
	}
	c->rcpts = argv + optind;
	c->nrcpts = argc - optind;
	return EX_OK;
}
