/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "../lib/tap.h"
#include "hdrqual.h"
#include "zs.h"

static struct zs out;

/* Whether value v comes out as want. */
static int
q(const char *v, const char *want)
{
	out.len = 0;
	if (!hdrqual_value(v, strlen(v), "example.org", &out) || !zs_0(&out))
		return 0;
	if (strcmp(out.s, want) != 0) {
		printf("# got: %s\n", out.s);
		return 0;
	}
	return 1;
}

static int
sect(const char *v, const char *want)
{
	out.len = 0;
	if (!hdrqual_section(v, strlen(v), "example.org", &out) || !zs_0(&out))
		return 0;
	if (strcmp(out.s, want) != 0) {
		printf("# got: %s\n", out.s);
		return 0;
	}
	return 1;
}

int
main(void)
{
	plan(12);
	ok(q(" root\n", " root@example.org\n"), "a bare name");
	ok(q(" root (Cron Daemon)\n", " root@example.org (Cron Daemon)\n"),
	    "a bare name with a comment after it");
	ok(q(" Root User <root>\n", " Root User <root@example.org>\n") &&
	    q(" \"Root, User\" <root>\n", " \"Root, User\" <root@example.org>\n"),
	    "an angle address, with a plain or quoted display name");
	ok(q(" a@x.test, b, <c@y.test>, D <d>\n",
	    " a@x.test, b@example.org, <c@y.test>, D <d@example.org>\n"),
	    "a list: only those without a domain change");
	ok(q(" first.last,\n\tother\n",
	    " first.last@example.org,\n\tother@example.org\n"),
	    "dot-atoms, and a folded list");
	ok(q(" team: a, b@x.test;, c\n", " team: a@example.org, b@x.test;, "
	    "c@example.org\n") && q(" undisclosed-recipients:;\n",
	    " undisclosed-recipients:;\n"), "groups");
	ok(q(" <>\n", " <>\n") && q(" <@a.test:u@b.test>\n",
	    " <@a.test:u@b.test>\n"), "the null address and routes as they are");
	ok(q(" \"john doe\"\n", " \"john doe\"@example.org\n"),
	    "a quoted local part alone");
	ok(q(" John Doe\n", " John Doe\n") && q(" (only a comment)\n",
	    " (only a comment)\n") && q(" \n", " \n"),
	    "no mailbox, or not one to guess at: unchanged");
	ok(hdrqual_name("From", 4) && hdrqual_name("reply-to", 8) &&
	    hdrqual_name("Resent-Cc", 9) && !hdrqual_name("Subject", 7) &&
	    !hdrqual_name("Resent-", 7) && !hdrqual_name("X-To", 4),
	    "the fields that hold mailboxes");
	ok(sect("From: root\nSubject: root\nTo: a,\n b\nX-To: c\n",
	    "From: root@example.org\nSubject: root\nTo: a@example.org,\n "
	    "b@example.org\nX-To: c\n"), "a section: only those fields");
	ok(sect("Resent-From: r\nReceived: from x\n\tby y\n",
	    "Resent-From: r@example.org\nReceived: from x\n\tby y\n"),
	    "Resent- fields, and other folded fields kept");
	zs_free(&out);
	return done();
}
