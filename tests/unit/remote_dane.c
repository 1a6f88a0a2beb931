/* SPDX-License-Identifier: MIT */
/* zr-remote's DANE: which TLSA records count, and reading them. */
#include <arpa/nameser.h>
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-remote/dane.h"
#include "dns.h"

static struct dns_tlsa t;

static bool
usable(unsigned u, unsigned s, unsigned m, size_t len)
{
	t.usage = (unsigned char)u;
	t.selector = (unsigned char)s;
	t.mtype = (unsigned char)m;
	t.len = len;
	return dane_usable(&t);
}

/* A TLSA answer for _25._tcp.mx.test: 3 1 1 and a short record. */
static const unsigned char answer[] = {
	0x12, 0x34, 0x81, 0xa0, 0, 1, 0, 2, 0, 0, 0, 0,
	3, '_', '2', '5', 4, '_', 't', 'c', 'p', 2, 'm', 'x', 4, 't', 'e',
	's', 't', 0, 0, 52, 0, 1,
	0xc0, 0x0c, 0, 52, 0, 1, 0, 0, 1, 0x2c, 0, 35, 3, 1, 1,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	0xc0, 0x0c, 0, 52, 0, 1, 0, 0, 1, 0x2c, 0, 4, 2, 0, 0, 0x30,
};

int
main(void)
{
	struct dns_tlsa out[DNS_TLSA_MAX];
	const char *why = NULL;
	size_t n = 0;

	plan(6);
	ok(usable(3, 1, 1, 32) && usable(2, 0, 2, 64) && usable(3, 0, 0, 300),
	    "DANE-EE and DANE-TA, both selectors, every matching type");
	ok(!usable(0, 1, 1, 32) && !usable(1, 1, 1, 32),
	    "PKIX-TA and PKIX-EE are unusable for SMTP (RFC 7672 3.1.3)");
	ok(!usable(3, 2, 1, 32) && !usable(3, 1, 3, 32),
	    "unknown selectors and matching types are unusable");
	ok(!usable(3, 1, 1, 31) && !usable(3, 1, 2, 32) && !usable(3, 1, 0, 0),
	    "a digest of the wrong length is unusable");
	ok(dns_answer_check(answer, (int)sizeof answer, "_25._tcp.mx.test",
	    ns_t_tlsa, &why) == DNS_OK, "a TLSA answer passes the check");
	ok(dns_answer_tlsa(answer, (int)sizeof answer, out, DNS_TLSA_MAX,
	    &n) && n == 2 && out[0].usage == 3 && out[0].selector == 1 &&
	    out[0].mtype == 1 && out[0].len == 32 && out[0].data[31] == 32 &&
	    out[1].usage == 2 && out[1].len == 1,
	    "both records read, usage, selector, type and data");
	return done();
}
