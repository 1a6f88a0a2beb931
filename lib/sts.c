/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "txtrec.h"
#include "scan.h"
#include "sts.h"

static const char *const mode_names[] = {
	[STS_NONE] = "none",
	[STS_TESTING] = "testing",
	[STS_ENFORCE] = "enforce",
};

const char *
sts_mode_name(enum sts_mode m)
{
	return mode_names[m];
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}


static int
bad(const char **why, const char *what)
{
	*why = what;
	return 0;
}

int
sts_txt_parse(const char *p, size_t n, char id[STS_ID_MAX + 1],
    const char **why)
{
	size_t i = 0, fn, k;
	const char *f, *eq;
	bool first = true, have_id = false;

	/* RFC 8461 3.1: sts-text-record = sts-version 1*(sts-sep sts-field). */
	while (txtrec_field(p, n, &i, &f, &fn)) {
		if (fn == 0) {
			/* A trailing ";" is allowed, an empty field elsewhere not. */
			if (i >= n && !first)
				break;
			return bad(why, "empty field in the TXT record");
		}
		if (first) {
			/* The version is case-sensitive and has no spaces. */
			if (fn != 7 || memcmp(f, "v=STSv1", 7) != 0)
				return bad(why, "not an STSv1 TXT record");
			first = false;
			continue;
		}
		eq = memchr(f, '=', fn);
		if (eq == NULL || eq == f)
			return bad(why, "a TXT field without a name");
		if ((size_t)(eq - f) == 2 && memcmp(f, "id", 2) == 0) {
			size_t vn = fn - 3;

			if (have_id || vn == 0 || vn > STS_ID_MAX)
				return bad(why, "a bad id in the TXT record");
			for (k = 0; k < vn; k++)
				if (!is_alnum(eq[1 + k]))
					return bad(why,
					    "a bad id in the TXT record");
			memcpy(id, eq + 1, vn);
			id[vn] = '\0';
			have_id = true;
		}
		/* Other fields are extensions: ignored (RFC 8461 3.1). */
	}
	if (first)
		return bad(why, "not an STSv1 TXT record");
	if (!have_id)
		return bad(why, "no id in the TXT record");
	return 1;
}

