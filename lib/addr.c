/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "utf8.h"

static int
isalnum_c(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 5321 atext (RFC 5322 3.2.3). */
static int
isatext(unsigned char c)
{
	return isalnum_c(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

size_t
addr_at(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0)
		if (s[--i] == '@')
			return i;
	return n;
}

/*
 * utf8: RFC 6531 3.3, where atext, qtextSMTP and sub-domain also take
 * UTF8-non-ascii; the caller checked that the whole is well-formed UTF-8.
 */
static int
local_valid(const char *s, size_t n, bool utf8)
{
	size_t i;

	if (n == 0 || n > ADDR_LOCAL_MAX)
		return 0;
	if (s[0] == '"') {
		/* Quoted-string: qtextSMTP and quoted-pairSMTP, printable only. */
		if (n < 2 || s[n - 1] != '"')
			return 0;
		for (i = 1; i < n - 1; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\\') {
				if (++i >= n - 1)
					return 0;
				c = (unsigned char)s[i];
				if (c < 32 || c == 127 || (c > 127 && !utf8))
					return 0;
			} else if (c < 32 || c == 127 || (c > 127 && !utf8) ||
			    c == '"') {
				return 0;
			}
		}
		return 1;
	}
	/* Dot-string: atoms separated by single dots. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == 0 || i == n - 1 || s[i - 1] == '.')
				return 0;
		} else if (!isatext(c) && !(utf8 && c >= 0x80)) {
			return 0;
		}
	}
	return 1;
}

static int
literal_valid(const char *s, size_t n)
{
	char tmp[64];
	unsigned char bin[16];

	if (n < 3 || n - 2 >= sizeof tmp || s[n - 1] != ']')
		return 0;
	memcpy(tmp, s + 1, n - 2);
	tmp[n - 2] = '\0';
	if (strncasecmp(tmp, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, tmp + 5, bin) == 1;
	return inet_pton(AF_INET, tmp, bin) == 1;
}

static int
domain_valid(const char *s, size_t n, bool utf8)
{
	size_t i, label = 0;

	if (n == 0 || n > ADDR_DOMAIN_MAX)
		return 0;
	if (s[0] == '[')
		return literal_valid(s, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			/* No empty label, and no label ending with '-'. */
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum_c(c) || (c == '-' && label > 0) ||
		    (utf8 && c >= 0x80)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[n - 1] != '-';
}

int
addr_domain_valid(const char *s, size_t n)
{
	return domain_valid(s, n, false);
}

static int
valid(const char *s, size_t n, bool utf8)
{
	size_t at = addr_at(s, n);

	if (n > ADDR_MAX || at == n)
		return 0;
	return local_valid(s, at, utf8) &&
	    domain_valid(s + at + 1, n - at - 1, utf8);
}

int
addr_valid(const char *s, size_t n)
{
	return valid(s, n, false);
}

int
addr_valid_utf8(const char *s, size_t n)
{
	return utf8_valid(s, n) && valid(s, n, true);
}

size_t
addr_route_len(const char *s, size_t n, int *bad)
{
	size_t i = 0;

	*bad = 0;
	if (n == 0 || s[0] != '@')
		return 0;
	for (;;) {
		size_t start;

		if (i >= n || s[i] != '@')
			break;
		start = ++i;
		while (i < n && s[i] != ',' && s[i] != ':')
			i++;
		if (i >= n || !addr_domain_valid(s + start, i - start))
			break;
		if (s[i++] == ':')
			return i;
	}
	*bad = 1;
	return 0;
}

int
addr_match(const char *pattern, const char *a)
{
	size_t n = strlen(a), at = addr_at(a, n), k;
	const char *dom;

	if (n == 0 || at == n)
		return 0;
	if (pattern[0] != '@')
		return strcasecmp(pattern, a) == 0;
	dom = a + at + 1;
	if (pattern[1] != '.')
		return strcasecmp(pattern + 1, dom) == 0;
	/* "@.example.test": a label, a dot, then the domain. */
	k = strlen(pattern + 1);
	n = strlen(dom);
	return n > k && strcasecmp(dom + n - k, pattern + 1) == 0;
}
