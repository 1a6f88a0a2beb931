/* SPDX-License-Identifier: MIT */
#include "cidr.h"
#include "../lib/tap.h"

static int
in(const char *net, const char *ip)
{
	struct cidr c;
	unsigned char a[CIDR_ADDR_SIZE];

	return cidr_parse(net, &c) && cidr_addr_parse(ip, a) &&
	    cidr_match(&c, a);
}

int
main(void)
{
	struct cidr c;
	unsigned char a[CIDR_ADDR_SIZE];

	plan(14);
	ok(in("127.0.0.0/8", "127.1.2.3"), "IPv4 /8");
	ok(!in("127.0.0.0/8", "128.0.0.1"), "outside /8");
	ok(in("10.1.2.3", "10.1.2.3") && !in("10.1.2.3", "10.1.2.4"),
	    "a bare address is /32");
	ok(in("192.168.1.128/25", "192.168.1.200") &&
	    !in("192.168.1.128/25", "192.168.1.127"), "/25 boundary");
	ok(in("0.0.0.0/0", "8.8.8.8") && !in("0.0.0.0/0", "::1"),
	    "IPv4 /0 holds every IPv4 address, no IPv6 one");
	ok(in("2001:db8::/32", "2001:db8:1::5") && !in("2001:db8::/32",
	    "2001:db9::1"), "IPv6 /32");
	ok(in("::1", "::1") && !in("::1", "::2"), "IPv6 /128");
	ok(in("127.0.0.0/8", "::ffff:127.0.0.1"),
	    "an IPv4-mapped client matches an IPv4 network");
	ok(in("::ffff:10.0.0.0/104", "10.9.9.9"),
	    "an IPv4-mapped network matches an IPv4 client");
	ok(!cidr_parse("10.0.0.0/33", &c) && !cidr_parse("::/129", &c),
	    "lengths beyond the family");
	ok(!cidr_parse("10.0.0.0/", &c) && !cidr_parse("10.0.0.0/+8", &c) &&
	    !cidr_parse("10.0.0.0/8x", &c), "malformed lengths");
	ok(!cidr_parse("10.0.0/8", &c) && !cidr_parse("", &c) &&
	    !cidr_parse("example.com", &c), "malformed addresses");
	ok(!cidr_addr_parse("1.2.3.4 ", a) && !cidr_addr_parse("[::1]", a),
	    "no blanks, no brackets");
	ok(cidr_parse("10.255.255.255/8", &c) && in("10.255.255.255/8",
	    "10.0.0.0"), "host bits are ignored");
	return done();
}
