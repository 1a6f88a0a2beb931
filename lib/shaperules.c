/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fmt.h"
#include "scan.h"
#include "shaperules.h"

/* The last word of p[0..*n) (white space before it dropped from *n). */
static const char *
last_word(const char *p, size_t *n, size_t *wn)
{
	size_t e = *n, b;

	while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	for (b = e; b > 0 && p[b - 1] != ' ' && p[b - 1] != '\t'; b--)
		;
	*wn = e - b;
	*n = b;
	return p + b;
}

static int
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* The action at the end of p[0..*n), its words dropped from *n. */
static int
action_parse(struct shaperule *r, const char *p, size_t *n)
{
	size_t wn;
	const char *w = last_word(p, n, &wn);

	r->for_ms = SHAPERULES_FOR;
	if (wn > 4 && memcmp(w, "for=", 4) == 0) {
		if (!shaping_period(w + 4, wn - 4, &r->for_ms))
			return 0;
		w = last_word(p, n, &wn);
	}
	if (word_is(w, wn, "suspend")) {
		r->action = SHAPERULE_SUSPEND;
		return 1;
	}
	if (wn > 12 && memcmp(w, "connections=", 12) == 0) {
		r->action = SHAPERULE_CONNECTIONS;
		return scan_ulongb(w + 12, wn - 12, &r->connections) ==
		    wn - 12 && r->connections > 0 &&
		    r->connections <= SHAPING_COUNT_MAX;
	}
	if (wn > 8 && memcmp(w, "msgrate=", 8) == 0) {
		r->action = SHAPERULE_THROTTLE;
		if (!shaping_rate_parse(&r->rate, w + 8, wn - 8))
			return 0;
		w = last_word(p, n, &wn);
		return word_is(w, wn, "throttle");
	}
	return 0;
}

void
shaperules_free(struct shaperules *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		regfree(&t->r[i].re);
		free(t->r[i].text);
	}
	free(t->r);
	t->r = NULL;
	t->n = 0;
}

/* One line into r: 1, 0 when malformed, -1 without memory. */
static int
line_parse(struct shaperule *r, const char *p)
{
	size_t n = strlen(p);

	memset(r, 0, sizeof *r);
	if (!action_parse(r, p, &n))
		return 0;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if ((r->text = malloc(n + 1)) == NULL)
		return -1;
	memcpy(r->text, p, n);
	r->text[n] = '\0';
	if (regcomp(&r->re, r->text, REG_EXTENDED | REG_ICASE | REG_NOSUB)
	    != 0) {
		free(r->text);
		r->text = NULL;
		return 0;
	}
	return 1;
}

int
shaperules_parse(struct shaperules *t, const char *lines, size_t count,
    size_t *bad)
{
	struct shaperules n = { NULL, 0 };
	size_t i;

	*bad = 0;
	if (count > 0 && (n.r = calloc(count, sizeof *n.r)) == NULL)
		return 0;
	for (i = 0; i < count; i++, lines += strlen(lines) + 1) {
		int k = line_parse(&n.r[n.n], lines);

		if (k != 1) {
			shaperules_free(&n);
			if (k == 0) {
				*bad = i + 1;
				errno = EINVAL;
			} else
				errno = ENOMEM;
			return 0;
		}
		n.n++;
	}
	shaperules_free(t);
	*t = n;
	return 1;
}

int
shaperules_load(struct shaperules *t, struct zs *err)
{
	struct zs lines = ZS_INIT;
	size_t count = 0, bad = 0;
	int r = control_readlines("shaperules", &lines, &count);

	if (r == 0)
		shaperules_free(t);
	if (r == 1)
		r = shaperules_parse(t, lines.s, count, &bad) ? 1 : -1;
	zs_free(&lines);
	if (r == -1) {
		control_where(err, "shaperules", ": bad line ", bad);
		return 0;
	}
	return 1;
}

const struct shaperule *
shaperules_match(const struct shaperules *t, const char *text)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (regexec(&t->r[i].re, text, 0, NULL, 0) == 0)
			return &t->r[i];
	return NULL;
}
