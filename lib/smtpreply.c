/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "smtpreply.h"

void
smtpreply_init(struct smtpreply *r)
{
	struct zs lines = r->lines, cur = r->cur;

	memset(r, 0, sizeof *r);
	lines.len = cur.len = 0;
	r->lines = lines;
	r->cur = cur;
}

void
smtpreply_free(struct smtpreply *r)
{
	zs_free(&r->lines);
	zs_free(&r->cur);
	memset(r, 0, sizeof *r);
}

static char
clean(unsigned char c)
{
	if (c == '\t')
		return ' ';
	return c >= 32 && c < 127 ? (char)c : '?';
}

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* One complete line is in cur (its LF dropped). Returns 1 when final. */
static int
end_line(struct smtpreply *r)
{
	const char *p = r->cur.s;
	size_t n = r->cur.len, i;
	int code;
	char sep;

	/* The CR of CRLF; a longer line lost it to truncation anyway. */
	if (n > 0 && n == r->curlen && p[n - 1] == '\r')
		n--;
	if (r->curlen > SMTPREPLY_LINE_MAX)
		r->truncated = true;
	r->nlines++;
	if (n < 3 || !isdig(p[0]) || !isdig(p[1]) || !isdig(p[2]) ||
	    p[0] < '2' || p[0] > '5') {
		r->malformed = true;
		sep = ' ';
		code = 0;
	} else {
		code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		sep = n == 3 ? ' ' : p[3];
		if (sep != ' ' && sep != '-') {
			r->malformed = true;
			sep = ' ';
		}
	}
	if (r->nlines > 1 && code != r->lastcode)
		r->mixed = true;
	r->lastcode = code;
	if (!zs_readyplus(&r->lines, n + 1))
		return -1;
	for (i = 0; i < n; i++)
		r->lines.s[r->lines.len++] = clean((unsigned char)p[i]);
	r->lines.s[r->lines.len++] = '\n';
	r->cur.len = 0;
	r->curlen = 0;
	return sep == ' ';
}

static void
finish(struct smtpreply *r)
{
	r->done = true;
	r->code = r->malformed || r->overflow ? 0 : r->lastcode;
}

int
smtpreply_feed(struct smtpreply *r, const char *p, size_t n, size_t *used)
{
	size_t i;

	*used = 0;
	if (r->done)
		return 1;
	for (i = 0; i < n; i++) {
		char c = p[i];

		r->total++;
		if (c == '\n') {
			int f = end_line(r);

			if (f == -1) {
				*used = i;
				return -1;
			}
			if (f == 1) {
				*used = i + 1;
				finish(r);
				return 1;
			}
		} else {
			if (r->cur.len < SMTPREPLY_LINE_MAX &&
			    !zs_catc(&r->cur, c)) {
				*used = i;
				return -1;
			}
			r->curlen++;
		}
		if (r->total >= SMTPREPLY_TOTAL_MAX) {
			/* Keep what the server said so far, for the log. */
			r->overflow = true;
			if (r->cur.len > 0 && end_line(r) == -1) {
				*used = i;
				return -1;
			}
			*used = i + 1;
			finish(r);
			return 1;
		}
	}
	*used = n;
	return 0;
}

int
smtpreply_read(struct buf *in, struct smtpreply *r)
{
	smtpreply_init(r);
	for (;;) {
		ssize_t got = buf_feed(in);
		size_t used;
		int f;

		if (got < 0)
			return -1;
		if (got == 0)
			return 0;
		f = smtpreply_feed(r, buf_peek(in), (size_t)got, &used);
		buf_seek(in, used);
		if (f != 0)
			return f;
	}
}

const char *
smtpreply_line(const struct smtpreply *r, unsigned i, size_t *n)
{
	const char *p = r->lines.s, *end = p + r->lines.len, *nl;

	if (p == NULL)
		return NULL;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		if (i == 0)
			break;
		i--;
		p = nl + 1;
	}
	if (nl - p >= 4) {
		*n = (size_t)(nl - p) - 4;
		return p + 4;
	}
	*n = 0;
	return nl;
}

size_t
smtpreply_text(const struct smtpreply *r, char *out)
{
	size_t len = 0, i;
	unsigned k;

	for (k = 0; k < r->nlines; k++) {
		const char *t;
		size_t n;

		if (k == 0 && r->code == 0) {
			/* No code to trust: the first line as it came. */
			t = r->lines.s;
			n = (size_t)((const char *)memchr(t, '\n',
			    r->lines.len) - t);
		} else {
			t = smtpreply_line(r, k, &n);
			if (t == NULL)
				break;
		}
		if (k == 0 && r->code != 0) {
			/* The code that counts: the last line's (4.2.1). */
			out[len++] = (char)('0' + r->code / 100);
			out[len++] = (char)('0' + r->code / 10 % 10);
			out[len++] = (char)('0' + r->code % 10);
			out[len++] = ' ';
		} else if (k > 0) {
			if (n == 0)
				continue;
			if (len + 3 >= SMTPREPLY_TEXT_MAX)
				break;
			memcpy(out + len, " / ", 3);
			len += 3;
		}
		if (len + n > SMTPREPLY_TEXT_MAX)
			n = SMTPREPLY_TEXT_MAX - len;
		for (i = 0; i < n; i++)
			out[len++] = t[i];
		if (len >= SMTPREPLY_TEXT_MAX)
			break;
	}
	out[len] = '\0';
	return len;
}
