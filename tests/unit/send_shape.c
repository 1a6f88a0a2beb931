/* SPDX-License-Identifier: MIT */
/*
 * Traffic shaping alone: control/shaping's parser (lib/shaping) and the
 * pure core of zr-send's destinations and rates (cmd/zr-send/shape), every
 * time given.
 */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-send/shape.h"

/* Parse text of count lines (NUL after each) into t. */
static int
parse(struct shaping *t, const char *lines, size_t count)
{
	size_t bad;

	return shaping_parse(t, lines, count, &bad);
}

/* How many of n events, each tried every step ms from 0, a rate lets by in
 * the first window ms, and the largest number in any second. */
static unsigned
run(const struct shaping_rate *r, long long step, long long window,
    unsigned *most)
{
	long long tat = 0, at[1000], now;
	unsigned n = 0, i, k;

	for (now = 0; now < window && n < 1000; now += step)
		if (shape_wait(r, tat, now) == 0) {
			shape_take(r, &tat, now);
			at[n++] = now;
		}
	*most = 0;
	for (i = 0; i < n; i++) {
		for (k = i; k < n && at[k] < at[i] + 1000; k++)
			;
		if (k - i > *most)
			*most = k - i;
	}
	return n;
}

static void
parser(void)
{
	struct shaping t;
	struct shaping_rate r;
	unsigned long long ms;
	const struct shaping_limits *l;
	size_t bad;
	static const char good[] =
	    ".google.com connections=3 msgrate=100/1m\0"
	    "route:hub.test connrate=2/10s msgsperconn=50\0"
	    "default msgrate=5/1s";

	memset(&t, 0, sizeof t);
	ok(shaping_period("10m", 3, &ms) && ms == 600000, "10m is 600000 ms");
	ok(shaping_period("500ms", 5, &ms) && ms == 500, "500ms");
	ok(!shaping_period("0s", 2, &ms) && !shaping_period("5", 1, &ms) &&
	    !shaping_period("2d", 2, &ms) && !shaping_period("25h", 3, &ms),
	    "no 0, no unit, no days, nothing past a day");
	ok(shaping_rate_parse(&r, "5/1s", 4) && r.n == 5 && r.ms == 1000,
	    "5/1s");
	ok(!shaping_rate_parse(&r, "0/1s", 4) && !shaping_rate_parse(&r,
	    "5/", 2) && !shaping_rate_parse(&r, "/1s", 3), "bad rates refused");
	ok(parse(&t, good, 3) && t.n == 2 && t.def.msgrate.n == 5,
	    "three lines: two patterns and the default");
	l = shaping_match(&t, "alt1.gmail-smtp-in.l.google.com\0gmail.com", 42);
	ok(l->connections == 3 && l->msgrate.n == 100 &&
	    l->msgrate.ms == 60000, "a suffix matches an MX host name");
	l = shaping_match(&t, "google.com", 11);
	ok(l == &t.def, "a suffix does not match the name itself");
	l = shaping_match(&t, "ROUTE:HUB.TEST", 15);
	ok(l->connrate.n == 2 && l->msgsperconn == 50, "exact, case ignored");
	ok(!shaping_parse(&t, "default\0x connections=0", 2, &bad) &&
	    bad == 2 && t.n == 2, "connections=0 refused, table kept");
	ok(!shaping_parse(&t, "x speed=1", 1, &bad) && bad == 1,
	    "an unknown key refused");
	ok(!shaping_parse(&t, "x msgrate", 1, &bad), "a key without a value");
	shaping_free(&t);
}

static void
rates(void)
{
	struct shaping_rate r = { 5, 1000 }, none = { 0, 0 };
	unsigned most, n;
	long long tat = 0;

	n = run(&r, 10, 4000, &most);
	ok(n == 20 && most <= 5, "5/1s over 4 s: 20 events, at most 5 in "
	    "any second (got %u, %u)", n, most);
	ok(shape_wait(&r, tat, 0) == 0, "the first at once");
	shape_take(&r, &tat, 0);
	ok(shape_wait(&r, tat, 0) == 200 && shape_wait(&r, tat, 150) == 50,
	    "the next after 200 ms: smooth, not a burst");
	shape_take(&r, &tat, 10000);
	ok(shape_wait(&r, tat, 10100) == 100,
	    "an idle spell earns no burst (GCRA, no credit)");
	ok(shape_wait(&none, 1LL << 40, 0) == 0, "no rate: never waits");
	r.n = 3;
	tat = 0;
	n = run(&r, 1, 3000, &most);
	ok(n == 9 && most == 3, "3/1s in 1 ms steps: 9 in 3 s (got %u)", n);
	r.n = 49;
	n = run(&r, 1, 10000, &most);
	ok(n >= 489 && most <= 50, "49/1s in 1 ms steps: the full rate, not "
	    "one per 21 ms (got %u in 10 s, %u at most in a second)", n, most);
}

