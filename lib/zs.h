/* SPDX-License-Identifier: MIT */
/*
 * zs: the one growable byte string.
 *
 * A zs owns s[0..cap); len bytes are in use. s is not NUL-terminated unless
 * zs_0() was called (len does not count that NUL). All growth is checked for
 * overflow. Functions return 1 on success, or 0 with errno set (ENOMEM, or
 * EOVERFLOW when a size would not fit). A zeroed struct is a valid empty
 * string; zs_free() releases it and leaves it zeroed.
 */
#ifndef ZR_ZS_H
#define ZR_ZS_H

#include <stddef.h>

struct zs {
	char *s;
	size_t len;
	size_t cap;
};

#define ZS_INIT { 0, 0, 0 }

/* Make room for n more bytes beyond len. */
int zs_readyplus(struct zs *, size_t n);
/* Replace the contents with n bytes at p. */
int zs_copyb(struct zs *, const char *p, size_t n);
/* Replace the contents with the C string. */
int zs_copys(struct zs *, const char *);
/* Append n bytes at p. */
int zs_catb(struct zs *, const char *p, size_t n);
/* Append a C string. */
int zs_cats(struct zs *, const char *);
/* Append another zs. */
int zs_cat(struct zs *, const struct zs *);
/* Append one byte. */
int zs_catc(struct zs *, char);
/* Append the decimal form of an unsigned number. */
int zs_catulong(struct zs *, unsigned long long);
/* Append a NUL after the contents without counting it in len. */
int zs_0(struct zs *);
/* Release the memory; the string is empty afterwards. */
void zs_free(struct zs *);

#endif
