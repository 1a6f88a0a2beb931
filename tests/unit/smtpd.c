/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of zr-smtpd's parsers: paths and relay tricks, ESMTP
 * parameters, and the DATA byte machine.
 */
#include <string.h>

#include "buf.h"
#include "../../cmd/zr-smtpd/smtpd_bdat.h"
#include "../../cmd/zr-smtpd/smtpd_data.h"
#include "../../cmd/zr-smtpd/smtpd_param.h"
#include "../../cmd/zr-smtpd/smtpd_path.h"
#include "../lib/memio.h"
#include "../lib/tap.h"
#include "zs.h"

static size_t
path(const char *s, struct smtpd_path *p)
{
	return smtpd_path_parse(s, strlen(s), p);
}

static int
addr_is(const struct smtpd_path *p, const char *want)
{
	return p->len == strlen(want) && memcmp(p->addr, want, p->len) == 0;
}

static int
routed(const char *s)
{
	struct smtpd_path p;

	return path(s, &p) != 0 && smtpd_path_routed(&p);
}

static int
listed(const char *d)
{
	static const char list[] = "example.com\0.sub.test\0";

	return smtpd_path_listed(list, 2, d, strlen(d));
}

/* Memory as a buf output: collects what the machine writes. */
static struct zs sink;

/* Whether the machine takes a bare LF as a line end (relay clients). */
static bool lfok;

/* Run the machine over s in pieces of step bytes; the flags, or -1. */
static int
datan(const char *s, size_t n, size_t step, unsigned long long max,
    size_t *rest)
{
	char space[64];
	struct buf out;
	struct smtpd_data d;
	size_t i = 0;
	int end = 0;

	sink.len = 0;
	buf_init(&out, memio_write, -1, &sink, space, sizeof space);
	smtpd_data_init(&d, max);
	d.lfok = lfok;
	while (i < n && !end) {
		size_t k = n - i < step ? n - i : step;

		i += smtpd_data_scan(&d, s + i, k, &out, &end);
	}
	buf_flush(&out);
	*rest = n - i;
	return end ? (int)d.flags : -1;
}

/* BDAT: the chunks of s (cut every step bytes) in raw mode; the flags. */
static unsigned
rawn(const char *s, size_t step)
{
	char space[64];
	struct buf out;
	struct smtpd_data d;
	size_t i = 0, n = strlen(s);
	int end = 0;

	sink.len = 0;
	buf_init(&out, memio_write, -1, &sink, space, sizeof space);
	smtpd_data_init(&d, 0);
	d.raw = true;
	while (i < n) {
		size_t k = n - i < step ? n - i : step;

		/* A chunk is consumed whole: nothing in it is an end. */
		if (smtpd_data_scan(&d, s + i, k, &out, &end) != k || end)
			return 999;
		i += k;
	}
	smtpd_data_finish(&d, &out);
	buf_flush(&out);
	return d.flags;
}

static int
bdat(const char *arg, unsigned long long want, bool wlast)
{
	unsigned long long size;
	bool last;

	return smtpd_bdat_parse(arg, strlen(arg), &size, &last) &&
	    size == want && last == wlast;
}

static int
bdat_bad(const char *arg)
{
	unsigned long long size;
	bool last;

	return !smtpd_bdat_parse(arg, strlen(arg), &size, &last);
}

/* The trace fields the machine counted in s, fed in pieces of step. */
static unsigned long
hopsof(const char *s, size_t step)
{
	struct smtpd_data d;
	size_t i = 0, n = strlen(s);
	int end = 0;

	smtpd_data_init(&d, 0);
	while (i < n && !end) {
		size_t k = n - i < step ? n - i : step;

		i += smtpd_data_scan(&d, s + i, k, NULL, &end);
	}
	return hops_count(&d.hops);
}

static int
data(const char *s, size_t step, unsigned long long max, size_t *rest)
{
	return datan(s, strlen(s), step, max, rest);
}

static int
stored(const char *want)
{
	return sink.len == strlen(want) && memcmp(sink.s, want, sink.len) == 0;
}

