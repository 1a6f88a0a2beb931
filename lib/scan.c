/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "scan.h"

size_t
scan_ulongb(const char *s, size_t n, unsigned long long *u)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (unsigned)(s[i] - '0'), &v))
			return 0;
	}
	if (i > 0)
		*u = v;
	return i;
}

size_t
scan_ulong(const char *s, unsigned long long *u)
{
	return scan_ulongb(s, strlen(s), u);
}

int
scan_ulong_all(const char *s, unsigned long long *u)
{
	size_t n = strlen(s);

	return n > 0 && scan_ulongb(s, n, u) == n;
}
