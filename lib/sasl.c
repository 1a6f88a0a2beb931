/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "base64.h"
#include "sasl.h"

int
sasl_plain_encode(const char *user, const char *pass, struct zs *out)
{
	struct zs raw = ZS_INIT;
	int ok;

	if (strlen(user) > SASL_FIELD_MAX || strlen(pass) > SASL_FIELD_MAX) {
		errno = EINVAL;
		return 0;
	}
	ok = zs_catc(&raw, '\0') && zs_cats(&raw, user) &&
	    zs_catc(&raw, '\0') && zs_cats(&raw, pass) &&
	    base64_encode((const unsigned char *)raw.s, raw.len, out);
	/* The buffer held a password: wipe it before it is freed. */
	if (raw.s != NULL)
		memset(raw.s, 0, raw.cap);
	zs_free(&raw);
	return ok;
}

int
sasl_plain_decode(const char *b64, size_t n, struct zs *user, struct zs *pass)
{
	struct zs raw = ZS_INIT;
	const char *a, *u, *p, *end;
	int ok = 0;

	user->len = pass->len = 0;
	if (!base64_decode(b64, n, &raw))
		goto out;
	end = raw.s + raw.len;
	a = raw.s;
	u = raw.len ? memchr(a, '\0', raw.len) : NULL;
	if (u == NULL)
		goto bad;
	u++;
	p = memchr(u, '\0', (size_t)(end - u));
	if (p == NULL)
		goto bad;
	p++;
	/* Exactly two NULs, no empty user, and every field within bounds. */
	if (memchr(p, '\0', (size_t)(end - p)) != NULL || p - 1 == u ||
	    (size_t)(u - 1 - a) > SASL_FIELD_MAX ||
	    (size_t)(p - 1 - u) > SASL_FIELD_MAX ||
	    (size_t)(end - p) > SASL_FIELD_MAX)
		goto bad;
	if (u - 1 != a && ((size_t)(u - 1 - a) != (size_t)(p - 1 - u) ||
	    memcmp(a, u, (size_t)(p - 1 - u)) != 0))
		goto bad;
	ok = zs_catb(user, u, (size_t)(p - 1 - u)) && zs_0(user) &&
	    zs_catb(pass, p, (size_t)(end - p)) && zs_0(pass);
	goto out;
bad:
	errno = EINVAL;
out:
	if (raw.s != NULL)
		memset(raw.s, 0, raw.cap);
	zs_free(&raw);
	return ok;
}

int
sasl_login_decode(const char *b64, size_t n, struct zs *out)
{
	out->len = 0;
	if (!base64_decode(b64, n, out))
		return 0;
	/*
	 * An empty answer (a bare CRLF) decodes to nothing and leaves out->s
	 * NULL when out was never used: memchr and memset must not see that
	 * pointer, even for zero bytes (C17 7.24.1p2). An empty field is
	 * well-formed; the credential check refuses an empty user.
	 */
	if (out->len == 0)
		return zs_0(out);
	if (out->len > SASL_FIELD_MAX || memchr(out->s, '\0', out->len) != NULL) {
		memset(out->s, 0, out->len);
		out->len = 0;
		errno = EINVAL;
		return 0;
	}
	return zs_0(out);
}
