/* SPDX-License-Identifier: MIT */
/* Unit tests for zr-remote's "loops back to myself" check. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "smtpreply.h"
#include "../../cmd/zr-remote/loop.h"
#include "../lib/tap.h"

/* Whether the reply text (whole lines with CRLF) names me. */
static bool
names(const char *text, const char *me)
{
	struct smtpreply r;
	size_t used = 0;
	bool is;

	memset(&r, 0, sizeof r);
	smtpreply_init(&r);
	if (smtpreply_feed(&r, text, strlen(text), &used) != 1)
		return false;
	is = remote_loop_is_me(&r, me);
	smtpreply_free(&r);
	return is;
}

/* Whether ip:port (text) is one of the listed lines. */
static bool
self(const char *ip, unsigned port, const char *const *lines, size_t n)
{
	struct remote_self list[8];
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	size_t i;

	for (i = 0; i < n; i++)
		if (!remote_loop_parse(lines[i], &list[i]))
			return false;
	memset(&in, 0, sizeof in);
	memset(&in6, 0, sizeof in6);
	if (inet_pton(AF_INET, ip, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		in.sin_port = htons((uint16_t)port);
		return remote_loop_is_self((struct sockaddr *)&in, sizeof in,
		    list, n);
	}
	if (inet_pton(AF_INET6, ip, &in6.sin6_addr) != 1)
		return false;
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons((uint16_t)port);
	return remote_loop_is_self((struct sockaddr *)&in6, sizeof in6, list, n);
}

int
main(void)
{
	static const char *const lines[] = { "127.0.0.1:2525", "192.0.2.7",
	    "[::1]:25", "2001:db8::1" };
	struct remote_self a;

	plan(21);
	ok(names("220 relay.test ESMTP zr-smtpd\r\n", "relay.test"),
	    "a greeting with our name");
	ok(names("220 RELAY.Test\r\n", "relay.test"), "in any case");
	ok(names("220 relay.test.\r\n", "relay.test"), "with a final dot");
	ok(names("250-relay.test\r\n250-PIPELINING\r\n250 SIZE\r\n",
	    "relay.test"), "the first line of an EHLO reply");
	ok(!names("220 hop.test ESMTP\r\n", "relay.test"), "another name");
	ok(!names("220 relay.test.example ESMTP\r\n", "relay.test"),
	    "a longer name is another name");
	ok(!names("220 relay\r\n", "relay.test"), "a shorter one too");
	ok(!names("220 ESMTP relay.test\r\n", "relay.test"),
	    "only the first word names the server");
	ok(!names("220\r\n", "relay.test") && !names("220 x\r\n", ""),
	    "no name, or no control/me: no loop");

	ok(remote_loop_parse("127.0.0.1:2525", &a) && a.family == AF_INET &&
	    a.port == 2525 && a.addr[0] == 127 && a.addr[3] == 1,
	    "an IPv4 address and port");
	ok(remote_loop_parse("192.0.2.7", &a) && a.port == 0,
	    "an address alone: every port");
	ok(remote_loop_parse("[::1]:25", &a) && a.family == AF_INET6 &&
	    a.port == 25 && a.addr[15] == 1, "[IPv6]:port");
	ok(remote_loop_parse("2001:db8::1", &a) && a.family == AF_INET6 &&
	    a.port == 0, "IPv6 alone");
	ok(!remote_loop_parse("127.0.0.1:0", &a) &&
	    !remote_loop_parse("127.0.0.1:65536", &a) &&
	    !remote_loop_parse("127.0.0.1:x", &a) &&
	    !remote_loop_parse("127.0.0.1:", &a), "bad ports are refused");
	ok(!remote_loop_parse("mx.test:25", &a) &&
	    !remote_loop_parse("[::1", &a) && !remote_loop_parse("[::1]x", &a) &&
	    !remote_loop_parse("", &a) && !remote_loop_parse("[]:25", &a),
	    "names and broken brackets are refused");
	ok(self("127.0.0.1", 2525, lines, 4), "a listed address and port");
	ok(!self("127.0.0.1", 2526, lines, 4) && !self("127.0.0.2", 2525,
	    lines, 4), "another port or address is not this host");
	ok(self("192.0.2.7", 25, lines, 4) && self("192.0.2.7", 587, lines, 4),
	    "an address without a port matches all its ports");
	ok(self("::1", 25, lines, 4) && !self("::1", 26, lines, 4) &&
	    self("2001:db8::1", 2525, lines, 4), "IPv6");
	ok(self("::ffff:127.0.0.1", 2525, lines, 4),
	    "an IPv4-mapped address is the IPv4 one");
	ok(!self("127.0.0.1", 2525, lines, 0), "an empty list: never");
	return done();
}
