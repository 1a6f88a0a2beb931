/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../lib/tap.h"
#include "addr.h"
#include "utf8.h"

static bool
valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static int
uaddr(const char *s)
{
	return addr_valid_utf8(s, strlen(s));
}

int
main(void)
{
	plan(13);
	ok(valid("") && valid("plain ascii"), "ASCII is UTF-8");
	ok(valid("J\xc3\xb6rg") && valid("\xe2\x82\xac") &&
	    valid("\xf0\x9f\x93\xa7") && valid("\xef\xbf\xbf") &&
	    valid("\xf4\x8f\xbf\xbf") && valid("\xed\x9f\xbf"),
	    "2, 3 and 4 octet forms, up to U+10FFFF, U+D7FF");
	ok(!valid("\xc0\xaf") && !valid("\xc1\xbf") &&
	    !valid("\xe0\x80\xaf") && !valid("\xe0\x9f\xbf") &&
	    !valid("\xf0\x80\x80\xaf") && !valid("\xf0\x8f\xbf\xbf"),
	    "overlong forms are refused");
	ok(!valid("\xed\xa0\x80") && !valid("\xed\xbf\xbf"),
	    "UTF-16 surrogates are refused");
	ok(!valid("\xf4\x90\x80\x80") && !valid("\xf5\x80\x80\x80") &&
	    !valid("\xff"), "nothing above U+10FFFF");
	ok(!valid("\x80") && !valid("a\xbf") && !valid("\xc3") &&
	    !valid("\xe2\x82") && !valid("\xf0\x9f\x93") &&
	    !valid("\xc3\x28") && !valid("\xe2\x28\xa1"),
	    "lone continuations and cut or broken sequences are refused");
	ok(utf8_ascii("abc", 3) && !utf8_ascii("a\xc3\xa9", 3),
	    "ASCII or not");
	/* RFC 6531 3.3: UTF-8 in local part and domain. */
	ok(uaddr("j\xc3\xb6rg@b\xc3\xbc" "cher.test") &&
	    uaddr("\xe7\x94\xa8\xe6\x88\xb7@example.test"),
	    "UTF-8 local part and U-label domain");
	ok(uaddr("a@b.test") && uaddr("\"j\xc3\xb6 rg\"@x.test"),
	    "ASCII still, and UTF-8 in a quoted local part");
	ok(!uaddr("j\xc3@x.test") && !uaddr("j\xed\xa0\x80@x.test") &&
	    !uaddr("a@x\xc0\xaf.test"), "malformed UTF-8 is no address");
	ok(!addr_valid("j\xc3\xb6rg@x.test", 10) &&
	    !addr_valid("a@b\xc3\xbc.test", 10),
	    "addr_valid stays ASCII-only");
	ok(!uaddr("j\xc3\xb6..rg@x.test") && !uaddr("j\xc3\xb6@-x.test") &&
	    !uaddr("j\xc3\xb6@x..test"), "the grammar still applies");
	ok(!uaddr("a\x7f@x.test") && !uaddr("a\x01@x.test"),
	    "control bytes are not UTF8-non-ascii");
	return done();
}
