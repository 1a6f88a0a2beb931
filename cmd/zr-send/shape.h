/* SPDX-License-Identifier: MIT */
/*
 * shape: traffic shaping per destination, pure data (no clock, no I/O:
 * times come in as arguments, in ms; tests/unit/send_shape.c drives it).
 *
 * A destination is what limits apply to: the MX host names of an MX
 * route, sorted and joined by commas (so every domain served by the same
 * MX hosts is one destination, the MX roll-up), or a route's key for a
 * domain route ("route:DOMAIN") or the smart hosts ("smarthosts").
 * Local delivery has none. Rates are kept by GCRA (the generic cell rate
 * algorithm): each rate holds the theoretical arrival time of its next
 * event, one emission interval (period / n) after the last, so events are
 * spread evenly and never burst at the start of a period.
 *
 * A throttling reply (shaperules.h) tightens a destination's limits or
 * suspends it until a time; a 421 to the greeting suspends it for
 * SHAPE_GREET_MS, doubled for each such reply in a row (to SHAPE_GREET_MAX)
 * until a delivery there succeeds.
 *
 * The table only grows (a destination's index stays valid for the life
 * of the process); shape_free releases it.
 */
#ifndef ZR_SEND_SHAPE_H
#define ZR_SEND_SHAPE_H

#include <stddef.h>

#include "route.h"
#include "shaperules.h"
#include "shaping.h"
#include "zs.h"

/* No destination: not shaped (local delivery). */
#define SHAPE_NONE ((size_t)-1)
/* Destinations remembered at most; past that, mail goes unshaped. */
#define SHAPE_DEST_MAX 100000

/* A 421 at the greeting: suspended this long (ms), doubled per repeat. */
#define SHAPE_GREET_MS 15000LL
#define SHAPE_GREET_MAX (10LL * 60 * 1000)

/* "Recent" results: the last SHAPE_RECENT_MIN minutes, a bucket each. */
#define SHAPE_RECENT_MIN 10

/* What became of a recipient's delivery there. */
enum shape_result { SR_DELIVERED, SR_DEFERRED, SR_FAILED, SR_COUNT };

struct shape_minute {
	long long min;			/* ms / 60000 of the bucket */
	unsigned long long n[SR_COUNT];
};

struct shape_dest {
	char *key;		/* the destination, NUL-terminated */
	char *names;		/* what control/shaping matches, NUL after each */
	size_t nlen;
	struct shaping_limits lim;
	long long conn_tat, msg_tat;	/* us: GCRA's next allowed time */
	/* What throttling replies did, each until a time (ms). */
	long long susp_until, thr_until, conn_until;
	struct shaping_rate thr;
	unsigned long long thr_conns;
	unsigned greet_fails;		/* 421 greetings in a row */
	/* Made for an operator's suspension: names are the key alone. */
	int bare;
	unsigned long long total[SR_COUNT];	/* since zr-send started */
	struct shape_minute recent[SHAPE_RECENT_MIN];	/* by min % N */
};

struct shape {
	struct shape_dest *d;
	size_t n, cap;
};

/*
 * The destination key of a route set and the names its limits are
 * matched by (the key, the domain, each host name), into key and names.
 * 0 for local delivery or without memory; 1 otherwise.
 */
int shape_key(const struct route_set *, const char *local_key,
    struct zs *key, struct zs *names);
/*
 * The index of the destination key (adding it with its limits from t), or
 * SHAPE_NONE without memory or room. names NULL: not known yet (an
 * operator's suspension made it); the first call with names sets them.
 */
size_t shape_find(struct shape *, const struct shaping *t, const char *key,
    const char *names, size_t nlen);
/* control/shaping was read again: every destination takes its new limits. */
void shape_relimit(struct shape *, const struct shaping *t);
/*
 * GCRA: ms to wait at now (ms) before one event of rate r, 0 when it may
 * happen now; shape_take counts it (call only when the wait is 0).
 */
long long shape_wait(const struct shaping_rate *r, long long tat,
    long long now);
void shape_take(const struct shaping_rate *r, long long *tat, long long now);
/* The limits of d in force at now: its own, tightened by throttles. */
void shape_limits(const struct shape_dest *, long long now,
    struct shaping_limits *out);
/* Rule r applies to d from now: the time (ms) it holds until. */
long long shape_apply(struct shape_dest *, const struct shaperule *r,
    long long now);
/* A 421 at the greeting: d is suspended; the time (ms) until. */
long long shape_greet421(struct shape_dest *, long long now);
/* A delivery succeeded there: the greeting back-off starts afresh. */
void shape_success(struct shape_dest *);
/* n results of kind k there at now (ms): the totals and this minute's. */
void shape_count(struct shape_dest *, enum shape_result k,
    unsigned long long n, long long now);
/* Results of kind k in the last SHAPE_RECENT_MIN minutes up to now. */
unsigned long long shape_recent(const struct shape_dest *,
    enum shape_result k, long long now);
void shape_free(struct shape *);

#endif
