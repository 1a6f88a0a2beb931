/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "prio.h"

static size_t
blanks(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
	    v[i] == '\n'))
		i++;
	return i;
}

enum queue_prio
prio_xpriority(const char *v, size_t n)
{
	size_t i = blanks(v, n);

	/* Clients write "1", "1 (Highest)" or "1 (Urgent)": the digit counts. */
	if (i == n)
		return PRIO_NORMAL;
	switch (v[i]) {
	case '1':
		return PRIO_URGENT;
	case '2':
		return PRIO_HIGH;
	case '4':
	case '5':
		return PRIO_LOW;
	default:
		return PRIO_NORMAL;
	}
}

static int
word_is(const char *v, size_t n, const char *w)
{
	size_t k = strlen(w);

	/* The word, then the end or a blank or a comment. */
	return n >= k && strncasecmp(v, w, k) == 0 &&
	    (n == k || v[k] == ' ' || v[k] == '\t' || v[k] == '(' ||
	    v[k] == '\r' || v[k] == '\n');
}

enum queue_prio
prio_priority(const char *v, size_t n)
{
	size_t i = blanks(v, n);

	if (word_is(v + i, n - i, "urgent"))
		return PRIO_URGENT;
	if (word_is(v + i, n - i, "non-urgent"))
		return PRIO_LOW;
	return PRIO_NORMAL;
}

/* Whether the line at p (n bytes, no LF) starts the field name. */
static int
field_is(const char *p, size_t n, const char *name, size_t *valoff)
{
	size_t k = strlen(name), i;

	if (n < k || strncasecmp(p, name, k) != 0)
		return 0;
	/* RFC 5322 4.5: obsolete syntax allows blanks before the colon. */
	for (i = k; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (i == n || p[i] != ':')
		return 0;
	*valoff = i + 1;
	return 1;
}

/* Whether the line (no LF) can be a field: RFC 5322 2.2 name, ':'. */
static int
is_field(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i > 0;
		if (c == ' ' || c == '\t') {
			size_t k = i;

			while (k < n && (p[k] == ' ' || p[k] == '\t'))
				k++;
			return i > 0 && k < n && p[k] == ':';
		}
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

int
prio_headers(const char *p, size_t n, enum queue_prio *out)
{
	/* The value of each field, as offsets; continuation lines extend it. */
	size_t pos = 0, xstart = 0, xend = 0, pstart = 0, pend = 0;
	int cur = 0, seenx = 0, seenp = 0;	/* cur: 1 X-Priority, 2 Priority */

	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		size_t len, end, off;

		if (nl == NULL)
			break;		/* a cut line is not read */
		end = (size_t)(nl - p);
		len = end - pos;
		if (len > 0 && p[end - 1] == '\r')
			len--;
		if (len == 0)
			break;		/* the end of the header section */
		if (p[pos] == ' ' || p[pos] == '\t') {
			if (cur == 1)
				xend = pos + len;
			else if (cur == 2)
				pend = pos + len;
		} else if (!is_field(p + pos, len)) {
			break;
		} else {
			cur = 0;
			if (!seenx && field_is(p + pos, len, "X-Priority", &off)) {
				seenx = cur = 1;
				xstart = pos + off;
				xend = pos + len;
			} else if (!seenp &&
			    field_is(p + pos, len, "Priority", &off)) {
				seenp = 1;
				cur = 2;
				pstart = pos + off;
				pend = pos + len;
			}
		}
		pos = end + 1;
	}
	if (seenx)
		*out = prio_xpriority(p + xstart, xend - xstart);
	else if (seenp)
		*out = prio_priority(p + pstart, pend - pstart);
	return seenx || seenp;
}

int
prio_mt_parse(const char *s, size_t n, int *v)
{
	int neg = 0;

	if (n == 2 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (n != 1 || s[0] < '0' || s[0] > '9')
		return 0;
	*v = neg ? -(s[0] - '0') : s[0] - '0';
	return 1;
}

enum queue_prio
prio_mt(int v)
{
	if (v >= 4)
		return PRIO_URGENT;
	if (v >= 1)
		return PRIO_HIGH;
	if (v >= -3)
		return PRIO_NORMAL;
	return PRIO_LOW;
}
