/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of zr-smtpd's AUTH and requireauth on in-memory sessions:
 * the client's bytes come from a string, the replies go into a string,
 * credentials are checked by a stub (alice/pw yes, "temp" a temporary
 * failure), and failures do not wait. TLS needs a socket: the end-to-end
 * tests have it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/smtpd_mem.h"
#include "../lib/tap.h"

static struct zs out;

static int
configured(void)
{
	return 1;
}

static int
check(const char *user, const char *pass)
{
	if (strcmp(user, "temp") == 0) {
		errno = EAGAIN;
		return -1;
	}
	return strcmp(user, "alice") == 0 && strcmp(pass, "pw") == 0;
}

enum { PLAINTEXT = 1, REQUIRE = 2, NOAUTH = 4 };

/* Run a session on in; out holds the replies, NUL-terminated. */
static void
run(const char *in, unsigned opts)
{
	struct smtpd_conf c;

	smtpd_mem_conf(&c, "/tmp");
	c.authplaintext = (opts & PLAINTEXT) != 0;
	c.requireauth = (opts & REQUIRE) != 0;
	if (!(opts & NOAUTH)) {
		c.authconfigured = configured;
		c.authcheck = check;
	}
	smtpd_mem_run(&c, in, &out);
}

static int
has(const char *text)
{
	return strstr(out.s, text) != NULL;
}

static int
codes(const char *want)
{
	return smtpd_mem_codes(&out, want);
}

/* base64 of "\0alice\0pw", "\0alice\0no", "alice", "pw", "\0temp\0x". */
#define GOOD "AGFsaWNlAHB3"
#define BAD "AGFsaWNlAG5v"
#define USER "YWxpY2U="
#define PASS "cHc="
#define TEMP "AHRlbXAAeA=="

