/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for zr-remote's OAuth2 responses and token program output.
 * decodes_to checks a prefix of the decoded text.
 */
#include <string.h>

#include "../../cmd/zr-remote/oauth.h"
#include "base64.h"
#include "../lib/tap.h"

static int
decodes_to(const struct zs *b64, const char *want, size_t n)
{
	struct zs d = ZS_INIT;
	int ok = base64_decode(b64->s, b64->len, &d) && d.len >= n &&
	    memcmp(d.s, want, n) == 0;

	zs_free(&d);
	return ok;
}

int
main(void)
{
	struct zs tok = ZS_INIT, out = ZS_INIT, why = ZS_INIT, big = ZS_INIT;
	unsigned long long life;
	static const char goog[] =
	    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJl"
	    "YXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0"
	    "Q2cBAQ==";
	static const char rfc[] = "n,a=user@example.com,\001host="
	    "server.example.com\001port=587\001auth=Bearer "
	    "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\001\001";
	size_t i;

	plan(14);
	zs_copys(&tok, "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
	ok(oauth_response(false, "someuser@example.com", "smtp.gmail.com", 587,
	    &tok, &out) && out.len == strlen(goog) &&
	    memcmp(out.s, goog, out.len) == 0,
	    "XOAUTH2: Google's documented example, byte for byte");
	zs_copys(&tok, "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==");
	ok(oauth_response(true, "user@example.com", "server.example.com", 587,
	    &tok, &out) && decodes_to(&out, rfc, sizeof rfc - 1) &&
	    out.len == (sizeof rfc - 1 + 2) / 3 * 4,
	    "OAUTHBEARER: RFC 7628 4.1's example message");
	ok(oauth_response(true, "a,b=c", "h", 25, &tok, &out) &&
	    decodes_to(&out, "n,a=a=2Cb=3Dc,", 14),
	    "OAUTHBEARER: ',' and '=' in the user escaped (RFC 5801)");

	ok(oauth_parse("abc\n", 4, &tok, &life, &why) && tok.len == 3 &&
	    strcmp(tok.s, "abc") == 0 && life == OAUTH_LIFETIME_MAX,
	    "one line: the token, the lifetime capped by default");
	ok(oauth_parse("abc\r\nexpires_in 120\n", 20, &tok, &life, &why) &&
	    strcmp(tok.s, "abc") == 0 && life == 120,
	    "CR LF and a stated lifetime");
	ok(oauth_parse("abc\nexpires_in 3599\n", 20, &tok, &life, &why) &&
	    life == OAUTH_LIFETIME_MAX, "a longer lifetime is capped");
	ok(oauth_parse("abc", 3, &tok, &life, &why) &&
	    strcmp(tok.s, "abc") == 0, "no line end");
	ok(oauth_parse("abc\nsomething else\n", 19, &tok, &life, &why) &&
	    life == OAUTH_LIFETIME_MAX, "other second lines are ignored");
	ok(!oauth_parse("abc\nexpires_in 1x\n", 18, &tok, &life, &why) &&
	    strstr(why.s, "expires_in") != NULL, "a malformed expires_in");
	ok(!oauth_parse("", 0, &tok, &life, &why) &&
	    strstr(why.s, "no token") != NULL, "nothing printed");
	ok(!oauth_parse("\nabc\n", 5, &tok, &life, &why),
	    "an empty first line");
	ok(!oauth_parse("a b\n", 4, &tok, &life, &why) &&
	    strstr(why.s, "blank") != NULL, "a blank inside the token");
	for (i = 0; i <= OAUTH_TOKEN_MAX; i++)
		zs_catc(&big, 'a');
	ok(!oauth_parse(big.s, big.len, &tok, &life, &why) &&
	    strstr(why.s, "8192") != NULL, "a token over the limit");
	big.len--;
	ok(oauth_parse(big.s, big.len, &tok, &life, &why) &&
	    tok.len == OAUTH_TOKEN_MAX, "a token at the limit");
	zs_free(&tok);
	zs_free(&out);
	zs_free(&why);
	zs_free(&big);
	return done();
}
