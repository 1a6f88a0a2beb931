/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "xtext.h"

static const char hex[] = "0123456789ABCDEF";

int
xtext_encode(const char *p, size_t n, struct zs *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 33 && c <= 126 && c != '+' && c != '=') {
			if (!zs_catc(out, (char)c))
				return 0;
		} else if (!zs_catc(out, '+') || !zs_catc(out, hex[c >> 4]) ||
		    !zs_catc(out, hex[c & 15])) {
			return 0;
		}
	}
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
xtext_decode(const char *p, size_t n, struct zs *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '+') {
			int hi, lo;

			if (n - i < 3)
				goto bad;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			/* Nothing decoded may be a control byte (a new line). */
			if (c < 32 || c == 127)
				goto bad;
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			goto bad;
		}
		if (!zs_catc(out, (char)c))
			return 0;
	}
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

int
xtext_valid(const char *p, size_t n)
{
	struct zs tmp = ZS_INIT;
	int ok = xtext_decode(p, n, &tmp);

	zs_free(&tmp);
	return ok;
}
