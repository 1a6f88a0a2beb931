/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "fmt.h"

size_t
fmt_ulong(char *out, unsigned long long u)
{
	return fmt_ulong0(out, u, 1);
}

size_t
fmt_ulong0(char *out, unsigned long long u, size_t width)
{
	char tmp[FMT_ULONG];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	i = 0;
	while (n + i < width)
		out[i++] = '0';
	while (n > 0)
		out[i++] = tmp[--n];
	return i;
}

int
fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = EOVERFLOW;
		return -1;
	}
	return n;
}
