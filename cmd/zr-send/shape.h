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
 * until a delivery there succeeds. A destination dead otherwise (deadafter
 * failed attempts in a row, shaping.h) is suspended for deadbackoff's
 * first time, doubled for each failure after (to its most), until a
 * delivery there succeeds. While suspended, or when a rate makes a job
 * wait longer than SHAPE_PARK_MS, its jobs wait in deferred/ (shape_park).
 * A suspension's end starts a slow start unless a msgrate spaces the
 * backlog already: one session, doubled with each success up to the
 * destination's connection limit.
 *
 * The table only grows (a destination's index stays valid for the life
 * of the process); shape_free releases it.
 */
#ifndef ZR_SEND_SHAPE_H
#define ZR_SEND_SHAPE_H

#include <stdbool.h>
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
/* A wait longer than this (ms) is spent in deferred/, not in memory. */
#define SHAPE_PARK_MS 30000LL

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
	long long park_tat;		/* us: the next slot of a parked job */
	/* What throttling replies did, each until a time (ms). */
	long long susp_until, thr_until, conn_until;
	struct shaping_rate thr;
	unsigned long long thr_conns;
	unsigned greet_fails;		/* 421 greetings in a row */
	/* Made for an operator's suspension: names are the key alone. */
	int bare;
	unsigned long long total[SR_COUNT];	/* since zr-send started */
	struct shape_minute recent[SHAPE_RECENT_MIN];	/* by min % N */
	unsigned dead_fails;		/* failed attempts in a row */
	unsigned dead_level;		/* dead-destination suspensions */
	unsigned long long slow;	/* slow start: sessions; 0 off */
	size_t nparked;		/* its messages parked (send's parked set) */
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
/*
 * A 421 at the greeting: d is suspended; the time (ms) until, or 0 when
 * it was already (a session begun before the suspension).
 */
long long shape_greet421(struct shape_dest *, long long now);
/* n results of kind k there at now (ms): the totals and this minute's. */
void shape_count(struct shape_dest *, enum shape_result k,
    unsigned long long n, long long now);
/* Results of kind k in the last SHAPE_RECENT_MIN minutes up to now. */
unsigned long long shape_recent(const struct shape_dest *,
    enum shape_result k, long long now);
/*
 * An attempt there failed, as a dead destination's do (limit.c says
 * which): the suspension (ms) it starts when it makes d dead, else 0.
 */
long long shape_failed(struct shape_dest *, long long now);
/*
 * A delivery succeeded there (alive: a permanent refusal, which proves
 * it alive too but is no success): the back-offs start afresh, and a slow
 * start doubles towards cap sessions (its connection limit or the
 * default), where it ends.
 */
void shape_success(struct shape_dest *, bool delivered,
    unsigned long long cap);
/*
 * Until when (ms) a job for d waits in deferred/ rather than in memory,
 * or 0: while d is suspended, or when its rates make it wait longer than
 * SHAPE_PARK_MS (open: d has a session to take it, so connrate is moot);
 * jobs parked for the msgrate are given its slots one after another.
 */
long long shape_park(struct shape_dest *, long long now, bool open);
/*
 * The next attempt (s) of a message parked until until (ms) at now:
 * spread after until by jitter percent of the wait, at least over a
 * second, taken from rnd (a random number).
 */
long long shape_park_next(long long until, long long now,
    unsigned long long jitter, unsigned long long rnd);
void shape_free(struct shape *);

#endif
