/* SPDX-License-Identifier: MIT */
/* lib/tlsrpt: the result lines, the _smtp._tls record, mailto: URIs and
 * days. */
#include <string.h>

#include "../lib/tap.h"
#include "fmt.h"
#include "https.h"
#include "tlsrpt.h"

static int
parses(const char *line)
{
	struct tlsrpt_rec r;
	const char *why;
	int ok;

	memset(&r, 0, sizeof r);
	ok = tlsrpt_rec_parse(line, strlen(line), &r, &why);
	tlsrpt_rec_free(&r);
	return ok;
}

/* The rua URIs of a TXT record, joined by "|", or "-" if refused. */
static const char *
rua(const char *txt)
{
	static char out[512];
	struct zs u = ZS_INIT;
	const char *why;
	size_t n, i, k = 0, off = 0;

	if (!tlsrpt_txt_parse(txt, strlen(txt), &u, &n, &why)) {
		zs_free(&u);
		return "-";
	}
	for (i = 0; i < n; i++) {
		size_t l = strlen(u.s + off);

		if (i > 0)
			out[k++] = '|';
		memcpy(out + k, u.s + off, l);
		k += l;
		off += l + 1;
	}
	out[k] = '\0';
	zs_free(&u);
	return out;
}

static const char *
mailto(const char *uri)
{
	static char out[256];
	struct zs a = ZS_INIT;

	if (!tlsrpt_mailto(uri, &a)) {
		zs_free(&a);
		return "-";
	}
	memcpy(out, a.s, a.len + 1);
	zs_free(&a);
	return out;
}

/* An https: URI's parts as "host port path", or "-" if refused. */
static const char *
https(const char *uri)
{
	static char out[600];
	char host[TLSRPT_NAME_MAX + 1];
	struct zs path = ZS_INIT;
	unsigned port;

	if (!tlsrpt_https(uri, host, &port, &path) ||
	    fmt_snprintf(out, sizeof out, "%s %u %s", host, port, path.s) == -1)
		memcpy(out, "-", 2);
	zs_free(&path);
	return out;
}

