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
	ok(shape_greet421(&d, 0) == 15000 && shape_greet421(&d, 0) == 30000 &&
	    shape_greet421(&d, 0) == 60000, "421 greetings: 15 s, doubling");
	d.greet_fails = 100;
	ok(shape_greet421(&d, 0) == SHAPE_GREET_MAX, "at most 10 minutes");
	shape_success(&d);
	ok(shape_greet421(&d, 0) == 15000, "a success starts it afresh");
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

int
main(void)
{
	plan(49);
	parser();
	rates();
	dests();
	rules();
	recent();
	return done();
}