/* Whether p (n bytes) is a host name, or one with "*." in front. */
static int
pattern_ok(const char *p, size_t n)
{
	size_t i, label = 0;

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		p += 2;
		n -= 2;
	}
	if (n == 0 || n > STS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (is_alnum(p[i]) || p[i] == '-' || p[i] == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 || n > 1;
}

int
sts_policy_parse(const char *p, size_t n, struct sts_policy *pol,
    const char **why)
{
	bool have_version = false, have_mode = false, have_age = false;
	size_t i = 0;

	memset(pol, 0, sizeof *pol);
	if (n > STS_POLICY_MAX)
		return bad(why, "policy too long");
	while (i < n) {
		const char *l = p + i, *colon, *v;
		size_t ln, kn, vn, k;

		for (k = i; k < n && p[k] != '\n'; k++)
			;
		ln = k - i;
		i = k < n ? k + 1 : k;
		if (ln > 0 && l[ln - 1] == '\r')
			ln--;
		if (ln == 0)
			continue;
		if (memchr(l, '\r', ln) != NULL || memchr(l, '\0', ln) != NULL)
			return bad(why, "a bare CR or NUL in the policy");
		colon = memchr(l, ':', ln);
		if (colon == NULL || colon == l)
			return bad(why, "a policy line without a key");
		kn = (size_t)(colon - l);
		v = colon + 1;
		vn = ln - kn - 1;
		txtrec_trim(&v, &vn);
		if (kn == 7 && memcmp(l, "version", 7) == 0) {
			if (have_version || vn != 5 || memcmp(v, "STSv1", 5) != 0)
				return bad(why, "version is not STSv1");
			have_version = true;
		} else if (kn == 4 && memcmp(l, "mode", 4) == 0) {
			if (have_mode)
				return bad(why, "mode given twice");
			if (vn == 7 && memcmp(v, "enforce", 7) == 0)
				pol->mode = STS_ENFORCE;
			else if (vn == 7 && memcmp(v, "testing", 7) == 0)
				pol->mode = STS_TESTING;
			else if (vn == 4 && memcmp(v, "none", 4) == 0)
				pol->mode = STS_NONE;
			else
				return bad(why, "unknown mode");
			have_mode = true;
		} else if (kn == 7 && memcmp(l, "max_age", 7) == 0) {
			/* 1*10DIGIT, at most a year (RFC 8461 3.2). */
			if (have_age || vn == 0 || vn > 10 ||
			    scan_ulongb(v, vn, &pol->max_age) != vn ||
			    pol->max_age > STS_MAX_AGE_MAX)
				return bad(why, "bad max_age");
			have_age = true;
		} else if (kn == 2 && memcmp(l, "mx", 2) == 0) {
			if (!pattern_ok(v, vn))
				return bad(why, "bad mx pattern");
			if (pol->nmx == STS_MX_MAX)
				return bad(why, "too many mx patterns");
			for (k = 0; k < vn; k++)
				pol->mx[pol->nmx][k] = (char)(v[k] >= 'A' &&
				    v[k] <= 'Z' ? v[k] + 32 : v[k]);
			pol->mx[pol->nmx][vn] = '\0';
			pol->nmx++;
		}
		/* Unknown keys are extensions: ignored (RFC 8461 3.2). */
	}
	if (!have_version)
		return bad(why, "no version");
	if (!have_mode)
		return bad(why, "no mode");
	if (!have_age)
		return bad(why, "no max_age");
	if (pol->mode != STS_NONE && pol->nmx == 0)
		return bad(why, "no mx pattern");
	return 1;
}

int
sts_mx_match(const struct sts_policy *pol, const char *host)
{
	size_t n = strlen(host), i;

	if (n > 0 && host[n - 1] == '.')
		n--;
	for (i = 0; i < pol->nmx; i++) {
		const char *m = pol->mx[i];
		size_t mn = strlen(m);

		if (m[0] == '*') {
			const char *dot = memchr(host, '.', n);
			size_t rest;

			/* RFC 8461 4.1: "*" is one whole label, the leftmost. */
			if (dot == NULL || dot == host)
				continue;
			rest = n - (size_t)(dot - host);
			if (rest == mn - 1 &&
			    strncasecmp(dot, m + 1, rest) == 0)
				return 1;
		} else if (mn == n && strncasecmp(host, m, n) == 0) {
			return 1;
		}
	}
	return 0;
}

int
sts_cache_valid(const struct sts_cache *c, long long now)
{
	return c->have && now >= c->fetched &&
	    (unsigned long long)(now - c->fetched) < c->policy.max_age;
}

static int
cat_num(struct zs *out, const char *key, unsigned long long u)
{
	return zs_cats(out, key) && zs_catc(out, ' ') &&
	    zs_catulong(out, u) && zs_catc(out, '\n');
}

int
sts_cache_fmt(const struct sts_cache *c, struct zs *out)
{
	size_t i;

	if (!zs_cats(out, STS_CACHE_VERSION "\n") ||
	    !cat_num(out, "checked", (unsigned long long)c->checked))
		return 0;
	if (!c->have)
		return zs_cats(out, "policy none\n");
	if (!zs_cats(out, "id ") || !zs_cats(out, c->id) ||
	    !zs_catc(out, '\n') ||
	    !cat_num(out, "fetched", (unsigned long long)c->fetched) ||
	    !zs_cats(out, "mode ") ||
	    !zs_cats(out, sts_mode_name(c->policy.mode)) ||
	    !zs_catc(out, '\n') ||
	    !cat_num(out, "max_age", c->policy.max_age))
		return 0;
	for (i = 0; i < c->policy.nmx; i++)
		if (!zs_cats(out, "mx ") || !zs_cats(out, c->policy.mx[i]) ||
		    !zs_catc(out, '\n'))
			return 0;
	return 1;
}

int
sts_cache_parse(const char *p, size_t n, struct sts_cache *c)
{
	struct zs body = ZS_INIT;
	const char *why;
	size_t i, vlen = sizeof STS_CACHE_VERSION - 1;
	bool have_checked = false, none = false, have_fetched = false;
	int ok;

	memset(c, 0, sizeof *c);
	if (n < vlen + 1 || memcmp(p, STS_CACHE_VERSION "\n", vlen + 1) != 0)
		return 0;
	/*
	 * The policy lines are a policy body with a space for the colon: the
	 * record is read back through the same parser that took it in.
	 */
	for (i = vlen + 1; i < n;) {
		const char *l = p + i, *sp;
		size_t ln, k;
		unsigned long long u;

		for (k = i; k < n && p[k] != '\n'; k++)
			;
		ln = k - i;
		i = k < n ? k + 1 : k;
		sp = memchr(l, ' ', ln);
		if (sp == NULL)
			goto damaged;
		k = (size_t)(sp - l);
		if (k == 7 && memcmp(l, "checked", 7) == 0) {
			if (scan_ulongb(sp + 1, ln - 8, &u) != ln - 8 ||
			    ln == 8 || u > (unsigned long long)1 << 62)
				goto damaged;
			c->checked = (long long)u;
			have_checked = true;
		} else if (k == 7 && memcmp(l, "fetched", 7) == 0) {
			if (scan_ulongb(sp + 1, ln - 8, &u) != ln - 8 ||
			    ln == 8 || u > (unsigned long long)1 << 62)
				goto damaged;
			c->fetched = (long long)u;
			have_fetched = true;
		} else if (k == 6 && memcmp(l, "policy", 6) == 0) {
			if (ln != 11 || memcmp(sp + 1, "none", 4) != 0)
				goto damaged;
			none = true;
		} else if (k == 2 && memcmp(l, "id", 2) == 0) {
			size_t j;

			if (ln - 3 == 0 || ln - 3 > STS_ID_MAX || c->id[0])
				goto damaged;
			for (j = 3; j < ln; j++)
				if (!is_alnum(l[j]))
					goto damaged;
			memcpy(c->id, l + 3, ln - 3);
			c->id[ln - 3] = '\0';
		} else if (!zs_catb(&body, l, k) || !zs_catc(&body, ':') ||
		    !zs_catb(&body, sp, ln - k) || !zs_catc(&body, '\n')) {
			goto damaged;
		}
	}
	if (!have_checked)
		goto damaged;
	if (none) {
		ok = body.len == 0 && c->id[0] == '\0' && !have_fetched;
		zs_free(&body);
		return ok;
	}
	if (!zs_cats(&body, "version: STSv1\n"))
		goto damaged;
	ok = c->id[0] != '\0' && have_fetched &&
	    sts_policy_parse(body.s, body.len, &c->policy, &why);
	c->have = ok;
	zs_free(&body);
	return ok;
damaged:
	zs_free(&body);
	memset(c, 0, sizeof *c);
	return 0;
}