int
main(void)
{
	struct smtpd_path p;
	struct smtpd_mailparam mp;
	struct smtpd_rcptparam rp;
	char big[1100];
	size_t rest, step;
	int f;

	plan(75);

	/* Paths. */
	ok(path("<a@b.test>", &p) == 10 && addr_is(&p, "a@b.test") && !p.route,
	    "plain path");
	ok(path("<> SIZE=1", &p) == 2 && p.len == 0, "null path");
	ok(path("<@x.test,@y.test:a@b.test>", &p) != 0 && p.route &&
	    addr_is(&p, "a@b.test"), "source route parsed and dropped");
	ok(path("<\"a>b\"@b.test>", &p) != 0 && addr_is(&p, "\"a>b\"@b.test"),
	    "'>' inside a quoted local part");
	ok(path("<j\xc3\xb6rg@b\xc3\xbc" "cher.test>", &p) != 0 && p.utf8 &&
	    path("<a@b.test>", &p) != 0 && !p.utf8,
	    "a UTF-8 mailbox is parsed and said to be one");
	ok(path("<j\xc0\xafrg@b.test>", &p) == 0 &&
	    path("<j\xed\xa0\x80@b.test>", &p) == 0,
	    "malformed UTF-8 is no path");
	ok(path("<a@b.test", &p) == 0, "no closing bracket");
	ok(path("a@b.test", &p) == 0, "no brackets");
	ok(path("<a@b.test.>", &p) == 0, "trailing dot");
	ok(path("<a b@c.test>", &p) == 0, "white space");
	ok(path("<a@b.test (x)>", &p) == 0, "comment");
	ok(path("<@:a@b.test>", &p) == 0, "empty route domain");
	ok(path("<@x.test a@b.test>", &p) == 0, "route without colon");
	ok(path("<a@[1.2.3.4]>", &p) != 0, "IPv4 literal is a valid address");
	ok(path("<a@[IPv6:::1]>", &p) != 0, "IPv6 literal is a valid address");
	ok(path("<a@[1.2.3.999]>", &p) == 0, "bad literal");
	ok(path("<postmaster>", &p) == 0, "no domain: not a path");
	memset(big, 'a', sizeof big);
	memcpy(big, "<", 1);
	memcpy(big + 65, "@b.test>", 9);
	ok(smtpd_path_parse(big, 73, &p) == 73, "local part of 64 octets");
	memset(big, 'a', sizeof big);
	memcpy(big, "<", 1);
	memcpy(big + 66, "@b.test>", 9);
	ok(smtpd_path_parse(big, 74, &p) == 0, "local part of 65 octets");

	/* Relay tricks. */
	ok(routed("<a%b.test@c.test>"), "%% routing");
	ok(routed("<b.test!a@c.test>"), "bang path");
	ok(routed("<\"a@b.test\"@c.test>"), "quoted @");
	ok(!routed("<a.b+c@c.test>"), "an ordinary local part");
	ok(listed("example.com") && listed("EXAMPLE.COM"), "exact, any case");
	ok(listed("a.sub.test") && listed("A.B.Sub.Test"), "below .sub.test");
	ok(!listed("sub.test"), ".sub.test does not match itself");
	ok(!listed("xsub.test") && !listed("a.example.com"),
	    "label boundaries");
	ok(!listed("example.com.evil") && !listed("[127.0.0.1]"),
	    "no prefix match; literals never match");

	/* MAIL parameters. */
	ok(smtpd_param_mail("", 0, &mp) == PARAM_OK && !mp.has_size,
	    "no parameters");
#define MAIL(s) smtpd_param_mail(s, strlen(s), &mp)
#define RCPT(s) smtpd_param_rcpt(s, strlen(s), &rp)
	ok(MAIL(" SIZE=123 body=8bitmime RET=hdrs ENVID=x+2By") == PARAM_OK &&
	    mp.size == 123 && mp.body == BODY_8BITMIME && mp.ret == RET_HDRS &&
	    mp.envidlen == 5, "all MAIL parameters, any case");
	ok(MAIL(" SIZE=18446744073709551615") == PARAM_OK,
	    "largest SIZE");
	ok(MAIL(" SIZE=18446744073709551616") == PARAM_SYNTAX,
	    "overflowing SIZE");
	ok(MAIL(" SIZE=12a") == PARAM_SYNTAX, "SIZE with a letter");
	ok(MAIL(" SIZE") == PARAM_SYNTAX && MAIL(" SIZE=") == PARAM_SYNTAX,
	    "SIZE without a value");
	ok(MAIL(" SIZE=1 SIZE=1") == PARAM_SYNTAX, "duplicate");
	ok(MAIL(" BODY=BINARYMIME") == PARAM_SYNTAX, "unknown BODY");
	ok(MAIL(" RET=ALL") == PARAM_SYNTAX, "unknown RET");
	ok(MAIL(" ENVID=a+0Db") == PARAM_SYNTAX, "ENVID decoding to CR");
	ok(MAIL(" ENVID=a+2b") == PARAM_SYNTAX, "lower-case hex in xtext");
	memset(big, 'e', sizeof big);
	memcpy(big, " ENVID=", 7);
	ok(smtpd_param_mail(big, 7 + 101, &mp) == PARAM_SYNTAX &&
	    smtpd_param_mail(big, 7 + 100, &mp) == PARAM_OK,
	    "ENVID of at most 100 octets");
	ok(MAIL(" AUTH=<>") == PARAM_OK && mp.has_auth, "AUTH=<>");
	ok(MAIL(" SIZE=1 requiretls") == PARAM_OK && mp.requiretls &&
	    MAIL(" SIZE=1") == PARAM_OK && !mp.requiretls,
	    "REQUIRETLS, any case (RFC 8689 2)");
	ok(MAIL(" REQUIRETLS=YES") == PARAM_SYNTAX &&
	    MAIL(" REQUIRETLS REQUIRETLS") == PARAM_SYNTAX,
	    "REQUIRETLS with a value, or twice");
	ok(MAIL(" smtputf8 SIZE=1") == PARAM_OK && mp.smtputf8 &&
	    MAIL(" SMTPUTF8=1") == PARAM_SYNTAX &&
	    MAIL(" SMTPUTF8 SMTPUTF8") == PARAM_SYNTAX,
	    "SMTPUTF8: no value, once (RFC 6531 3.4)");
	ok(MAIL(" AUTH=a+0A") == PARAM_SYNTAX, "AUTH with a control byte");
	ok(MAIL(" XFOO=1") == PARAM_UNKNOWN, "unknown keyword");
	ok(MAIL("SIZE=1") == PARAM_SYNTAX, "no space before a parameter");
	ok(MAIL(" SIZE=1  ") == PARAM_OK, "trailing blanks");
	ok(MAIL(" =1") == PARAM_SYNTAX && MAIL(" -A=1") == PARAM_SYNTAX,
	    "malformed keywords");

	/* RCPT parameters. */
	ok(RCPT(" NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+40b") == PARAM_OK &&
	    rp.notify == (NOTIFY_SUCCESS | NOTIFY_DELAY) && rp.orcptlen == 12,
	    "NOTIFY and ORCPT");
	ok(RCPT(" NOTIFY=NEVER,DELAY") == PARAM_SYNTAX, "NEVER stands alone");
	ok(RCPT(" NOTIFY=") == PARAM_SYNTAX && RCPT(" NOTIFY=SOMETIMES") ==
	    PARAM_SYNTAX, "bad NOTIFY");
	ok(RCPT(" ORCPT=rfc822") == PARAM_SYNTAX && RCPT(" ORCPT=;a") ==
	    PARAM_SYNTAX && RCPT(" ORCPT=rfc822;") == PARAM_SYNTAX,
	    "ORCPT needs type, ';' and xtext");
	ok(RCPT(" ORCPT=rfc822;a+0Ab") == PARAM_SYNTAX,
	    "ORCPT decoding to LF");
	ok(RCPT(" ORCPT=rfc822;a ORCPT=rfc822;b") == PARAM_SYNTAX,
	    "duplicate ORCPT");
	ok(RCPT(" SIZE=1") == PARAM_UNKNOWN, "MAIL parameter on RCPT");

	/* DATA, in pieces of every size from 1 to 7 bytes. */
	for (f = 1, step = 1; step <= 7; step++)
		f &= data("a\r\n..b\r\n.\r\nMAIL", step, 0, &rest) == 0 &&
		    stored("a\n.b\n") && rest == 4;
	ok(f, "unstuffing, CRLF to LF, ends at CRLF.CRLF, in any pieces");
	ok(data(".\r\n", 1, 0, &rest) == 0 && stored("") && rest == 0,
	    "empty message");
	ok(data("a\n.\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE,
	    "LF.LF does not end the message; bare LF flagged");
	ok(data("a\r\n.\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\r.\rb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\r\n.\rb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\n.\r\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE,
	    "CRLF.LF, CR.CR, CRLF.CR, LF.CRLF: flagged, not ends");
	ok(data("a\n.\r", 3, 0, &rest) == -1, "LF.CR alone is no end");
	lfok = true;
	for (f = 1, step = 1; step <= 7; step++)
		f &= data("a\nb\r\n.c\n..d\n\r\n.\r\nMAIL", step, 0,
		    &rest) == 0 && stored("a\nb\nc\n.d\n\n") && rest == 4;
	ok(f, "lfok: a bare LF ends a line, a dot after it is unstuffed");
	ok(data("ab\ncd\r\n.\r\n", 2, 8, &rest) == 0 &&
	    data("ab\ncde\r\n.\r\n", 2, 8, &rest) == DATA_BIG,
	    "lfok: a normalised LF counts as the two octets it becomes");
	ok(data("a\n.\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\n.\r\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\r\n.\nb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\r.\rb\r\n.\r\n", 3, 0, &rest) == DATA_BARE &&
	    data("a\rb\r\n.\r\n", 3, 0, &rest) == DATA_BARE,
	    "lfok: LF.LF, LF.CRLF, CRLF.LF, a bare CR: refused, not ends");
	ok(data("a\n.\r\n", 1, 0, &rest) == -1 &&
	    data("a\n.\n", 1, 0, &rest) == -1,
	    "lfok: only CRLF.CRLF ends the data");
	lfok = false;

	/* BDAT. */
	ok(bdat(" 0", 0, false) && bdat(" 12 LAST", 12, true) &&
	    bdat(" 5 last", 5, true) && bdat(" 18446744073709551615",
	    18446744073709551615ULL, false), "BDAT size [LAST]");
	ok(bdat_bad("") && bdat_bad(" ") && bdat_bad(" x") &&
	    bdat_bad(" 1 FIRST") && bdat_bad(" 1  LAST") &&
	    bdat_bad(" 1 LAST ") && bdat_bad(" -1") && bdat_bad("  1") &&
	    bdat_bad(" 18446744073709551616"), "BDAT syntax errors, overflow");
	for (f = 1, step = 1; step <= 7; step++)
		f &= rawn("a\r\n.\r\n..b\r\nc", step) == 0 &&
		    stored("a\n.\n..b\nc\n");
	ok(f, "raw: dots kept, CRLF to LF across cuts, a last line ended");
	ok(rawn("a\r\nb\r", 1) == DATA_BARE && rawn("a\nb\r\n", 2) ==
	    DATA_BARE && rawn("a\rb\r\n", 2) == DATA_BARE,
	    "raw: a trailing CR, a bare LF, a bare CR are flagged");
	ok(datan("a\0b\r\n.\r\n", 8, 2, 0, &rest) == DATA_NUL, "NUL flagged");
	memset(big, 'x', sizeof big);
	memcpy(big + 998, "\r\n.\r\n", 6);
	ok(data(big, 100, 0, &rest) == 0, "998 octets and CRLF: fine");
	memcpy(big + 998, "y\r\n.\r\n", 7);
	ok(data(big, 100, 0, &rest) == DATA_LONG, "999 octets: too long");
	ok(data("abcdef\r\n.\r\n", 4, 8, &rest) == 0 &&
	    data("abcdefg\r\n.\r\n", 4, 8, &rest) == DATA_BIG,
	    "size limit counts CRLF as two octets");
	ok(hopsof("Received: a\r\nDelivered-To: b\r\n\tReceived: c\r\n"
	    "\r\nReceived: d\r\n.\r\n", 1) == 2,
	    "trace fields counted as sent, byte by byte, header only");
	ok(hopsof("..Received: a\r\n.Received: b\r\n.\r\n", 3) == 1,
	    "counted after unstuffing: \"..Received\" is \".Received\", "
	    "\".Received\" is one");
	zs_free(&sink);
	return done();
}
