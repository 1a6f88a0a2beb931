/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of zr-smtpd against hostile clients, on in-memory sessions:
 * HTTP and header lines, commands sent ahead of the HELO/EHLO reply, and
 * control/maxjunk. Memory input is all "waiting" at once, which is what an
 * early talker's input looks like.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/smtpd_mem.h"
#include "../lib/tap.h"

static struct zs out;

/* Run a session on in; out holds the replies, NUL-terminated. */
static void
run(const char *in, bool pipecheck, unsigned long long maxjunk)
{
	struct smtpd_conf c;

	smtpd_mem_conf(&c, "/nonexistent");
	c.pipecheck = pipecheck;
	c.maxjunk = maxjunk;
	smtpd_mem_run(&c, in, &out);
}

static int
codes(const char *want)
{
	return smtpd_mem_codes(&out, want);
}

static int
has(const char *text)
{
	return strstr(out.s, text) != NULL;
}

int
main(void)
{
	int null = open("/dev/null", O_WRONLY);

	if (null != -1 && getenv("ZR_TEST_VERBOSE") == NULL)
		dup2(null, 2);
	plan(13);

	run("POST / HTTP/1.1\r\nHost: x\r\n\r\nEHLO c\r\nNOOP\r\n", false, 0);
	ok(codes("220 554 ") && has("554 5.7.0 Protocol violation"),
	    "an HTTP request line: 554 5.7.0, and nothing after it runs");
	run("EHLO c\r\nNOOP\r\nGET /x?a=b HTTP/1.0\r\nNOOP\r\n", false, 0);
	ok(codes("220 250 250 554 "), "GET in a session: 554, the end");
	run("EHLO c\r\nCONNECT relay.test:25 HTTP/1.1\r\nNOOP\r\n", false, 0);
	ok(codes("220 250 554 "), "CONNECT");
	run("EHLO c\r\nhost: relay.test\r\nNOOP\r\n", false, 0);
	ok(codes("220 250 554 "), "a Host: line, any case");
	run("EHLO c\r\nGET / HTTP/1.1\nNOOP\r\n", false, 0);
	ok(codes("220 250 554 "), "a request line with a bare LF");
	run("EHLO c\r\nGET\r\nGET /\r\nGET  HTTP/1.1\r\nGET / HTTP/1.\r\n"
	    "POSTX / HTTP/1.1\r\n: x\r\nNOOP\r\nQUIT\r\n", false, 0);
	ok(codes("220 250 500 500 500 500 500 500 250 221 "),
	    "near misses are unknown commands, and the session goes on");

	run("EHLO c\r\nMAIL FROM:<a@b.test>\r\n", true, 0);
	ok(codes("220 554 ") &&
	    has("554 Protocol violation: commands sent before"),
	    "pipecheck: EHLO with input behind it: 554, the end");
	run("NOOP\r\nEHLO c\r\n", true, 0);
	ok(codes("220 554 "), "a command before EHLO with more behind it");
	run("EHLO c\r\n", true, 0);
	ok(codes("220 250 "), "EHLO alone is answered");
	run("EHLO c\r\nMAIL FROM:<a@b.test>\r\n", false, 0);
	ok(codes("220 250 250 "), "without pipecheck, memory input runs");

	run("EHLO c\r\nNOOP\r\nRSET\r\nVRFY x\r\nHELP\r\nNOOP\r\nNOOP\r\n",
	    false, 5);
	ok(codes("220 250 250 250 252 214 250 421 ") &&
	    has("421 4.7.0 Too many commands that do no work"),
	    "maxjunk 5: the fifth is answered, then 421 4.7.0");
	run("EHLO c\r\nFOO\r\nNOOP\r\nBAR\r\nNOOP\r\n", false, 3);
	ok(codes("220 250 500 250 500 421 "), "bad commands count");
	run("EHLO c\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nQUIT\r\n", false, 0);
	ok(codes("220 250 250 250 250 250 221 "), "maxjunk 0: no limit");
	zs_free(&out);
	return done();
}
