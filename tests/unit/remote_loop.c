/* SPDX-License-Identifier: MIT */
/* Unit tests for zr-remote's "loops back to myself" check. */
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

int
main(void)
{
	plan(9);
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
	return done();
}
