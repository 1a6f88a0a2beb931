/* SPDX-License-Identifier: MIT */
/*
 * shaperules: control/shaperules, how zr-send answers a receiver that
 * throttles: which reply texts slow down or suspend a destination, and
 * for how long. Only zr-send reads it.
 *
 * One rule a line, "REGEX ACTION [for=DURATION]", the action one of
 *	throttle msgrate=N/PERIOD   at most that rate (shaping.h's rates)
 *	connections=N               at most N sessions at once
 *	suspend                     nothing at all
 * and DURATION a PERIOD as in shaping.h (default SHAPERULES_FOR). The
 * line is read from its end, so the REGEX (a POSIX extended expression,
 * case ignored) is everything before the action and may hold spaces. It
 * is matched against a deferral's text ("451 4.7.28 ..."); the first rule
 * that matches decides. A table owns its compiled expressions;
 * shaperules_free releases them.
 */
#ifndef ZR_SHAPERULES_H
#define ZR_SHAPERULES_H

#include <regex.h>
#include <stddef.h>

#include "shaping.h"
#include "zs.h"

/* How long a rule holds without for=: ten minutes. */
#define SHAPERULES_FOR (10ULL * 60 * 1000)

enum shaperule_action { SHAPERULE_THROTTLE, SHAPERULE_CONNECTIONS,
	SHAPERULE_SUSPEND };

struct shaperule {
	regex_t re;
	char *text;		/* the expression as written, for the log */
	enum shaperule_action action;
	struct shaping_rate rate;	/* throttle */
	unsigned long long connections;	/* connections */
	unsigned long long for_ms;
};

struct shaperules {
	struct shaperule *r;
	size_t n;
};

/*
 * Parse count NUL-terminated lines into t (emptied first). 1, or 0 with
 * errno (EINVAL: *bad is the number of the bad line, from 1; ENOMEM).
 */
int shaperules_parse(struct shaperules *t, const char *lines, size_t count,
    size_t *bad);
/* control/shaperules into t; a missing file is no rules. 1, or 0 with err. */
int shaperules_load(struct shaperules *t, struct zs *err);
/* The first rule matching text (NUL-terminated), or NULL. */
const struct shaperule *shaperules_match(const struct shaperules *t,
    const char *text);
void shaperules_free(struct shaperules *t);

#endif