int
main(void)
{
	struct tlsrpt_rec r, back;
	struct zs line = ZS_INIT, big = ZS_INIT;
	const char *why;
	char day[TLSRPT_DAY_LEN + 1];
	long long t;
	size_t i;

	plan(40);
	memset(&r, 0, sizeof r);
	memset(&back, 0, sizeof back);
	r.t = 1796169374;
	r.type = TLSRPT_TLSA;
	memcpy(r.domain, "dane.test", 10);
	memcpy(r.mx, "mx1.dane.test", 14);
	memcpy(r.ip, "2001:db8::25", 13);
	memcpy(r.result, "tlsa-invalid", 13);
	ok(tlsrpt_rec_addstring(&r, "3 1 1 AB12", 10) &&
	    tlsrpt_rec_addstring(&r, "a+b=c", 5), "two policy strings");
	ok(tlsrpt_rec_fmt(&r, &line) && zs_0(&line) && strcmp(line.s,
	    "1 1796169374 tlsa dane.test mx1.dane.test 2001:db8::25 "
	    "tlsa-invalid 3+201+201+20AB12 a+2Bb+3Dc\n") == 0,
	    "the line: fields, then the strings in xtext");
	ok(tlsrpt_rec_parse(line.s, line.len - 1, &back, &why) &&
	    back.t == r.t && back.type == TLSRPT_TLSA &&
	    strcmp(back.domain, r.domain) == 0 && strcmp(back.mx, r.mx) == 0 &&
	    strcmp(back.ip, r.ip) == 0 && strcmp(back.result, r.result) == 0 &&
	    back.nstrings == 2 && back.strings.len == r.strings.len &&
	    memcmp(back.strings.s, r.strings.s, r.strings.len) == 0,
	    "and it reads back the same");
	r.ip[0] = '\0';
	ok(tlsrpt_rec_fmt(&r, &line) && strstr(line.s, " - tlsa-invalid") &&
	    tlsrpt_rec_parse(line.s, line.len - 1, &back, &why) &&
	    back.ip[0] == '\0', "an unknown address is \"-\", and back");
	for (i = 0; i < 300; i++)
		(void)zs_catc(&big, 'x');
	tlsrpt_rec_free(&r);
	for (i = 0; i < 20; i++)
		(void)tlsrpt_rec_addstring(&r, big.s, big.len);
	ok(tlsrpt_rec_fmt(&r, &line) && line.len <= TLSRPT_LINE_MAX &&
	    tlsrpt_rec_parse(line.s, line.len - 1, &back, &why) &&
	    back.nstrings > 0 && back.nstrings < 20,
	    "strings past TLSRPT_LINE_MAX are left out, the line stays whole");
	ok(parses("1 5 no-policy-found a.test mx.a.test - success"),
	    "a line without strings");
	ok(!parses("2 5 no-policy-found a.test mx.a.test - success"),
	    "another version is refused");
	ok(!parses("1 5 dane a.test mx.a.test - success"),
	    "an unknown policy type is refused");
	ok(!parses("1 5 sts a.test mx.a.test - maybe"),
	    "an unknown result is refused");
	ok(!parses("1 5 sts A.test mx.a.test - success"),
	    "an upper-case domain is refused");
	ok(!parses("1 5 sts a.test mx.a.test 10.0.0.x success"),
	    "a bad address is refused");
	ok(!parses("1 5 sts a.test mx.a.test - success a+b"),
	    "a string that is not xtext is refused");
	ok(!parses("1 5 sts a.test mx.a.test - success +00"),
	    "a string with a NUL is refused");
	ok(!parses("1 5 sts a.test  mx.a.test - success") &&
	    !parses("1 5 sts a.test mx.a.test - success "),
	    "an empty field, a space at the end: refused");
	ok(!parses("1 x5 sts a.test mx.a.test - success") &&
	    !parses("1 99999999999999999999999 sts a.test mx.a.test - success"),
	    "a time that is not a number, or too big, is refused");

	ok(strcmp(tlsrpt_result_of("no-starttls"), "starttls-not-supported") ==
	    0 && strcmp(tlsrpt_result_of("starttls-refused"),
	    "starttls-not-supported") == 0, "no STARTTLS");
	ok(strcmp(tlsrpt_result_of("expired"), "certificate-expired") == 0 &&
	    strcmp(tlsrpt_result_of("name-mismatch"),
	    "certificate-host-mismatch") == 0 &&
	    strcmp(tlsrpt_result_of("self-signed"),
	    "certificate-not-trusted") == 0 &&
	    strcmp(tlsrpt_result_of("untrusted-issuer"),
	    "certificate-not-trusted") == 0, "certificate failures");
	ok(strcmp(tlsrpt_result_of("tlsa-mismatch"), "tlsa-invalid") == 0 &&
	    strcmp(tlsrpt_result_of("tlsa-lookup"), "dnssec-invalid") == 0,
	    "DANE failures");
	ok(strcmp(tlsrpt_result_of("handshake"), "validation-failure") == 0 &&
	    strcmp(tlsrpt_result_of(NULL), "validation-failure") == 0,
	    "anything else: validation-failure");

	ok(strcmp(rua("v=TLSRPTv1; rua=mailto:a@b.test"), "mailto:a@b.test") ==
	    0, "the RFC's record");
	ok(strcmp(rua("v=TLSRPTv1;rua=mailto:a@b.test , https://r.test/x;"),
	    "mailto:a@b.test|https://r.test/x") == 0,
	    "two URIs, white space around the comma, a final \";\"");
	ok(strcmp(rua("v=TLSRPTv1; ext=1; rua=mailto:a@b.test"),
	    "mailto:a@b.test") == 0, "an extension field is passed by");
	ok(strcmp(rua("v=TLSRPTv2; rua=mailto:a@b.test"), "-") == 0 &&
	    strcmp(rua("v=spf1 -all"), "-") == 0, "other records are refused");
	ok(strcmp(rua("v=TLSRPTv1"), "-") == 0 &&
	    strcmp(rua("v=TLSRPTv1; rua="), "-") == 0 &&
	    strcmp(rua("v=TLSRPTv1; rua=mailto:a@b.test,"), "-") == 0,
	    "no rua, an empty rua, an empty URI: refused");
	ok(strcmp(rua("v=TLSRPTv1; rua=mailto:a@b.test; rua=mailto:c@d.test"),
	    "-") == 0, "rua twice: refused");
	ok(strcmp(rua("v=TLSRPTv1;; rua=mailto:a@b.test"), "-") == 0 &&
	    strcmp(rua("v=TLSRPTv1; junk; rua=mailto:a@b.test"), "-") == 0,
	    "an empty field or one without \"=\": refused");

	ok(strcmp(mailto("mailto:tls%2Drpt@b.test"), "tls-rpt@b.test") == 0,
	    "mailto: %%XX decoded");
	ok(strcmp(mailto("MAILTO:a@b.test?subject=x"), "a@b.test") == 0,
	    "any case of the scheme; header fields left out");
	ok(strcmp(mailto("https://r.test/x"), "-") == 0 &&
	    strcmp(mailto("mailto:ab.test"), "-") == 0 &&
	    strcmp(mailto("mailto:a@b@c.test"), "-") == 0 &&
	    strcmp(mailto("mailto:a%20b@c.test"), "-") == 0 &&
	    strcmp(mailto("mailto:a@b.test,c@d.test"), "-") == 0 &&
	    strcmp(mailto("mailto:a%4"), "-") == 0,
	    "another scheme, no \"@\", two, a space, a list, a cut escape: "
	    "refused");

	ok(strcmp(https("https://Reports.TEST/v1/tlsrpt?x=1"),
	    "reports.test 443 /v1/tlsrpt?x=1") == 0,
	    "https: host in lower case, port 443, path and query");
	ok(strcmp(https("https://r.test:8443"), "r.test 8443 /") == 0,
	    "a port, no path: \"/\"");
	ok(strcmp(https("http://r.test/"), "-") == 0 &&
	    strcmp(https("https://"), "-") == 0 &&
	    strcmp(https("https://r.test:0/"), "-") == 0 &&
	    strcmp(https("https://r.test:65536/"), "-") == 0 &&
	    strcmp(https("https://[::1]/"), "-") == 0 &&
	    strcmp(https("https://u@r.test/"), "-") == 0 &&
	    strcmp(https("https://r.test/a b"), "-") == 0 &&
	    strcmp(https("https://r.test/a#f"), "-") == 0,
	    "http:, no host, port 0 or too big, an address literal, user "
	    "info, a space, a fragment: refused");
	ok(https_status("HTTP/1.1 200 OK\r\n", 17) == 200 &&
	    https_status("HTTP/1.0 503", 12) == 503,
	    "a status line's code");
	ok(https_status("HTTP/2 200 OK\r\n", 15) == -1 &&
	    https_status("HTTP/1.1 20 OK\r\n", 16) == -1 &&
	    https_status("HTTP/1.1 2000 OK", 16) == -1,
	    "not HTTP/1.x, not three digits: no status");
	ok(https_status("", 0) == -1 && https_status("HTTP/1.1 ", 9) == -1,
	    "an empty or cut response: no status");
	tlsrpt_day(1796169374, day);
	ok(strcmp(day, "2026-12-01") == 0, "a time's UTC day");
	ok(tlsrpt_day_parse("2026-12-01", &t) && t == 1796083200,
	    "a day's first second");
	ok(tlsrpt_day_parse("2024-02-29", &t) && t == 1709164800 &&
	    !tlsrpt_day_parse("2026-02-29", &t),
	    "February 29th only in a leap year");
	ok(!tlsrpt_day_parse("2026-13-01", &t) &&
	    !tlsrpt_day_parse("2026-1-01", &t) &&
	    !tlsrpt_day_parse("1969-12-31", &t) &&
	    !tlsrpt_day_parse("2026-12-01x", &t), "not dates: refused");
	tlsrpt_day(0, day);
	ok(strcmp(day, "1970-01-01") == 0 && tlsrpt_day_parse(day, &t) &&
	    t == 0, "the epoch");
	tlsrpt_rec_free(&r);
	tlsrpt_rec_free(&back);
	zs_free(&line);
	zs_free(&big);
	return done();
}
