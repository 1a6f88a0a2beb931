/* SPDX-License-Identifier: MIT */
/*
 * inject: queue one message from standard input, sendmail style.
 *
 * inject_args parses the sendmail command line into a config; inject_run
 * reads the message, completes its header, and commits it to the queue.
 * Both return a sysexits.h code (EX_OK when all went well), since the
 * callers of sendmail read those.
 */
#ifndef ZR_INJECT_H
#define ZR_INJECT_H

#include <stddef.h>

#include "envelope.h"

enum inject_mode { MODE_SEND, MODE_LIST, MODE_FLUSH, MODE_ALIASES, MODE_SMTP,
    MODE_NOTHING };

struct inject_conf {
	enum inject_mode mode;
	int from_headers;	/* -t */
	int dot_ends;		/* no -i: a lone "." line ends the input */
	int verbose;		/* -v: print the queue id */
	const char *sender;	/* -f / -r, or NULL */
	const char *fullname;	/* -F, or NULL */
	int prio_set;		/* -p given */
	enum queue_prio prio;
	unsigned notify;	/* -N */
	enum envelope_ret ret;	/* -R */
	const char *envid;	/* -V */
	char **rcpts;		/* arguments after the options */
	int nrcpts;
	const char *queuedir;
	int trusted_env;	/* not set-id: ZR_QUEUE/ZR_CONTROL may be used */
};

int inject_args(struct inject_conf *, int argc, char **argv);
int inject_run(struct inject_conf *);

#define INJECT_USAGE "zr-inject [-t] [-i] [-v] [-f sender] [-F name] " \
	"[-p urgent|high|normal|low] [-N dsn] [-R full|hdrs] [-V envid] " \
	"[--] [recipient ...]"

#endif
