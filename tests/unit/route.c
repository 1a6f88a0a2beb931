/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "../lib/tap.h"
#include "route.h"

#define AB8 "abababababababab"
#define FP "sha256:" AB8 AB8 AB8 AB8
#define CD8 "CD:CD:CD:CD:CD:CD:CD:CD"
#define FPC "sha256:" CD8 ":" CD8 ":" CD8 ":" CD8

static struct route_table t;
static struct zs err;

static int
parse(const char *text, int dom)
{
	route_free(&t);
	route_init(&t);
	err.len = 0;
	return route_parse(&t, dom ? "domainroutes" : "smarthosts", text,
	    strlen(text), dom, &err);
}

static int
parse_senders(const char *text)
{
	route_free(&t);
	route_init(&t);
	err.len = 0;
	return route_parse(&t, "senderroutes", text, strlen(text),
	    ROUTE_SENDERROUTES, &err);
}

/* The sender set an address finds: its sender as written, or "-". */
static const char *
sender_of(const char *addr)
{
	struct route_set *r = route_find_sender(&t, addr, strlen(addr));

	return r != NULL ? r->domain : "-";
}

#define is_str(got, want, what) ok(strcmp((got), (want)) == 0, "%s", what)

static const char *
first(struct route_set *s, long long now)
{
	size_t order[16];

	route_order(s, now, order);
	return s->host[order[0]].key;
}

