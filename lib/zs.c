/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zs.h"
#include "fmt.h"

int
zs_readyplus(struct zs *z, size_t n)
{
	size_t want, cap;
	char *p;

	if (__builtin_add_overflow(z->len, n, &want)) {
		errno = EOVERFLOW;
		return 0;
	}
	if (want <= z->cap)
		return 1;
	/* Grow by half again so that appends in a loop stay linear. */
	if (__builtin_add_overflow(want, want / 2, &cap) ||
	    __builtin_add_overflow(cap, 30, &cap))
		cap = want;
	p = realloc(z->s, cap);
	if (p == NULL) {
		errno = ENOMEM;
		return 0;
	}
	z->s = p;
	z->cap = cap;
	return 1;
}

int
zs_copyb(struct zs *z, const char *p, size_t n)
{
	z->len = 0;
	return zs_catb(z, p, n);
}

int
zs_copys(struct zs *z, const char *s)
{
	return zs_copyb(z, s, strlen(s));
}

int
zs_catb(struct zs *z, const char *p, size_t n)
{
	if (!zs_readyplus(z, n))
		return 0;
	if (n > 0)
		memcpy(z->s + z->len, p, n);
	z->len += n;
	return 1;
}

int
zs_cats(struct zs *z, const char *s)
{
	return zs_catb(z, s, strlen(s));
}

int
zs_cat(struct zs *z, const struct zs *from)
{
	return zs_catb(z, from->s, from->len);
}

int
zs_catc(struct zs *z, char c)
{
	return zs_catb(z, &c, 1);
}

int
zs_catulong(struct zs *z, unsigned long long u)
{
	char tmp[FMT_ULONG];

	return zs_catb(z, tmp, fmt_ulong(tmp, u));
}

int
zs_0(struct zs *z)
{
	if (!zs_readyplus(z, 1))
		return 0;
	z->s[z->len] = '\0';
	return 1;
}

void
zs_free(struct zs *z)
{
	free(z->s);
	z->s = NULL;
	z->len = z->cap = 0;
}
