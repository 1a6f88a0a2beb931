/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-sts/policy.h"
#include "sts.h"

static struct sts_policy pol;
static const char *why;

static int
policy(const char *text)
{
	return sts_policy_parse(text, strlen(text), &pol, &why);
}

static int
txt(const char *text, char id[STS_ID_MAX + 1])
{
	return sts_txt_parse(text, strlen(text), id, &why);
}

static int
body(const char *resp, struct zs *b)
{
	return policy_http_body(resp, strlen(resp), true, b, &why);
}

int
main(void)
{
	char id[STS_ID_MAX + 1];
	struct sts_cache c, back;
	struct zs s = ZS_INIT, b = ZS_INIT;

	plan(38);
	/* The TXT record (RFC 8461 3.1). */
	ok(txt("v=STSv1; id=20160831085700Z;", id) &&
	    strcmp(id, "20160831085700Z") == 0, "TXT: the RFC's example");
	ok(txt("v=STSv1;id=abc", id) && strcmp(id, "abc") == 0,
	    "TXT: no spaces, no final ;");
	ok(txt("v=STSv1; ext=1; id=x9", id) && strcmp(id, "x9") == 0,
	    "TXT: an unknown field is skipped");
	ok(!txt("v=STSv1;", id), "TXT: no id is no record");
	ok(!txt("v=STSv2; id=1", id), "TXT: another version");
	ok(!txt("id=1; v=STSv1", id), "TXT: the version comes first");
	ok(!txt("v=STSv1; id=a-b", id), "TXT: an id is letters and digits");
	ok(!txt("v=STSv1; id=123456789012345678901234567890123", id),
	    "TXT: an id of 33 characters");
	ok(!txt("v=STSv1; id=1; id=2", id), "TXT: two ids");
	/* The policy (RFC 8461 3.2). */
	ok(policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\r\n"
	    "max_age: 604800\r\n") && pol.mode == STS_ENFORCE &&
	    pol.nmx == 3 && pol.max_age == 604800,
	    "policy: the RFC's example, CRLF");
	ok(policy("version: STSv1\nmode: testing\nmx: MX.A.test\nmax_age: 1") &&
	    pol.mode == STS_TESTING && strcmp(pol.mx[0], "mx.a.test") == 0,
	    "policy: LF, no final line end, patterns kept in lower case");
	ok(policy("version: STSv1\nmode: none\nmax_age: 86400\n") &&
	    pol.mode == STS_NONE, "policy: mode none needs no mx");
	ok(!policy("version: STSv1\nmode: enforce\nmax_age: 86400\n"),
	    "policy: enforce without mx is refused");
	ok(!policy("mode: enforce\nmx: a.test\nmax_age: 86400\n"),
	    "policy: no version");
	ok(!policy("version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n"),
	    "policy: an unknown mode");
	ok(!policy("version: STSv1\nmode: enforce\nmx: a.test\n"
	    "max_age: 31557601\n"), "policy: max_age over a year");
	ok(!policy("version: STSv1\nmode: enforce\nmx: a.test\n"
	    "max_age: 12345678901\n"), "policy: max_age of 11 digits");
	ok(!policy("version: STSv1\nmode: enforce\nmode: none\nmx: a.test\n"
	    "max_age: 1\n"), "policy: mode twice");
	ok(!policy("version: STSv1\nmode: enforce\nmx: a.*.test\n"
	    "max_age: 1\n"), "policy: a star inside a pattern");
	ok(policy("version: STSv1\nfoo: bar\nmode: enforce\nmx: a.test\n"
	    "max_age: 1\n"), "policy: unknown keys are ignored");
	ok(!policy("version: STSv1\nmode: enforce\rmx: a.test\nmax_age: 1\n"),
	    "policy: a bare CR");
	/* MX patterns (RFC 8461 4.1). */
	(void)policy("version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmax_age: 1\n");
	ok(sts_mx_match(&pol, "MAIL.example.com."), "match: exact, any case");
	ok(sts_mx_match(&pol, "mx1.example.net"), "match: the star's label");
	ok(!sts_mx_match(&pol, "a.b.example.net"),
	    "match: the star is one label, not two");
	ok(!sts_mx_match(&pol, "example.net"), "match: not the parent");
	ok(!sts_mx_match(&pol, "evilmail.example.com"), "match: no suffix");
	/* The cache record. */
	memset(&c, 0, sizeof c);
	c.have = true;
	memcpy(c.id, "abc123", 7);
	c.fetched = 1000;
	c.checked = 1500;
	c.policy = pol;
	c.policy.max_age = 600;
	ok(sts_cache_fmt(&c, &s) && sts_cache_parse(s.s, s.len, &back) &&
	    back.have && strcmp(back.id, "abc123") == 0 &&
	    back.fetched == 1000 && back.checked == 1500 &&
	    back.policy.mode == STS_ENFORCE && back.policy.nmx == 2 &&
	    strcmp(back.policy.mx[1], "*.example.net") == 0 &&
	    back.policy.max_age == 600, "cache: a policy reads back");
	ok(sts_cache_valid(&back, 1599) && !sts_cache_valid(&back, 1600),
	    "cache: valid for max_age after the fetch, not a second more");
	memset(&c, 0, sizeof c);
	c.checked = 7;
	s.len = 0;
	ok(sts_cache_fmt(&c, &s) && sts_cache_parse(s.s, s.len, &back) &&
	    !back.have && back.checked == 7 && !sts_cache_valid(&back, 7),
	    "cache: no policy reads back");
	ok(!sts_cache_parse("zr-sts 1\nid x\n", 15, &back),
	    "cache: a damaged record is refused");
	/* The HTTP response (zr-sts). */
	ok(body("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 5\r\n\r\nabcdefg", &b) && b.len == 5 &&
	    memcmp(b.s, "abcde", 5) == 0, "http: Content-Length bounds it");
	ok(body("HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde"
	    "\r\n0\r\n\r\n", &b) && b.len == 5 && memcmp(b.s, "abcde", 5) == 0,
	    "http: chunked, with a parameter and an extension");
	ok(!body("HTTP/1.1 301 Moved\r\nLocation: https://x.test/\r\n"
	    "Content-Type: text/plain\r\n\r\n", &b) &&
	    strcmp(why, "HTTP redirect refused") == 0,
	    "http: a redirect is not followed");
	ok(!body("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nx", &b),
	    "http: not text/plain");
	ok(!body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 10\r\n\r\nabc", &b) &&
	    strcmp(why, "policy cut short") == 0, "http: cut short");
	ok(!body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 65537\r\n\r\nabc", &b) &&
	    strcmp(why, "policy too long") == 0, "http: over 64 KB");
	ok(!body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", &b),
	    "http: chunks without the last one");
	ok(!policy_http_body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "\r\nabc", 48, false, &b, &why),
	    "http: no framing and no close_notify: maybe cut, refused");
	zs_free(&s);
	zs_free(&b);
	return done();
}
