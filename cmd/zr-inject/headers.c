/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "hdrqual.h"
#include "headers.h"

int
headers_is_field(const char *line, size_t n)
{
	size_t i;

	/* RFC 5322 2.2: a field name is printable ASCII but ':', then ':'. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ':')
			return i > 0;
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

int
headers_add(struct headers *h, const char *line, size_t n, int continuation)
{
	if (continuation) {
		if (h->n == 0) {
			errno = EINVAL;
			return 0;
		}
		if (!zs_catb(&h->raw, line, n))
			return 0;
		h->f[h->n - 1].len += n;
		return 1;
	}
	if (!grow(&h->f, &h->cap, h->n + 1))
		return 0;
	h->f[h->n].off = h->raw.len;
	h->f[h->n].len = n;
	h->f[h->n].namelen = (size_t)((const char *)memchr(line, ':', n) - line);
	if (!zs_catb(&h->raw, line, n))
		return 0;
	h->n++;
	return 1;
}

long
headers_find(const struct headers *h, const char *name, size_t from)
{
	size_t i, n = strlen(name);

	for (i = from; i < h->n; i++)
		if (h->f[i].namelen == n &&
		    strncasecmp(h->raw.s + h->f[i].off, name, n) == 0)
			return (long)i;
	return -1;
}

int
headers_value(const struct headers *h, size_t i, struct zs *out)
{
	const struct hdr_field *f = &h->f[i];
	size_t k;

	out->len = 0;
	for (k = f->namelen + 1; k < f->len; k++) {
		char c = h->raw.s[f->off + k];

		if (!zs_catc(out, c == '\n' || c == '\r' ? ' ' : c))
			return 0;
	}
	return zs_0(out);
}

/* Drop comments and surrounding blanks; keep quoted strings whole. */
static int
clean_addr(const char *p, size_t n, struct zs *out)
{
	size_t i, end;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '"' || c == '(') {
			end = hdrqual_span_end(p, n, i);
			if (end == 0) {
				errno = EINVAL;
				return 0;
			}
			if (c == '"' && !zs_catb(out, p + i, end - i))
				return 0;
			i = end - 1;
			continue;
		}
		/* Obsolete syntax allows blanks around dots and '@'. */
		if (c != ' ' && c != '\t' && !zs_catc(out, c))
			return 0;
	}
	return 1;
}

static int
emit(const char *p, size_t n, struct zs *out, size_t *count)
{
	size_t start = out->len;

	if (!clean_addr(p, n, out))
		return 0;
	if (out->len == start)
		return 1;	/* an empty item, as in "a@b, , c@d" */
	if (!zs_catc(out, '\0'))
		return 0;
	++*count;
	return 1;
}

int
headers_addresses(const char *v, size_t n, struct zs *out, size_t *count)
{
	size_t i, item = 0, angle = 0, end;
	int in_angle = 0, had_angle = 0;

	/* A NUL would cut an address short in the NUL-separated result. */
	if (memchr(v, '\0', n) != NULL)
		goto bad;
	for (i = 0; i <= n; i++) {
		char c = i < n ? v[i] : ',';

		switch (c) {
		case '"':
		case '(':
			if ((end = hdrqual_span_end(v, n, i)) == 0)
				goto bad;
			i = end - 1;
			break;
		case '<':
			in_angle = 1;
			angle = i + 1;
			break;
		case '>':
			if (!in_angle)
				goto bad;
			if (!emit(v + angle, i - angle, out, count))
				return 0;
			in_angle = 0;
			had_angle = 1;
			break;
		case ':':
			/* A group's display name: what came before is no address. */
			if (!in_angle)
				item = i + 1;
			break;
		case ',':
		case ';':
			/* "<@a,@b:u@c>": a source route's commas (RFC 5322 4.4). */
			if (in_angle && c == ',')
				break;
			if (in_angle)
				goto bad;
			if (!had_angle && !emit(v + item, i - item, out, count))
				return 0;
			item = i + 1;
			had_angle = 0;
			break;
		default:
			break;
		}
	}
	if (in_angle)
		goto bad;
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

void
headers_free(struct headers *h)
{
	zs_free(&h->raw);
	free(h->f);
	h->f = NULL;
	h->n = h->cap = 0;
}
