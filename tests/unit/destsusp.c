/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "destsusp.h"
#include "../lib/tap.h"

static int
name_is(const char *key, const char *want)
{
	char name[DESTSUSP_NAME_MAX + 1];

	return destsusp_name(key, name) && strcmp(name, want) == 0;
}

int
main(void)
{
	char name[DESTSUSP_NAME_MAX + 1], key[DESTSUSP_KEY_MAX + 2];
	struct destsusp r, back;
	struct zs z = ZS_INIT;
	static const char rec[] = "zr-suspend 1\nkey smarthosts\nuntil 5\n";

	plan(12);
	ok(name_is("smarthosts", "smarthosts") &&
	    name_is("route:a.test", "route:a.test") &&
	    name_is("mx1.a.test,mx2.a.test", "mx1.a.test,mx2.a.test"),
	    "keys as zr-send makes them are their own names");
	ok(name_is(".x", "%2Ex") && name_is("a/b", "a%2Fb"),
	    "no name starts with a dot or holds a slash");
	ok(name_is("a%b", "a%25b") && !name_is("a/b", "a%2fb"),
	    "'%%' is escaped too, in upper-case hex: one name per key");
	memset(key, 'a', DESTSUSP_KEY_MAX);
	key[DESTSUSP_KEY_MAX] = '\0';
	ok(destsusp_name(key, name), "a key of 200 bytes");
	key[DESTSUSP_KEY_MAX] = 'a';
	key[DESTSUSP_KEY_MAX + 1] = '\0';
	ok(!destsusp_name(key, name) && errno == ENAMETOOLONG,
	    "201 bytes: too long");
	memset(key, '/', 100);
	key[100] = '\0';
	ok(!destsusp_name(key, name) && errno == ENAMETOOLONG,
	    "too long once escaped");
	ok(!destsusp_name("a b", name) && errno == EINVAL &&
	    !destsusp_name("", name), "blanks and the empty key are refused");
	ok(destsusp_parse(rec, sizeof rec - 1, &r) &&
	    strcmp(r.key, "smarthosts") == 0 && r.until == 5, "a record");
	ok(destsusp_fmt(&r, &z) && z.len == sizeof rec - 1 &&
	    memcmp(z.s, rec, z.len) == 0, "formats back to its bytes");
	ok(!destsusp_parse(rec, sizeof rec - 2, &back),
	    "without its last newline: not a record");
	ok(!destsusp_parse("zr-suspend 1\nkey a\nuntil 4102444801\n", 36,
	    &back), "an until past 2100 is refused");
	ok(!destsusp_parse("zr-suspend 2\nkey a\nuntil 1\n", 27, &back),
	    "another version is refused");
	zs_free(&z);
	return done();
}
