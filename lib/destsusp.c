/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "destsusp.h"
#include "scan.h"

#define MAGIC "zr-suspend 1\n"

int
destsusp_key_ok(const char *key, size_t n)
{
	size_t i;

	if (n > DESTSUSP_KEY_MAX) {
		errno = ENAMETOOLONG;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] >= 0x7f)
			break;
	if (n == 0 || i < n) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

/* Kept as they are: safe in a file name, and common in keys. */
static int
plain(char c, size_t at)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ',' ||
	    c == ':' || (c == '.' && at > 0);
}

int
destsusp_name(const char *key, char name[DESTSUSP_NAME_MAX + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = strlen(key), k = 0;

	if (!destsusp_key_ok(key, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];

		if (k + 3 > DESTSUSP_NAME_MAX) {
			errno = ENAMETOOLONG;
			return 0;
		}
		/* '%' escaped too, so that the escape is one-to-one. */
		if (plain(key[i], i))
			name[k++] = key[i];
		else {
			name[k++] = '%';
			name[k++] = hex[c >> 4];
			name[k++] = hex[c & 15];
		}
	}
	name[k] = '\0';
	return 1;
}

int
destsusp_fmt(const struct destsusp *r, struct zs *out)
{
	return zs_cats(out, MAGIC) && zs_cats(out, "key ") &&
	    zs_cats(out, r->key) && zs_cats(out, "\nuntil ") &&
	    zs_catulong(out, r->until) && zs_catc(out, '\n');
}

/* The line after tag at *p (n bytes left): its value and length. */
static const char *
line(const char **p, size_t *n, const char *tag, size_t *len)
{
	size_t t = strlen(tag);
	const char *v, *nl;

	if (*n < t || memcmp(*p, tag, t) != 0)
		return NULL;
	v = *p + t;
	nl = memchr(v, '\n', *n - t);
	if (nl == NULL)
		return NULL;
	*len = (size_t)(nl - v);
	*n -= (size_t)(nl + 1 - *p);
	*p = nl + 1;
	return v;
}

int
destsusp_parse(const char *p, size_t n, struct destsusp *r)
{
	const char *k, *u;
	size_t kn, un;

	if (n < sizeof MAGIC - 1 || memcmp(p, MAGIC, sizeof MAGIC - 1) != 0)
		goto bad;
	p += sizeof MAGIC - 1;
	n -= sizeof MAGIC - 1;
	if ((k = line(&p, &n, "key ", &kn)) == NULL ||
	    (u = line(&p, &n, "until ", &un)) == NULL || n != 0)
		goto bad;
	if (!destsusp_key_ok(k, kn))
		return 0;
	if (un == 0 || scan_ulongb(u, un, &r->until) != un ||
	    r->until > DESTSUSP_UNTIL_MAX)
		goto bad;
	memcpy(r->key, k, kn);
	r->key[kn] = '\0';
	return 1;
bad:
	errno = EINVAL;
	return 0;
}