static void
dests(void)
{
	struct route_host h[3], hb[3];
	struct route_set a = { "a.test", h, 2 }, b = { "b.test", hb, 3 };
	struct route_set local = { "l.test", h + 2, 1 };
	struct zs key = ZS_INIT, names = ZS_INIT, key2 = ZS_INIT;
	struct shaping t;
	struct shape s;
	size_t da, db;

	memset(h, 0, sizeof h);
	memset(&t, 0, sizeof t);
	memset(&s, 0, sizeof s);
	h[0].mx = h[1].mx = true;
	memcpy(h[0].mxname, "MX2.provider.test", 18);
	memcpy(h[1].mxname, "mx1.provider.test", 18);
	memcpy(h[2].key, "local", 6);
	/* b: mx1, mx2 and a smart host to fall back on. */
	hb[0] = h[1];
	hb[1] = h[0];
	memset(&hb[2], 0, sizeof hb[2]);
	memcpy(hb[2].name, "smart.test", 11);
	ok(shape_key(&a, "local", &key, &names) &&
	    strcmp(key.s, "mx1.provider.test,MX2.provider.test") == 0,
	    "an MX destination is its host names, sorted");
	ok(shape_key(&b, "local", &key2, &names) &&
	    strcmp(key.s, key2.s) == 0, "another domain, same MX: the same");
	ok(!shape_key(&local, "local", &key, &names), "local: none");
	ok(parse(&t, ".provider.test connections=2", 1), "a rule");
	ok(shape_key(&a, "local", &key, &names), "names again");
	da = shape_find(&s, &t, key.s, names.s, names.len);
	db = shape_find(&s, &t, key2.s, names.s, names.len);
	ok(da == 0 && db == 0 && s.n == 1, "one destination for both");
	ok(s.d[0].lim.connections == 2, "its limits from the suffix rule");
	ok(parse(&t, "default connections=7", 1), "new rules");
	shape_relimit(&s, &t);
	ok(s.d[0].lim.connections == 7, "relimit takes them");
	/* An operator's suspension comes before any mail to it. */
	ok(parse(&t, ".provider.test connections=3", 1), "a rule again");
	db = shape_find(&s, &t, "smarthosts", NULL, 0);
	ok(db == 1 && s.d[1].bare && s.d[1].lim.connections == 0,
	    "made without names: bare, matched by its key alone");
	s.d[1].susp_until = 5;
	ok(shape_find(&s, &t, "smarthosts", names.s, names.len) == 1 &&
	    !s.d[1].bare && s.d[1].lim.connections == 3 &&
	    s.d[1].susp_until == 5,
	    "the first route's names give its limits; the suspension stays");
	shape_free(&s);
	shaping_free(&t);
	zs_free(&key);
	zs_free(&key2);
	zs_free(&names);
}

