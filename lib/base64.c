/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_encode(const unsigned char *p, size_t n, struct zs *out)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = {
			alphabet[p[i] >> 2],
			alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4],
			alphabet[(p[i + 1] & 15) << 2 | p[i + 2] >> 6],
			alphabet[p[i + 2] & 63],
		};

		if (!zs_catb(out, q, 4))
			return 0;
	}
	if (n - i == 1) {
		char q[4] = { alphabet[p[i] >> 2], alphabet[(p[i] & 3) << 4],
		    '=', '=' };

		return zs_catb(out, q, 4);
	}
	if (n - i == 2) {
		char q[4] = { alphabet[p[i] >> 2],
		    alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4],
		    alphabet[(p[i + 1] & 15) << 2], '=' };

		return zs_catb(out, q, 4);
	}
	return 1;
}

static int
value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *p, size_t n, struct zs *out)
{
	size_t i;

	if (n % 4 != 0)
		goto bad;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			/* Nothing but padding may follow padding. */
			if (pad > 0 || (v[k] = value(p[i + k])) < 0)
				goto bad;
		}
		/* Canonical form: the bits padding leaves out must be zero. */
		if ((pad == 2 && (v[1] & 15) != 0) || (pad == 1 && (v[2] & 3) != 0))
			goto bad;
		{
			char b[3] = {
				(char)(v[0] << 2 | v[1] >> 4),
				(char)((v[1] & 15) << 4 | v[2] >> 2),
				(char)((v[2] & 3) << 6 | v[3]),
			};

			if (!zs_catb(out, b, (size_t)(3 - pad)))
				return 0;
		}
	}
	return 1;
bad:
	errno = EINVAL;
	return 0;
}