int
main(void)
{
	struct route_set *s;
	size_t order[16], i, n;
	int counts[3] = { 0, 0, 0 }, okall;

	plan(53);
	ok(parse("# comment\n\n10.0.0.1\n  [::1]:2525 priority=5 weight=3\n"
	    "relay.test:587\n", 0) && t.smart.nhost == 3,
	    "smart hosts parse, comments and blank lines skipped");
	ok(strcmp(t.smart.host[0].key, "10.0.0.1:25") == 0 &&
	    t.smart.host[0].prio == 10 && t.smart.host[0].weight == 1,
	    "defaults: port 25, priority 10, weight 1");
	ok(strcmp(t.smart.host[1].key, "[::1]:2525") == 0 &&
	    strcmp(t.smart.host[1].name, "::1") == 0 &&
	    t.smart.host[1].prio == 5 && t.smart.host[1].weight == 3,
	    "IPv6 in brackets with a port, priority and weight");
	ok(!parse("10.0.0.1\n10.0.0.2 colour=red\n", 0) &&
	    strcmp(err.s, "smarthosts:2: unknown key: colour=red") == 0,
	    "an unknown key names file and line");
	ok(!parse("10.0.0.1 weight=0\n", 0) && strstr(err.s, ":1: bad value"),
	    "a zero weight is refused");
	ok(!parse("10.0.0.1:99999\n", 0) && strstr(err.s, "bad host"),
	    "a bad port is refused");
	ok(!parse("::1\n", 0), "IPv6 without brackets is refused");
	ok(!parse("10.0.0.1 priority=x\n", 0), "a non-number is refused");

	ok(parse("example.test 10.0.0.1\nexample.test 10.0.0.2 priority=20\n"
	    ".sub.test 10.0.0.3\n", 1) && t.ndom == 2 && t.dom[0].nhost == 2,
	    "domain routes: several lines make one host set");
	ok(route_find(&t, "EXAMPLE.test", 12) == &t.dom[0],
	    "an exact domain matches, in any case");
	ok(route_find(&t, "a.b.sub.test", 12) == &t.dom[1] &&
	    route_find(&t, "sub.test", 8) == NULL,
	    ".domain covers subdomains, not itself");
	ok(route_find(&t, "other.test", 10) == NULL,
	    "no route and no smart host: NULL");
	t.smart.host = calloc(1, sizeof *t.smart.host);
	route_host_parse(&t.smart.host[0], "10.9.9.9", 8);
	t.smart.nhost = 1;
	ok(route_find(&t, "other.test", 10) == &t.smart,
	    "else the smart hosts");

	parse("10.0.0.1 priority=10\n10.0.0.2 priority=20\n"
	    "10.0.0.3 priority=30\n", 0);
	s = &t.smart;
	n = route_order(s, 1000, order);
	ok(n == 3 && order[0] == 0 && order[1] == 1 && order[2] == 2,
	    "the lowest priority number first, then the next");
	route_mark_down(&t, "10.0.0.1:25", 2000);
	n = route_order(s, 1000, order);
	ok(n == 3 && order[0] == 1 && order[1] == 2 && order[2] == 0,
	    "a host marked down goes last, not away");
	ok(strcmp(first(s, 2000), "10.0.0.1:25") == 0,
	    "and comes back when its time is up");
	route_mark_down(&t, "10.0.0.1:25", 5000);
	route_mark_up(&t, "10.0.0.1:25");
	ok(strcmp(first(s, 1000), "10.0.0.1:25") == 0,
	    "an answer clears the mark");

	parse("10.0.0.1 weight=50\n10.0.0.2 weight=30\n10.0.0.3 weight=20\n"
	    "10.0.0.4 priority=99 weight=1000\n", 0);
	for (i = 0; i < 3000; i++) {
		route_order(&t.smart, 1, order);
		if (order[0] < 3)
			counts[order[0]]++;
	}
	ok(counts[0] == 1500 && counts[1] == 900 && counts[2] == 600,
	    "weights 50/30/20 give exactly 50%%/30%%/20%% over 3000 (%d %d %d)",
	    counts[0], counts[1], counts[2]);
	okall = 1;
	for (i = 0; i < 10; i++) {
		n = route_order(&t.smart, 1, order);
		okall &= n == 4 && order[3] == 3;
	}
	ok(okall, "a backup priority is never first while the others are up");
	route_mark_down(&t, "10.0.0.1:25", 10);
	memset(counts, 0, sizeof counts);
	for (i = 0; i < 500; i++) {
		route_order(&t.smart, 1, order);
		if (order[0] < 3)
			counts[order[0]]++;
	}
	ok(counts[0] == 0 && counts[1] == 300 && counts[2] == 200,
	    "a down host's share goes to the others by weight");

	{
		struct route_host h;

		ok(!route_host_parse(&h, "[::1", 4) &&
		    !route_host_parse(&h, "a b", 3) &&
		    !route_host_parse(&h, "host:", 5),
		    "malformed hosts are refused");
		ok(route_host_parse(&h, "[2001:db8::1]", 13) && h.port == 25 &&
		    strcmp(h.key, "[2001:db8::1]:25") == 0,
		    "IPv6 without a port gets 25");
	}
	{
		struct route_host h;
		struct zs line = ZS_INIT;
		const char *what, *w, *full;
		size_t wn;

		ok(parse("10.0.0.1\n10.0.0.2 tls=verify auth=relay1\n"
		    "relay.test tls=smtps\n[::1] tls=smtps\n"
		    "10.0.0.3:2525 tls=smtps\n", 0) &&
		    t.smart.host[0].tls == TLS_LEVEL_MAY &&
		    !t.smart.host[0].tls_set && t.smart.host[0].auth[0] == 0,
		    "tls defaults to may, auth to none");
		ok(t.smart.host[1].tls == TLS_LEVEL_VERIFY &&
		    strcmp(t.smart.host[1].auth, "relay1") == 0 &&
		    !t.smart.host[1].authplain,
		    "tls= and auth= are read");
		ok(strcmp(t.smart.host[2].key, "relay.test:465") == 0 &&
		    strcmp(t.smart.host[3].key, "[::1]:465") == 0 &&
		    strcmp(t.smart.host[4].key, "10.0.0.3:2525") == 0,
		    "tls=smtps without a port means 465 (RFC 8314); a port "
		    "given stays");
		ok(!parse("10.0.0.1 tls=yes\n", 0) &&
		    strcmp(err.s, "smarthosts:1: bad value: tls=yes") == 0,
		    "an unknown level is a bad value, with file and line");
		ok(!parse("a.test 10.0.0.1 tls=fingerprint\n", 1) &&
		    strstr(err.s, "domainroutes:1: tls=fingerprint needs "
		    "fingerprint=") != NULL &&
		    !parse("10.0.0.1 fingerprint=" FP "\n", 0) &&
		    strstr(err.s, "fingerprint= needs tls=fingerprint") != NULL,
		    "fingerprint= and tls=fingerprint go together");
		ok(!parse("10.0.0.1 tls=fingerprint fingerprint=sha256:abcd\n",
		    0) && strstr(err.s, "bad value: fingerprint=") != NULL &&
		    parse("10.0.0.1 tls=fingerprint fingerprint=" FPC "\n",
		    0) && parse("10.0.0.1 fingerprint=" FP
		    " tls=fingerprint\n", 0),
		    "a fingerprint is sha256: and 64 hex digits, colons "
		    "allowed");
		ok(!parse("10.0.0.1 tls=none auth=x\n", 0) &&
		    strstr(err.s, "authplain=yes") != NULL &&
		    parse("10.0.0.1 tls=none auth=x authplain=yes\n", 0) &&
		    t.smart.host[0].authplain,
		    "auth= with tls=none needs authplain=yes");
		ok(!parse("10.0.0.1 auth=a/b\n", 0) &&
		    !parse("10.0.0.1 authplain=maybe\n", 0),
		    "bad auth names and authplain values are refused");

		full = "10.0.0.9:26 tls=fingerprint "
		    "fingerprint=" FP " auth=n authplain=yes";
		ok(route_host_line(&h, full, strlen(full), &what, &w,
		    &wn) && route_host_fmt(&h, &line) && zs_0(&line) &&
		    strcmp(line.s, "10.0.0.9:26 tls=fingerprint fingerprint="
		    FP " auth=n authplain=yes") == 0,
		    "route_host_fmt writes what route_host_line reads");
		line.len = 0;
		ok(route_host_line(&h, "10.0.0.9", 8, &what, &w, &wn) &&
		    route_host_fmt(&h, &line) && zs_0(&line) &&
		    strcmp(line.s, "10.0.0.9:25 tls=may") == 0,
		    "a plain host gets tls=may written out");
		ok(!route_host_line(&h, "10.0.0.9 tls=bad", 16, &what, &w,
		    &wn) && strcmp(what, "bad value") == 0 && wn == 7,
		    "route_host_line says what and where");
		line.len = 0;
		ok(route_host_line(&h, "10.0.0.9 mx=MX1.a.test", 22, &what, &w,
		    &wn) && h.mx && strcmp(h.mxname, "MX1.a.test") == 0 &&
		    route_host_fmt(&h, &line) && zs_0(&line) &&
		    strcmp(line.s, "10.0.0.9:25 mx=MX1.a.test") == 0,
		    "a job's mx= names the MX host, and is written back");
		ok(!parse("10.0.0.9 mx=mx1.a.test\n", 0) &&
		    strcmp(err.s, "smarthosts:1: mx= is for MX hosts only") == 0,
		    "mx= in a control file is refused");
		ok(!parse("10.0.0.1 tls=verify tls=may\n", 0) &&
		    strcmp(err.s, "smarthosts:1: conflicting tls= keys: "
		    "tls=may") == 0 &&
		    !parse("10.0.0.1 tls=smtps tls=none\n", 0) &&
		    strstr(err.s, "conflicting tls= keys: smtps") != NULL &&
		    !parse("10.0.0.1 tls=smtps tls=verify tls=encrypt\n", 0) &&
		    parse("10.0.0.1 tls=verify tls=verify\n", 0),
		    "two tls= that conflict are refused; one twice is not");
		ok(parse("10.0.0.1 tls=smtps tls=verify\n10.0.0.2 tls=smtps\n"
		    "10.0.0.3 tls=fingerprint tls=smtps fingerprint=" FP "\n",
		    0) && t.smart.host[0].smtps &&
		    t.smart.host[0].tls == TLS_LEVEL_VERIFY &&
		    t.smart.host[0].port == 465 && t.smart.host[1].smtps &&
		    t.smart.host[1].tls == TLS_LEVEL_ENCRYPT &&
		    t.smart.host[2].smtps &&
		    t.smart.host[2].tls == TLS_LEVEL_FINGERPRINT,
		    "tls=smtps takes tls=verify or tls=fingerprint beside it");
		line.len = 0;
		full = "10.0.0.9 tls=smtps tls=verify";
		ok(route_host_line(&h, full, strlen(full), &what, &w,
		    &wn) && route_host_fmt(&h, &line) && zs_0(&line) &&
		    strcmp(line.s, "10.0.0.9:465 tls=smtps tls=verify") == 0,
		    "smtps with a check is written back with both");
		line.len = 0;
		full = "10.0.0.9 mx=mx1.example.test";
		ok(route_host_line(&h, full, strlen(full), &what, &w,
		    &wn) && h.mx && !h.tls_set &&
		    strcmp(h.mxname, "mx1.example.test") == 0 &&
		    route_host_fmt(&h, &line) && zs_0(&line) &&
		    strcmp(line.s, "10.0.0.9:25 mx=mx1.example.test") == 0 &&
		    !route_host_line(&h, "10.0.0.9 mx=a/b", 15, &what, &w, &wn),
		    "mx= names an MX host, is written back, is a name");
		zs_free(&line);
	}
	ok(parse_senders("# app first\napp@Corp.test 10.0.0.1:587 auth=app "
	    "tls=verify\n@corp.test 10.0.0.2 priority=5\n"
	    "@corp.test 10.0.0.3 priority=7 weight=2\n@.corp.test 10.0.0.4\n"
	    "@other.test [::1]:2525\n") && t.nsnd == 4 && t.ndom == 0 &&
	    t.smart.nhost == 0, "sender routes parse: four senders");
	ok(t.snd[1].nhost == 2 && t.snd[1].host[1].prio == 7 &&
	    t.snd[1].host[1].weight == 2,
	    "lines for one sender make one set, with the smarthosts keys");
	ok(strcmp(t.snd[0].host[0].auth, "app") == 0 &&
	    t.snd[0].host[0].tls == TLS_LEVEL_VERIFY, "auth= and tls= kept");
	is_str(sender_of("app@corp.test"), "app@corp.test",
	    "a full address, in any case");
	is_str(sender_of("APP@CORP.TEST"), "app@corp.test",
	    "the sender's case does not matter");
	is_str(sender_of("bob@corp.test"), "@corp.test", "@domain");
	is_str(sender_of("bob@eu.corp.test"), "@.corp.test",
	    "@.domain for subdomains");
	is_str(sender_of("bob@a.b.corp.test"), "@.corp.test",
	    "deeper subdomains too");
	is_str(sender_of("bob@xcorp.test"), "-", "no match across a label");
	is_str(sender_of(""), "-", "the null sender matches nothing");
	is_str(sender_of("app@corp.test.evil"), "-", "no prefix matches");
	ok(!parse_senders("@corp.test 10.0.0.1\ncorp.test 10.0.0.2\n") &&
	    strcmp(err.s, "senderroutes:2: bad sender (an address, @domain or "
	    "@.domain): corp.test") == 0,
	    "a sender without @ is refused, naming file and line");
	ok(!parse_senders("a@.corp.test 10.0.0.1\n") &&
	    !parse_senders("<a@corp.test> 10.0.0.1\n") &&
	    !parse_senders("@ 10.0.0.1\n") &&
	    !parse_senders("@corp.test 10.0.0.1 colour=red\n") &&
	    !parse_senders("@corp.test\n"),
	    "brackets, an empty domain, a bad key or no host: refused");
	ok(parse_senders("@corp.test 10.0.0.1\n") && (route_mark_down(&t,
	    "10.0.0.1:25", 99), t.snd[0].host[0].down_until == 99),
	    "route_mark_down reaches sender routes");
	route_free(&t);
	zs_free(&err);
	return done();
}