static void
rules(void)
{
	struct shaperules t = { NULL, 0 };
	const struct shaperule *r;
	struct shape_dest d;
	struct shaping_limits l;
	size_t bad;
	static const char good[] =
	    "4\\.7\\.28 throttle msgrate=10/1m for=30m\0"
	    "\\[TSS04\\] suspend for=2h\0"
	    "451 4\\.7\\.500 connections=1";

	ok(shaperules_parse(&t, good, 3, &bad) && t.n == 3,
	    "three rules, one with spaces in its expression");
	r = shaperules_match(&t, "421 4.7.28 unusual rate of mail");
	ok(r == &t.r[0] && r->action == SHAPERULE_THROTTLE &&
	    r->rate.n == 10 && r->rate.ms == 60000 && r->for_ms == 1800000,
	    "Gmail's text: throttle 10/min for 30 min");
	r = shaperules_match(&t, "421 4.7.0 [tss04] deferred");
	ok(r == &t.r[1] && r->for_ms == 7200000, "case ignored: suspend 2 h");
	r = shaperules_match(&t, "451 4.7.500 Server busy");
	ok(r == &t.r[2] && r->connections == 1 &&
	    r->for_ms == SHAPERULES_FOR, "connections=1, the default time");
	ok(shaperules_match(&t, "452 4.2.2 mailbox full") == NULL,
	    "other texts: no rule");
	ok(!shaperules_parse(&t, "x throttle\0", 1, &bad) && bad == 1 &&
	    !shaperules_parse(&t, "msgrate=1/1s", 1, &bad) &&
	    !shaperules_parse(&t, "( suspend", 1, &bad) &&
	    !shaperules_parse(&t, "x suspend for=1d", 1, &bad) &&
	    t.n == 3, "malformed rules refused, the table kept");

	memset(&d, 0, sizeof d);
	d.lim.msgrate.n = 100;
	d.lim.msgrate.ms = 1000;
	d.lim.connections = 5;
	ok(shape_apply(&d, &t.r[0], 1000) == 1000 + 1800000,
	    "a throttle holds for its duration");
	shape_limits(&d, 2000, &l);
	ok(l.msgrate.n == 10 && l.msgrate.ms == 60000 && l.connections == 5,
	    "in force: the slower rate");
	ok(shape_wait(&l.msgrate, d.msg_tat, 2000) == 5000,
	    "the next message a full interval after the reply");
	shape_limits(&d, 1000 + 1800000, &l);
	ok(l.msgrate.n == 100, "after it, the destination's own rate");
	(void)shape_apply(&d, &t.r[2], 0);
	shape_limits(&d, 1, &l);
	ok(l.connections == 1, "connections lowered");
	ok(shape_greet421(&d, 0) == 15000 && shape_greet421(&d, 15000) ==
	    45000 && shape_greet421(&d, 45000) == 105000,
	    "421 greetings: 15 s, doubling");
	ok(shape_greet421(&d, 105000 - 1) == 0 && d.susp_until == 105000,
	    "one met while suspended (begun before) does not lengthen it");
	d.greet_fails = 100;
	ok(shape_greet421(&d, 105000) == 105000 + SHAPE_GREET_MAX,
	    "at most 10 minutes");
	shape_success(&d, true, 5);
	ok(shape_greet421(&d, 10000000) == 10015000,
	    "a success starts it afresh");
	shaperules_free(&t);
}

static void
recent(void)
{
	struct shape_dest d;
	long long t0 = 1767225600000LL;	/* a minute's start */

	memset(&d, 0, sizeof d);
	shape_count(&d, SR_DEFERRED, 2, t0);
	shape_count(&d, SR_FAILED, 1, t0 + 59999);
	shape_count(&d, SR_DEFERRED, 1, t0 + 4 * 60000);
	shape_count(&d, SR_DELIVERED, 3, t0 + 9 * 60000);
	ok(shape_recent(&d, SR_DEFERRED, t0 + 9 * 60000) == 3 &&
	    shape_recent(&d, SR_FAILED, t0 + 9 * 60000) == 1 &&
	    shape_recent(&d, SR_DELIVERED, t0 + 9 * 60000) == 3,
	    "ten minutes: every bucket counts");
	ok(shape_recent(&d, SR_DEFERRED, t0 + 10 * 60000) == 1 &&
	    shape_recent(&d, SR_FAILED, t0 + 10 * 60000) == 0,
	    "a minute later the first bucket is out");
	shape_count(&d, SR_DEFERRED, 5, t0 + 14 * 60000);
	ok(shape_recent(&d, SR_DEFERRED, t0 + 14 * 60000) == 5,
	    "a bucket reused after ten minutes starts afresh");
	ok(shape_recent(&d, SR_DEFERRED, t0 + 30 * 60000) == 0,
	    "nothing recent after a quiet spell");
	ok(d.total[SR_DEFERRED] == 8 && d.total[SR_FAILED] == 1 &&
	    d.total[SR_DELIVERED] == 3, "totals keep everything");
}

