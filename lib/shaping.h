/* SPDX-License-Identifier: MIT */
/*
 * shaping: control/shaping, the limits zr-send keeps to per destination
 * (zr-send(8) says what a destination is). Only zr-send reads it.
 *
 * One line per pattern, "PATTERN key=value ...":
 *	connections=N        sessions open at once
 *	connrate=N/PERIOD    new sessions, at most N per PERIOD
 *	msgrate=N/PERIOD     messages (transactions), at most N per PERIOD
 *	msgsperconn=N        transactions on one session before it is closed
 *	deadafter=N          failed attempts in a row that make it dead
 *	deadbackoff=MIN-MAX  how long a dead one is suspended: MIN, doubled
 *	                     per repeat up to MAX (PERIODs)
 * PERIOD is a number with s, m or h ("1s", "10m", "1h"), or ms. PATTERN
 * is "default" (for every destination no other line matches), a name
 * exactly (a route key, a domain or an MX host name, case ignored), or
 * with a leading dot a suffix of one (".google.com"). The first line that
 * matches decides; keys it leaves out have no limit (the dead-destination
 * keys: their defaults, SHAPING_DEADAFTER and SHAPING_DEADMIN-MAX). A
 * table owns its
 * strings; shaping_free releases them.
 */
#ifndef ZR_SHAPING_H
#define ZR_SHAPING_H

#include <stddef.h>

#include "zs.h"

/* The longest PERIOD: a day, so that n per period stays a sane rate. */
#define SHAPING_PERIOD_MAX (24ULL * 3600 * 1000)
#define SHAPING_COUNT_MAX 1000000ULL
/* Without deadafter= and deadbackoff=: 5 failures, then 1 min to 30 min. */
#define SHAPING_DEADAFTER 5
#define SHAPING_DEADMIN (60ULL * 1000)
#define SHAPING_DEADMAX (30ULL * 60 * 1000)

/* A rate: n events per ms milliseconds; n 0 is no limit. */
struct shaping_rate {
	unsigned long long n, ms;
};

struct shaping_limits {
	unsigned long long connections;	/* 0: no limit */
	struct shaping_rate connrate, msgrate;
	unsigned long long msgsperconn;	/* 0: no limit */
	unsigned long long deadafter;	/* 0: SHAPING_DEADAFTER */
	unsigned long long deadmin, deadmax;	/* ms; 0: the defaults */
};

struct shaping_rule {
	char *pattern;
	struct shaping_limits lim;
};

struct shaping {
	struct shaping_rule *r;
	size_t n;
	struct shaping_limits def;	/* the default line; all 0 without */
};

/* "N/PERIOD" (n bytes) into *r. 1, or 0 when malformed. */
int shaping_rate_parse(struct shaping_rate *r, const char *s, size_t n);
/* "10s", "5m", "1h", "500ms" (n bytes) into *ms. 1, or 0. */
int shaping_period(const char *s, size_t n, unsigned long long *ms);
/*
 * Parse count NUL-terminated lines into t (emptied first). 1, or 0 with
 * errno (EINVAL: *bad is the number of the bad line, from 1; ENOMEM).
 */
int shaping_parse(struct shaping *t, const char *lines, size_t count,
    size_t *bad);
/* control/shaping into t; a missing file is no limits. 1, or 0 with err. */
int shaping_load(struct shaping *t, struct zs *err);
/*
 * The limits of a destination known by names (nlen bytes, each name
 * followed by a NUL): the first line matching any name, else default.
 */
const struct shaping_limits *shaping_match(const struct shaping *t,
    const char *names, size_t nlen);
void shaping_free(struct shaping *t);

#endif
