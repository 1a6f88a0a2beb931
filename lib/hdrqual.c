/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "hdrqual.h"

bool
hdrqual_name(const char *name, size_t n)
{
	static const char *const names[] = { "From", "Sender", "Reply-To",
	    "To", "Cc", "Bcc" };
	size_t i;

	if (n > 7 && strncasecmp(name, "Resent-", 7) == 0) {
		name += 7;
		n -= 7;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
			return true;
	return false;
}

/* Put "@domain" into out at pos, moving what follows. */
static int
insert_at(struct zs *out, size_t pos, const char *domain)
{
	size_t k = strlen(domain) + 1, tail = out->len - pos;

	if (!zs_readyplus(out, k))
		return 0;
	memmove(out->s + pos + k, out->s + pos, tail);
	out->s[pos] = '@';
	memcpy(out->s + pos + 1, domain, k - 1);
	out->len += k;
	return 1;
}

size_t
hdrqual_span_end(const char *p, size_t n, size_t i)
{
	char open = p[i];
	size_t j = i + 1;
	int depth = 1;

	while (j < n && depth > 0) {
		if (p[j] == '\\' && j + 1 < n)
			j++;
		else if (open == '"' && p[j] == '"')
			depth = 0;
		else if (open == '(' && p[j] == '(')
			depth++;
		else if (open == '(' && p[j] == ')')
			depth--;
		j++;
	}
	return depth == 0 ? j : 0;
}

/*
 * Copy a quoted string or a comment starting at p[*i]; i moves past it.
 * One left open runs to the end and is copied as it is.
 */
static int
copy_span(const char *p, size_t n, size_t *i, struct zs *out)
{
	size_t j = hdrqual_span_end(p, n, *i);

	if (j == 0)
		j = n;
	if (!zs_catb(out, p + *i, j - *i))
		return 0;
	*i = j;
	return 1;
}

/*
 * One mailbox at a time: words counts the words outside brackets and
 * comments, wend is where the last one ended in out. A lone word with no
 * '@' and no angle address is an addr-spec without a domain.
 */
struct elem {
	size_t words;
	size_t wend;
	bool inword;
	bool at;
	bool angle;
};

static int
finish(struct elem *e, const char *domain, struct zs *out)
{
	int ok = 1;

	if (e->words == 1 && !e->at && !e->angle)
		ok = insert_at(out, e->wend, domain);
	memset(e, 0, sizeof *e);
	return ok;
}

int
hdrqual_value(const char *p, size_t n, const char *domain, struct zs *out)
{
	struct elem e;
	size_t i = 0;

	memset(&e, 0, sizeof e);
	while (i < n) {
		char c = p[i];

		if (c == '"' || c == '(') {
			if (c == '"' && !e.inword)
				e.words++;
			if (!copy_span(p, n, &i, out))
				return 0;
			if (c == '"') {
				e.wend = out->len;
				e.inword = true;
			} else {
				e.inword = false;
			}
			continue;
		}
		if (c == '<') {
			size_t end = i + 1, k;
			bool at = false, colon = false;

			while (end < n && p[end] != '>')
				end++;
			for (k = i + 1; k < end; k++) {
				at = at || p[k] == '@';
				colon = colon || p[k] == ':';
			}
			e.angle = true;
			e.inword = false;
			if (!zs_catb(out, p + i, end - i))
				return 0;
			/* "<root>" gets a domain; "<>" and routes do not. */
			if (end < n && end > i + 1 && !at && !colon &&
			    (!zs_catc(out, '@') || !zs_cats(out, domain)))
				return 0;
			i = end;
			continue;
		}
		if (c == ':') {
			/* A group's name: what came before is no mailbox. */
			memset(&e, 0, sizeof e);
		} else if (c == ',' || c == ';') {
			if (!finish(&e, domain, out))
				return 0;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			e.inword = false;
		} else {
			if (c == '@')
				e.at = true;
			if (!e.inword)
				e.words++;
			e.inword = true;
			if (!zs_catc(out, c))
				return 0;
			e.wend = out->len;
			i++;
			continue;
		}
		if (!zs_catc(out, c))
			return 0;
		i++;
	}
	return finish(&e, domain, out);
}

int
hdrqual_section(const char *p, size_t n, const char *domain,
    struct zs *out)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i, colon;

		/* The field: this line and the continuation lines after it. */
		do {
			const char *nl = memchr(p + end, '\n', n - end);

			end = nl != NULL ? (size_t)(nl - p) + 1 : n;
		} while (end < n && (p[end] == ' ' || p[end] == '\t'));
		for (colon = i; colon < end && p[colon] != ':'; colon++)
			;
		if (colon < end && hdrqual_name(p + i, colon - i)) {
			if (!zs_catb(out, p + i, colon + 1 - i) ||
			    !hdrqual_value(p + colon + 1, end - colon - 1,
			    domain, out))
				return 0;
		} else if (!zs_catb(out, p + i, end - i)) {
			return 0;
		}
		i = end;
	}
	return 1;
}