static void
dead(void)
{
	struct shaping t;
	struct shape_dest d;
	int i;
	long long r[5];

	memset(&t, 0, sizeof t);
	memset(&d, 0, sizeof d);
	ok(parse(&t, "default deadafter=3 deadbackoff=500ms-2s", 1) &&
	    t.def.deadafter == 3 && t.def.deadmin == 500 &&
	    t.def.deadmax == 2000, "deadafter and deadbackoff parsed");
	ok(!parse(&t, "x deadbackoff=2s-1s", 1) && !parse(&t,
	    "x deadbackoff=1s", 1) && !parse(&t, "x deadafter=0", 1),
	    "a back-off shorter at most than at first, or no range: refused");
	ok(shape_failed(&d, 0) == 0 && shape_failed(&d, 1) == 0 &&
	    shape_failed(&d, 2) == 0 && shape_failed(&d, 3) == 0,
	    "without keys: four failures are not dead yet");
	ok(shape_failed(&d, 4) == 60000 && d.susp_until == 60004,
	    "the fifth suspends for a minute");
	ok(shape_failed(&d, 5) == 0 && d.susp_until == 60004,
	    "one under way meanwhile does not lengthen it");
	ok(shape_failed(&d, 60004) == 120000,
	    "the probe after it fails: twice as long");
	d.dead_level = 40;
	ok(shape_failed(&d, 10000000) == 1800000, "at most 30 minutes");
	d.lim = t.def;
	d.dead_fails = 0;
	d.dead_level = 0;
	d.susp_until = 0;
	for (i = 0; i < 5; i++)
		r[i] = shape_failed(&d, i * 10000);
	ok(r[0] == 0 && r[1] == 0 && r[2] == 500 && r[3] == 1000 &&
	    r[4] == 2000, "deadafter=3 deadbackoff=500ms-2s: 500, 1000, 2000");
	shape_success(&d, false, 5);
	ok(d.dead_fails == 0 && d.dead_level == 0 &&
	    shape_failed(&d, 100000) == 0,
	    "a refusal for good proves it alive: counted afresh");
	shaping_free(&t);
}

static void
slow(void)
{
	struct shape_dest d;
	struct shaping_limits l;
	struct shaperule sus;
	unsigned long long seen[6];
	int i;

	memset(&d, 0, sizeof d);
	memset(&sus, 0, sizeof sus);
	sus.action = SHAPERULE_SUSPEND;
	sus.for_ms = 5000;
	ok(shape_park(&d, 0, false) == 0, "not suspended: not parked");
	(void)shape_apply(&d, &sus, 1000);
	ok(shape_park(&d, 1000, false) == 6000 &&
	    shape_park(&d, 5999, true) == 6000,
	    "suspended: parked until its end, however short the rest");
	ok(shape_park(&d, 6000, false) == 0, "after it: not parked");
	shape_limits(&d, 6000, &l);
	ok(l.connections == 1, "after a suspension: one session");
	for (i = 0; i < 6; i++) {
		shape_success(&d, true, 20);
		seen[i] = d.slow;
	}
	ok(seen[0] == 2 && seen[1] == 4 && seen[2] == 8 && seen[3] == 16 &&
	    seen[4] == 0 && seen[5] == 0,
	    "doubling with each success up to the default limit, then off");
	shape_limits(&d, 7000, &l);
	ok(l.connections == 0, "then no limit again");
	d.lim.connections = 3;
	(void)shape_apply(&d, &sus, 10000);
	shape_success(&d, true, 20);
	shape_limits(&d, 20000, &l);
	ok(d.slow == 2 && l.connections == 2, "towards connections=3: 2");
	shape_success(&d, true, 20);
	ok(d.slow == 0, "and done at 3");
	d.lim.msgrate.n = 1;
	d.lim.msgrate.ms = 60000;
	(void)shape_apply(&d, &sus, 30000);
	shape_limits(&d, 40000, &l);
	ok(l.connections == 3, "a msgrate spaces the backlog: no slow start");
	shape_take(&l.msgrate, &d.msg_tat, 40000);
	ok(shape_park(&d, 40001, true) == 100000,
	    "a rate's wait over 30 s: parked for it");
	ok(shape_park(&d, 40002, true) == 160000 &&
	    shape_park(&d, 40003, true) == 220000,
	    "the next ones parked for it: a slot each, one per interval");
	d.lim.msgrate.ms = 20000;
	d.msg_tat = 0;
	shape_take(&d.lim.msgrate, &d.msg_tat, 40000);
	ok(shape_park(&d, 40001, true) == 0, "a wait of 20 s is held");
	ok(shape_park_next(15000, 0, 0, 12345) == 15,
	    "no jitter: the suspension's end, in seconds");
	ok(shape_park_next(15000, 0, 20, 0) == 15 &&
	    shape_park_next(15000, 0, 20, 3000) == 18 &&
	    shape_park_next(15000, 0, 20, 3001) == 15,
	    "jitter 20%%: spread over 3 s after it");
	ok(shape_park_next(2000, 1000, 10, 1000) == 3,
	    "a short one: spread over a second at least");
}

int
main(void)
{
	plan(75);
	parser();
	rates();
	dests();
	rules();
	recent();
	dead();
	slow();
	return done();
}
