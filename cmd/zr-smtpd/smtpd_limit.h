/* SPDX-License-Identifier: MIT */
/*
 * smtpd_limit: control/senderlimits, caps on the messages one sender, one
 * sending domain or one AUTH user may start, against a leaked password.
 *
 * One cap a line, "WHO COUNT/PERIOD": WHO is an address, "@domain" or
 * "@.domain" (lib/addr addr_match), or "authuser:NAME"; PERIOD a number
 * of seconds with an optional unit s, m, h or d ("500/1h"). Each line has
 * its own counter in the shared rate table lock/senderlimit (lib/
 * ratelimit), so every zr-smtpd process counts against the same cap; the
 * key is a hash of the line's WHO and its numbers. A table owns its
 * strings; smtpd_limit_free releases them.
 */
#ifndef ZR_SMTPD_LIMIT_H
#define ZR_SMTPD_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "ratelimit.h"

/* Where the counts live, under the queue. */
#define SMTPD_LIMIT_FILE "lock/senderlimit"

struct smtpd_limit {
	char *who;			/* "a@b", "@dom", "authuser:NAME" */
	bool authuser;
	unsigned long long count;
	unsigned long long period;	/* seconds */
	unsigned char key[RATELIMIT_KEY];
	unsigned char logkey[RATELIMIT_KEY];	/* once-per-window log */
};

struct smtpd_limits {
	struct smtpd_limit *l;
	size_t n;
};

/*
 * Parse count NUL-terminated lines into t (emptied first): 1, or 0 with
 * errno (EINVAL with *bad the first bad entry, from 1, comments and
 * blank lines not counted; ENOMEM).
 */
int smtpd_limit_parse(struct smtpd_limits *t, const char *lines, size_t count,
    size_t *bad);
/*
 * Count one message from sender (NULL or "" for none) and authuser (NULL
 * or "" when not authenticated) against every line that matches, in the
 * table under dirfd at time now. 1 when all allow it (and it was counted),
 * 0 when one is used up (*over names it; nothing is counted), -1 on
 * error (errno set).
 */
int smtpd_limit_take(const struct smtpd_limits *t, int dirfd,
    const char *sender, const char *authuser, long long now,
    const struct smtpd_limit **over);
/* Whether this refusal is the first in l's window (log it then): 1 or 0. */
int smtpd_limit_first(const struct smtpd_limit *l, int dirfd, long long now);
void smtpd_limit_free(struct smtpd_limits *t);

#endif