int
main(void)
{
	int null = open("/dev/null", O_WRONLY);

	/* The session logs on stderr; keep the TAP output readable. */
	if (null != -1 && getenv("ZR_TEST_VERBOSE") == NULL)
		dup2(null, 2);
	plan(22);

	run("EHLO c\r\nAUTH PLAIN " GOOD "\r\nQUIT\r\n", 0);
	ok(!has("250-AUTH") && codes("220 250 503 221 "),
	    "no TLS and no authplaintext: not offered, 503 (538 needs TLS)");
	run("EHLO c\r\nAUTH PLAIN " GOOD "\r\nQUIT\r\n", PLAINTEXT | NOAUTH);
	ok(!has("250-AUTH") && codes("220 250 503 221 "),
	    "no source of credentials: not offered, 503");
	run("EHLO c\r\nAUTH PLAIN " GOOD "\r\nMAIL FROM:<a@b.test>\r\n"
	    "RCPT TO:<x@foreign.test>\r\nAUTH PLAIN " GOOD "\r\nQUIT\r\n",
	    PLAINTEXT);
	ok(has("250-AUTH PLAIN LOGIN\r\n"), "authplaintext: offered");
	ok(codes("220 250 235 250 250 503 221 "),
	    "PLAIN with an initial response: 235; relays; AUTH again 503");
	ok(has("235 2.7.0 Authentication successful\r\n"), "235 2.7.0");
	run("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@foreign.test>\r\n"
	    "QUIT\r\n", PLAINTEXT);
	ok(codes("220 250 250 550 221 "), "without AUTH: no relaying");
	run("HELO c\r\nAUTH PLAIN " GOOD "\r\nQUIT\r\n", PLAINTEXT);
	ok(codes("220 250 503 221 "), "after HELO: 503");
	run("AUTH PLAIN " GOOD "\r\nQUIT\r\n", PLAINTEXT);
	ok(codes("220 503 221 ") && has("503 5.5.1 Send HELO"),
	    "before EHLO: 503");
	run("EHLO c\r\nMAIL FROM:<a@b.test>\r\nAUTH PLAIN " GOOD "\r\nQUIT\r\n",
	    PLAINTEXT);
	ok(has("503 5.5.1 Not allowed during a mail transaction"),
	    "in a transaction: 503");

	run("EHLO c\r\nAUTH PLAIN\r\n" GOOD "\r\nQUIT\r\n", PLAINTEXT);
	ok(codes("220 250 334 235 221 ") && has("\r\n334 \r\n"),
	    "PLAIN without an initial response: an empty 334, then 235");
	run("EHLO c\r\nAUTH LOGIN\r\n" USER "\r\n" PASS "\r\nQUIT\r\n",
	    PLAINTEXT);
	ok(codes("220 250 334 334 235 221 ") &&
	    has("334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"),
	    "LOGIN: Username:, Password:, 235");
	run("EHLO c\r\nauth login " USER "\r\n" PASS "\r\nQUIT\r\n", PLAINTEXT);
	ok(codes("220 250 334 235 221 "),
	    "LOGIN with the user name as initial response, lower case");
	run("EHLO c\r\nAUTH PLAIN\r\n*\r\nAUTH LOGIN " USER "\r\n*\r\nQUIT\r\n",
	    PLAINTEXT);
	ok(codes("220 250 334 501 334 501 221 ") &&
	    has("501 5.0.0 Authentication cancelled"), "* cancels: 501 5.0.0");
	run("EHLO c\r\nAUTH PLAIN AGFsaWNlAHB3=\r\nAUTH PLAIN =\r\n"
	    "AUTH PLAIN " USER "\r\n"
	    "AUTH PLAIN AGJvYgBhbGljZQBwdw==\r\nQUIT\r\n", PLAINTEXT);
	ok(codes("220 250 501 501 501 501 221 ") &&
	    has("501 5.5.2 Cannot decode response"),
	    "bad base64, empty, no NULs, another authzid: 501 5.5.2");
	run("EHLO c\r\nAUTH CRAM-MD5\r\nAUTH\r\nAUTH PLAIN a b\r\nQUIT\r\n",
	    PLAINTEXT);
	ok(codes("220 250 504 501 501 221 "),
	    "unknown mechanism 504, no mechanism and two responses 501");
	{
		struct zs in = ZS_INIT;
		int built = zs_cats(&in, "EHLO c\r\nAUTH PLAIN\r\n") &&
		    zs_readyplus(&in, 1025);

		if (built) {
			memset(in.s + in.len, 'A', 1025);
			in.len += 1025;
		}
		ok(built && zs_cats(&in, "\r\nNOOP\r\nQUIT\r\n") &&
		    zs_0(&in), "a 1025-character response is built");
		run(in.s, PLAINTEXT);
		ok(codes("220 250 334 500 250 221 ") &&
		    has("500 5.5.6 Authentication Exchange line is too long"),
		    "over 1024 characters: 500 5.5.6, the session goes on");
		zs_free(&in);
	}

	run("EHLO c\r\nAUTH PLAIN " TEMP "\r\nAUTH PLAIN " BAD "\r\n"
	    "AUTH PLAIN " BAD "\r\nAUTH PLAIN " BAD "\r\nNOOP\r\n", PLAINTEXT);
	ok(codes("220 250 454 535 535 421 "),
	    "454 for a temporary failure; the third 535 is a 421 and the end");
	ok(has("535 5.7.8 Authentication credentials invalid") &&
	    has("421 4.7.0 Too many failed authentications"),
	    "535 5.7.8, 421 4.7.0");

	run("EHLO c\r\nMAIL FROM:<a@b.test>\r\nAUTH PLAIN " GOOD "\r\n"
	    "MAIL FROM:<a@b.test>\r\nQUIT\r\n", PLAINTEXT | REQUIRE);
	ok(codes("220 250 530 235 250 221 ") &&
	    has("530 5.7.0 Authentication required"),
	    "requireauth: 530 5.7.0 before AUTH, 250 after");
	run("EHLO c\r\nSTARTTLS\r\nQUIT\r\n", 0);
	ok(codes("220 250 502 221 ") && !has("250-STARTTLS"),
	    "no certificate: STARTTLS neither offered nor accepted");
	run("EHLO c\r\nHELP\r\n", 0);
	ok(has("STARTTLS AUTH\r\n"), "HELP names STARTTLS and AUTH");
	zs_free(&out);
	return done();
}
