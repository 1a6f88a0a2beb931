/* SPDX-License-Identifier: MIT */
/* Unit tests for the small lib modules: zs, scan, fmt, xtext, addr, buf. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "fmt.h"
#include "scan.h"
#include "xtext.h"
#include "zs.h"
#include "../lib/memio.h"
#include "../lib/tap.h"

int
main(void)
{
	struct zs s = ZS_INIT, x = ZS_INIT;
	unsigned long long u;
	char tmp[FMT_ULONG];
	char space[8];
	/* At most 3 bytes a read, so lines come in pieces. */
	struct memio_in m = { "one\ntwo\nthree-is-long\nend", 25, 3 };
	struct buf b;

	plan(40);
	ok(zs_cats(&s, "ab") && s.len == 2, "append counts bytes, not NUL");
	ok(zs_catulong(&s, 1234567890123ULL) && zs_0(&s) &&
	    strcmp(s.s, "ab1234567890123") == 0, "numbers append in decimal");
	ok(!zs_readyplus(&s, SIZE_MAX) && errno == EOVERFLOW,
	    "growth that would overflow fails");
	zs_free(&s);
	ok(s.s == NULL && s.len == 0, "free leaves an empty string");

	ok(scan_ulong("123x", &u) == 3 && u == 123, "scan stops at a non-digit");
	ok(scan_ulong("18446744073709551615", &u) == 20 && u == UINT64_MAX,
	    "the largest number scans");
	ok(scan_ulong("18446744073709551616", &u) == 0,
	    "an overflowing number is no number");
	ok(!scan_ulong_all("12 ", &u) && !scan_ulong_all("", &u),
	    "scan_ulong_all wants the whole string");
	ok(fmt_ulong0(tmp, 42, 6) == 6 && memcmp(tmp, "000042", 6) == 0,
	    "fmt pads with zeros");
	ok(fmt_snprintf(tmp, 4, "%s", "toolong") == -1 && errno == EOVERFLOW,
	    "truncation is an error");

	ok(xtext_encode("a+b=c d\r", 8, &x) && x.len == 16 &&
	    memcmp(x.s, "a+2Bb+3Dc+20d+0D", 16) == 0, "xtext escapes + = space CR");
	x.len = 0;
	ok(xtext_decode("a+2Bb", 5, &x) && x.len == 3 && memcmp(x.s, "a+b", 3) == 0,
	    "xtext decodes");
	x.len = 0;
	ok(!xtext_decode("a+0A", 4, &x) && errno == EINVAL,
	    "xtext refuses a decoded line feed");
	ok(!xtext_valid("a+2b", 4), "xtext wants upper-case hex");
	ok(!xtext_valid("a+2", 3), "xtext refuses a cut escape");
	ok(!xtext_valid("a=b", 3) && !xtext_valid("a b", 3),
	    "xtext refuses characters that must be escaped");
	zs_free(&x);

	ok(addr_valid("user@example.test", 17), "a plain address is valid");
	ok(addr_valid("first.last+tag@sub.example.test", 31),
	    "dots and plus in the local part are valid");
	ok(addr_valid("\"john doe\"@example.test", 23),
	    "a quoted local part is valid");
	ok(addr_valid("\"a@b\"@example.test", 18) &&
	    addr_at("\"a@b\"@example.test", 18) == 5,
	    "the domain starts after the last @");
	ok(addr_valid("u@[127.0.0.1]", 13) && addr_valid("u@[IPv6:::1]", 12),
	    "address literals are valid");
	ok(!addr_valid("u@[300.1.1.1]", 13), "a bad literal is not");
	ok(!addr_valid("user", 4), "no @, no address");
	ok(!addr_valid("user@", 5) && !addr_valid("@example.test", 13),
	    "empty parts are invalid");
	ok(!addr_valid("a..b@example.test", 17) &&
	    !addr_valid(".a@example.test", 15), "empty atoms are invalid");
	ok(!addr_valid("u@exa_mple.test", 15) && !addr_valid("u@-x.test", 9) &&
	    !addr_valid("u@x-.test", 9) && !addr_valid("u@x..test", 9),
	    "bad domains are invalid");
	ok(!addr_valid("u@x.test.", 9), "a trailing dot is invalid");
	{
		int bad;

		ok(addr_route_len("@a.test,@b.test:u@c.test", 24, &bad) == 16 &&
		    !bad && addr_route_len("u@c.test", 8, &bad) == 0 && !bad,
		    "a source route's length, and none");
		ok(addr_route_len("@a_b:u@c.test", 13, &bad) == 0 && bad &&
		    addr_route_len("@a.test,u@c.test", 16, &bad) == 0 && bad,
		    "a malformed route is no route");
	}
	ok(!addr_valid("a b@x.test", 10) && !addr_valid("a\nb@x.test", 10),
	    "white space and control bytes are invalid");
	{
		char big[80];

		memset(big, 'a', sizeof big);
		memcpy(big + 65, "@x.test", 7);
		ok(!addr_valid(big, 72), "a local part over 64 octets is invalid");
		ok(addr_valid(big + 1, 71), "64 octets are fine");
	}

	buf_init(&b, memio_read, 0, &m, space, sizeof space);
	ok(buf_getline(&b, &s, '\n', 100) == 1 && s.len == 4 &&
	    memcmp(s.s, "one\n", 4) == 0, "getline reads across small reads");
	s.len = 0;
	ok(buf_getline(&b, &s, '\n', 100) == 1 && s.len == 4, "next line");
	s.len = 0;
	ok(buf_getline(&b, &s, '\n', 5) == -1 && errno == E2BIG && s.len == 5,
	    "a long line stops at the limit");
	s.len = 0;
	ok(buf_getline(&b, &s, '\n', 100) == 1 && s.len == 9,
	    "the rest of the long line follows");
	s.len = 0;
	ok(buf_getline(&b, &s, '\n', 100) == 0 && s.len == 3 &&
	    memcmp(s.s, "end", 3) == 0, "a last line without LF comes at EOF");
	zs_free(&s);
	{
		int fds[2];
		char out[16];
		char ospace[4];
		struct buf w;

		ok(pipe(fds) == 0, "pipe");
		buf_init(&w, buf_write, fds[1], NULL, ospace, sizeof ospace);
		ok(buf_puts(&w, "hello, ") && buf_puts(&w, "world") &&
		    buf_flush(&w), "output through a small buffer");
		close(fds[1]);
		ok(read(fds[0], out, sizeof out) == 12 &&
		    memcmp(out, "hello, world", 12) == 0, "bytes arrive in order");
		close(fds[0]);
	}
	return done();
}
