/* SPDX-License-Identifier: MIT */
/* lib/prio (header fields, MT-PRIORITY), lib/priorules and addr_match. */
#include <string.h>

#include "addr.h"
#include "envelope.h"
#include "prio.h"
#include "priorules.h"
#include "../lib/tap.h"

static int
hdr(const char *text, enum queue_prio want)
{
	enum queue_prio p = PRIO_COUNT;

	return prio_headers(text, strlen(text), &p) == 1 && p == want;
}

static int
none(const char *text)
{
	enum queue_prio p;

	return prio_headers(text, strlen(text), &p) == 0;
}

static int
mt(const char *s, int want)
{
	int v = 99;

	return prio_mt_parse(s, strlen(s), &v) == 1 && v == want;
}

static int
mt_bad(const char *s)
{
	int v;

	return prio_mt_parse(s, strlen(s), &v) == 0;
}

/* Rules as the file would give them, one string with NUL separators. */
static int
load(struct priorules *t, const char *text, size_t count, size_t *bad)
{
	*bad = 0;
	return priorules_parse(t, text, count, bad);
}

int
main(void)
{
	static const char rules[] = "authuser app1 low\0"
	    "client 10.1.0.0/16 high\0"
	    "sender @vip.test urgent\0"
	    "sender @.corp.test high\0"
	    "rcpt boss@corp.test urgent";
	struct priorules t = { 0 };
	struct envelope e;
	enum queue_prio p = PRIO_COUNT;
	unsigned char net[CIDR_ADDR_SIZE], other[CIDR_ADDR_SIZE];
	size_t bad;

	plan(23);
	ok(hdr("Subject: x\nX-Priority: 1 (Highest)\n\nbody\n", PRIO_URGENT),
	    "X-Priority 1 is urgent");
	ok(hdr("X-Priority: 2\n\n", PRIO_HIGH) &&
	    hdr("X-Priority:5\n\n", PRIO_LOW) && hdr("X-Priority: 3\n", PRIO_NORMAL),
	    "X-Priority 2, 5, 3");
	ok(hdr("Priority: urgent\r\n\r\n", PRIO_URGENT) &&
	    hdr("priority: Non-Urgent\n", PRIO_LOW) &&
	    hdr("Priority: normal\n", PRIO_NORMAL),
	    "Priority (RFC 2156), any case, CRLF too");
	ok(hdr("Priority: non-urgent\nX-Priority: 1\n\n", PRIO_URGENT),
	    "X-Priority wins over Priority");
	ok(hdr("X-Priority:\n 1\n\n", PRIO_URGENT), "a folded value");
	ok(none("Subject: x\n\nX-Priority: 1\n"),
	    "a field in the body does not count");
	ok(none("Subject: x\nX-Priority: 1"), "a cut last line is not read");
	ok(none("not a header\nX-Priority: 1\n"),
	    "the header section ends at a line that is no field");
	ok(none("X-Priority-Foo: 1\n\n") && none(""),
	    "another field name, or nothing at all");
	ok(mt("5", 5) && mt("-9", -9) && mt("+3", 3) && mt("0", 0),
	    "MT-PRIORITY values -9..9, signed or not");
	ok(mt_bad("10") && mt_bad("abc") && mt_bad("") && mt_bad("--1") &&
	    mt_bad("-") && mt_bad("+-1"), "MT-PRIORITY 10, abc and garbage");
	ok(prio_mt(9) == PRIO_URGENT && prio_mt(4) == PRIO_URGENT &&
	    prio_mt(3) == PRIO_HIGH && prio_mt(1) == PRIO_HIGH &&
	    prio_mt(0) == PRIO_NORMAL && prio_mt(-3) == PRIO_NORMAL &&
	    prio_mt(-4) == PRIO_LOW && prio_mt(-9) == PRIO_LOW,
	    "the MT-PRIORITY bands");

	ok(addr_match("a@b.test", "A@B.test") && !addr_match("a@b.test",
	    "aa@b.test"), "a full address, without regard to case");
	ok(addr_match("@vip.test", "x@VIP.test") &&
	    !addr_match("@vip.test", "x@a.vip.test"), "@domain is that domain");
	ok(addr_match("@.vip.test", "x@a.vip.test") &&
	    !addr_match("@.vip.test", "x@vip.test") &&
	    !addr_match("@.vip.test", "x@avip.test"), "@.domain: subdomains");
	ok(!addr_match("@vip.test", ""), "the null sender matches nothing");

	ok(load(&t, rules, 5, &bad) && t.n == 5, "five rules parsed");
	envelope_init(&e);
	envelope_set(&e.sender, "ceo@vip.test");
	envelope_add_rcpt(&e, "x@y.test", NULL, 0);
	cidr_addr_parse("10.1.2.3", net);
	cidr_addr_parse("10.2.2.3", other);
	ok(priorules_match(&t, &e, other, NULL, &p) && p == PRIO_URGENT,
	    "sender @vip.test urgent");
	ok(priorules_match(&t, &e, net, "app1", &p) && p == PRIO_LOW,
	    "the first match wins (authuser before sender)");
	ok(priorules_match(&t, &e, net, NULL, &p) && p == PRIO_HIGH,
	    "client 10.1.0.0/16");
	envelope_set(&e.sender, "x@a.test");
	envelope_add_rcpt(&e, "boss@corp.test", NULL, 0);
	ok(priorules_match(&t, &e, NULL, "", &p) && p == PRIO_URGENT,
	    "any recipient matches a rcpt rule; no client is no match");
	envelope_free(&e);
	envelope_init(&e);
	envelope_set(&e.sender, "x@a.test");
	envelope_add_rcpt(&e, "x@b.test", NULL, 0);
	p = PRIO_COUNT;
	ok(!priorules_match(&t, &e, other, "bob", &p) && p == PRIO_COUNT,
	    "no rule matches: nothing set");
	envelope_free(&e);
	ok(!load(&t, "sender @vip.test urgent\0bogus x low", 2, &bad) &&
	    bad == 2 && !load(&t, "sender @vip.test superurgent", 1, &bad) &&
	    !load(&t, "client 10.0.0.0/40 low", 1, &bad) &&
	    !load(&t, "sender @bad..test low", 1, &bad) &&
	    !load(&t, "sender a@b.test low extra", 1, &bad) && t.n == 0,
	    "bad lines are refused, with the line number");
	priorules_free(&t);
	return done();
}
