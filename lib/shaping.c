/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "fmt.h"
#include "scan.h"
#include "shaping.h"

int
shaping_period(const char *s, size_t n, unsigned long long *ms)
{
	unsigned long long u, mul;
	size_t k = scan_ulongb(s, n, &u);

	if (k == 0)
		return 0;
	if (n - k == 2 && s[k] == 'm' && s[k + 1] == 's')
		mul = 1;
	else if (n - k == 1 && s[k] == 's')
		mul = 1000;
	else if (n - k == 1 && s[k] == 'm')
		mul = 60 * 1000;
	else if (n - k == 1 && s[k] == 'h')
		mul = 3600 * 1000;
	else
		return 0;
	if (u == 0 || u > SHAPING_PERIOD_MAX / mul)
		return 0;
	*ms = u * mul;
	return 1;
}

int
shaping_rate_parse(struct shaping_rate *r, const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	unsigned long long u;

	if (slash == NULL || slash == s ||
	    scan_ulongb(s, (size_t)(slash - s), &u) != (size_t)(slash - s) ||
	    u == 0 || u > SHAPING_COUNT_MAX)
		return 0;
	if (!shaping_period(slash + 1, n - (size_t)(slash - s) - 1, &r->ms))
		return 0;
	r->n = u;
	return 1;
}

static int
count_parse(unsigned long long *u, const char *s, size_t n)
{
	return n > 0 && scan_ulongb(s, n, u) == n && *u > 0 &&
	    *u <= SHAPING_COUNT_MAX;
}

/* "MIN-MAX", two PERIODs with MIN no longer than MAX (n bytes). */
static int
backoff_parse(struct shaping_limits *l, const char *s, size_t n)
{
	const char *dash = memchr(s, '-', n);

	return dash != NULL &&
	    shaping_period(s, (size_t)(dash - s), &l->deadmin) &&
	    shaping_period(dash + 1, n - (size_t)(dash - s) - 1, &l->deadmax) &&
	    l->deadmin <= l->deadmax;
}

/* One "key=value" word (n bytes) into l. */
static int
word_parse(struct shaping_limits *l, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	size_t kn, vn;

	if (eq == NULL)
		return 0;
	kn = (size_t)(eq - w);
	vn = n - kn - 1;
	if (kn == 11 && memcmp(w, "connections", 11) == 0)
		return count_parse(&l->connections, eq + 1, vn);
	if (kn == 11 && memcmp(w, "msgsperconn", 11) == 0)
		return count_parse(&l->msgsperconn, eq + 1, vn);
	if (kn == 8 && memcmp(w, "connrate", 8) == 0)
		return shaping_rate_parse(&l->connrate, eq + 1, vn);
	if (kn == 7 && memcmp(w, "msgrate", 7) == 0)
		return shaping_rate_parse(&l->msgrate, eq + 1, vn);
	if (kn == 9 && memcmp(w, "deadafter", 9) == 0)
		return count_parse(&l->deadafter, eq + 1, vn);
	if (kn == 11 && memcmp(w, "deadbackoff", 11) == 0)
		return backoff_parse(l, eq + 1, vn);
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* A line (NUL-terminated) into pattern (its start, *pn bytes) and *l. */
static int
line_parse(const char *p, const char **pat, size_t *pn,
    struct shaping_limits *l)
{
	size_t n;

	memset(l, 0, sizeof *l);
	for (n = 0; p[n] != '\0' && !is_space(p[n]); n++)
		;
	if (n == 0)
		return 0;
	*pat = p;
	*pn = n;
	p += n;
	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			return 1;
		for (n = 0; p[n] != '\0' && !is_space(p[n]); n++)
			;
		if (!word_parse(l, p, n))
			return 0;
		p += n;
	}
}

void
shaping_free(struct shaping *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->r[i].pattern);
	free(t->r);
	memset(t, 0, sizeof *t);
}

int
shaping_parse(struct shaping *t, const char *lines, size_t count,
    size_t *bad)
{
	struct shaping n;
	size_t i;

	memset(&n, 0, sizeof n);
	*bad = 0;
	if (count > 0 && (n.r = calloc(count, sizeof *n.r)) == NULL)
		return 0;
	for (i = 0; i < count; i++, lines += strlen(lines) + 1) {
		struct shaping_limits l;
		const char *pat;
		size_t pn;

		if (!line_parse(lines, &pat, &pn, &l)) {
			*bad = i + 1;
			shaping_free(&n);
			errno = EINVAL;
			return 0;
		}
		if (pn == 7 && memcmp(pat, "default", 7) == 0) {
			n.def = l;
			continue;
		}
		n.r[n.n].lim = l;
		n.r[n.n].pattern = malloc(pn + 1);
		if (n.r[n.n].pattern == NULL) {
			shaping_free(&n);
			return 0;
		}
		memcpy(n.r[n.n].pattern, pat, pn);
		n.r[n.n++].pattern[pn] = '\0';
	}
	shaping_free(t);
	*t = n;
	return 1;
}

int
shaping_load(struct shaping *t, struct zs *err)
{
	struct zs lines = ZS_INIT;
	size_t count = 0, bad = 0;
	int r = control_readlines("shaping", &lines, &count);

	if (r == 0)
		shaping_free(t);
	if (r == 1)
		r = shaping_parse(t, lines.s, count, &bad) ? 1 : -1;
	zs_free(&lines);
	if (r == -1) {
		control_where(err, "shaping", ": bad line ", bad);
		return 0;
	}
	return 1;
}

/* Whether pattern matches name (n bytes): exactly, or ".suffix" below. */
static int
name_match(const char *pattern, const char *name, size_t n)
{
	size_t pn = strlen(pattern);

	if (pattern[0] == '.')
		return n > pn && strncasecmp(name + n - pn, pattern, pn) == 0;
	return n == pn && strncasecmp(name, pattern, n) == 0;
}

const struct shaping_limits *
shaping_match(const struct shaping *t, const char *names, size_t nlen)
{
	size_t i, off;

	for (i = 0; i < t->n; i++)
		for (off = 0; off < nlen; ) {
			const char *nm = names + off;
			size_t n = strnlen(nm, nlen - off);

			if (name_match(t->r[i].pattern, nm, n))
				return &t->r[i].lim;
			off += n + 1;
		}
	return &t->def;
}
