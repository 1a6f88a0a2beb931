/* SPDX-License-Identifier: MIT */
/* Unit tests for zr-inject's header section and address-list parsing. */
#include <string.h>

#include "../../cmd/zr-inject/headers.h"
#include "../lib/tap.h"

/* The addresses of list joined by '|' into out. */
static int
addrs(const char *list, char *out, size_t size)
{
	struct zs z = ZS_INIT;
	size_t count = 0, i;
	int ok = headers_addresses(list, strlen(list), &z, &count);

	out[0] = '\0';
	if (ok) {
		for (i = 0; i < z.len; i++)
			z.s[i] = z.s[i] == '\0' ? '|' : z.s[i];
		if (z.len >= size)
			ok = 0;
		else {
			if (z.len > 0)
				memcpy(out, z.s, z.len);
			out[z.len] = '\0';
		}
	}
	zs_free(&z);
	return ok;
}

int
main(void)
{
	struct headers h = { 0 };
	struct zs v = ZS_INIT;
	char got[512];

	plan(14);
	ok(headers_is_field("Subject: x\n", 11), "a field");
	ok(!headers_is_field("no colon here\n", 14) &&
	    !headers_is_field(": empty name\n", 13) &&
	    !headers_is_field("Bad Name: x\n", 12), "not fields");
	ok(headers_add(&h, "To: a@b.test,\n", 14, 0) &&
	    headers_add(&h, "  c@d.test\n", 11, 1) &&
	    headers_add(&h, "bcc: e@f.test\n", 14, 0), "fields and a continuation");
	ok(headers_find(&h, "BCC", 0) == 1 && headers_find(&h, "Cc", 0) == -1,
	    "find is case-insensitive");
	ok(headers_value(&h, 0, &v) && strcmp(v.s, " a@b.test,   c@d.test ") == 0,
	    "a value is unfolded");
	ok(addrs("a@b.test", got, sizeof got) && strcmp(got, "a@b.test|") == 0,
	    "one bare address");
	ok(addrs("Bob <bob@x.test>, \"Smith, Ann\" <ann@x.test>", got, sizeof got)
	    && strcmp(got, "bob@x.test|ann@x.test|") == 0,
	    "display names, and a comma inside quotes");
	ok(addrs("carl@x.test (Carl, the boss), dee@x.test", got, sizeof got) &&
	    strcmp(got, "carl@x.test|dee@x.test|") == 0, "comments are dropped");
	ok(addrs("team: a@x.test, b@x.test;, c@x.test", got, sizeof got) &&
	    strcmp(got, "a@x.test|b@x.test|c@x.test|") == 0, "groups");
	ok(addrs("undisclosed-recipients:;", got, sizeof got) &&
	    strcmp(got, "") == 0, "an empty group has no address");
	ok(addrs("\"a@b\"@x.test", got, sizeof got) &&
	    strcmp(got, "\"a@b\"@x.test|") == 0, "a quoted local part stays whole");
	ok(addrs("root", got, sizeof got) && strcmp(got, "root|") == 0,
	    "a bare name is kept for qualification");
	ok(!addrs("Bob <bob@x.test", got, sizeof got), "an open angle fails");
	ok(!addrs("\"unterminated <a@b>", got, sizeof got) &&
	    !addrs("a@b (open comment", got, sizeof got),
	    "open quotes and comments fail");
	headers_free(&h);
	zs_free(&v);
	return done();
}
