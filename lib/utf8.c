/* SPDX-License-Identifier: MIT */
#include "utf8.h"

/*
 * RFC 3629 4, UTF8-2/3/4: after the lead byte, the range the second byte
 * must be in (the lead byte alone decides it); the others are 80..BF.
 */
bool
utf8_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i], lo = 0x80, hi = 0xbf;
		size_t k, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return false;	/* continuation, C0/C1, F5..FF */
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates D800..DFFF */
		else if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
		if (n - i < len)
			return false;
		c = (unsigned char)s[i + 1];
		if (c < lo || c > hi)
			return false;
		for (k = 2; k < len; k++) {
			c = (unsigned char)s[i + k];
			if (c < 0x80 || c > 0xbf)
				return false;
		}
		i += len;
	}
	return true;
}

bool
utf8_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}
