/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qstate.h"
#include "queue.h"
#include "scan.h"

static const char *const names[RS_COUNT] = {
	[RS_PENDING] = "pending",
	[RS_DELIVERED] = "delivered",
	[RS_DEFERRED] = "deferred",
	[RS_FAILED] = "failed",
	[RS_EXPIRED] = "expired",
	[RS_RELAYED] = "relayed",
};

const char *
qstate_status_name(enum qstate_status s)
{
	return (unsigned)s < RS_COUNT ? names[s] : "?";
}

int
qstate_status_parse(const char *p, size_t n, enum qstate_status *s)
{
	int i;

	for (i = 0; i < RS_COUNT; i++)
		if (strlen(names[i]) == n && memcmp(p, names[i], n) == 0) {
			*s = (enum qstate_status)i;
			return 1;
		}
	errno = EINVAL;
	return 0;
}

int
qstate_init(struct qstate *s, size_t nrcpt)
{
	memset(s, 0, sizeof *s);
	s->prio = -1;
	s->size = -1;
	s->rcpt = calloc(nrcpt ? nrcpt : 1, sizeof *s->rcpt);
	if (s->rcpt == NULL)
		return 0;
	s->nrcpt = nrcpt;
	return 1;
}

void
qstate_free(struct qstate *s)
{
	free(s->rcpt);
	memset(s, 0, sizeof *s);
}

/* Copy printable ASCII; anything else becomes '?', so one line stays one. */
static void
clean(char *dst, size_t max, const char *src, size_t n)
{
	size_t i;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 32 && c < 127 ? (char)c : c == '\t' ? ' ' : '?';
	}
	dst[n] = '\0';
}

void
qstate_set_reply(struct qstate_rcpt *r, const char *host, const char *reply,
    size_t n)
{
	clean(r->host, QSTATE_HOST_MAX, host != NULL ? host : "",
	    host != NULL ? strlen(host) : 0);
	/* A host is one word in the file. */
	for (char *p = r->host; *p != '\0'; p++)
		if (*p == ' ')
			*p = '_';
	clean(r->reply, QSTATE_REPLY_MAX, reply, n);
}

static size_t
word(const char *p, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && p[*i] != ' ')
		++*i;
	return *i - start;
}

static int
parse_rcpt(struct qstate *s, const char *p, size_t n)
{
	unsigned long long idx, att;
	enum qstate_status st;
	struct qstate_rcpt *r;
	size_t i = 0, a, len;

	len = word(p, n, &i);
	if (len == 0 || scan_ulongb(p, len, &idx) != len || idx >= s->nrcpt ||
	    i >= n)
		return 0;
	a = ++i;
	len = word(p, n, &i);
	if (!qstate_status_parse(p + a, len, &st) || i >= n)
		return 0;
	a = ++i;
	len = word(p, n, &i);
	if (len == 0 || scan_ulongb(p + a, len, &att) != len ||
	    att > 1000000 || i >= n)
		return 0;
	a = ++i;
	len = word(p, n, &i);
	if (len == 0 || len > QSTATE_HOST_MAX)
		return 0;
	r = &s->rcpt[idx];
	r->status = st;
	r->attempts = (unsigned)att;
	memcpy(r->host, p + a, len);
	r->host[len] = '\0';
	if (strcmp(r->host, "-") == 0)
		r->host[0] = '\0';
	if (i < n)
		i++;
	clean(r->reply, QSTATE_REPLY_MAX, p + i, n - i);
	return 1;
}

/*
 * The count of the file's first "rcpts" line in *u: 1, or 0 when it has
 * none or one that is not a number (the main parse says damaged then).
 */
static int
file_rcpts(const char *p, size_t n, unsigned long long *u)
{
	size_t i = 0;

	while (i < n) {
		const char *line = p + i, *nl = memchr(line, '\n', n - i);
		size_t len = nl != NULL ? (size_t)(nl - line) : n - i;

		i += len + 1;
		if (len > 6 && memcmp(line, "rcpts ", 6) == 0)
			return scan_ulongb(line + 6, len - 6, u) == len - 6;
	}
	return 0;
}

/* "prio NAME": a queue priority's name. */
static int
parse_prio(struct qstate *s, const char *p, size_t n)
{
	char name[8];
	enum queue_prio prio;

	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	if (!queue_prio_parse(name, &prio))
		return 0;
	s->prio = (int)prio;
	return 1;
}

int
qstate_parse(struct qstate *s, size_t nrcpt, const char *p, size_t n)
{
	static const char version[] = "zr-state 1\n";
	size_t i = sizeof version - 1;

	if (nrcpt == QSTATE_NRCPT_FILE) {
		unsigned long long u;

		/* No count, or one not worth the memory: ask the envelope. */
		if (!file_rcpts(p, n, &u) || u > QSTATE_NRCPT_FILE_MAX) {
			errno = ENOENT;
			return 0;
		}
		nrcpt = (size_t)u;
	}
	if (!qstate_init(s, nrcpt))
		return 0;
	if (n < i || memcmp(p, version, i) != 0)
		goto bad;
	while (i < n) {
		const char *line = p + i, *nl = memchr(line, '\n', n - i), *sp;
		size_t len, klen;
		unsigned long long u;

		if (nl == NULL)
			goto bad;
		len = (size_t)(nl - line);
		i += len + 1;
		sp = memchr(line, ' ', len);
		if (sp == NULL)
			goto bad;
		klen = (size_t)(sp - line);
		sp++;
		len -= klen + 1;
		if (klen == 4 && memcmp(line, "rcpt", 4) == 0) {
			if (!parse_rcpt(s, sp, len))
				goto bad;
			continue;
		}
		if (klen == 4 && memcmp(line, "prio", 4) == 0) {
			if (!parse_prio(s, sp, len))
				goto bad;
			continue;
		}
		if (len == 0 || scan_ulongb(sp, len, &u) != len)
			goto bad;
		if (klen == 4 && memcmp(line, "size", 4) == 0) {
			if (u > QSTATE_SIZE_MAX)
				goto bad;
			s->size = (long long)u;
			continue;
		}
		if (u > (1ULL << 40))
			goto bad;
		if (klen == 8 && memcmp(line, "attempts", 8) == 0)
			s->attempts = (unsigned)u;
		else if (klen == 4 && memcmp(line, "next", 4) == 0)
			s->next = (long long)u;
		else if (klen == 4 && memcmp(line, "last", 4) == 0)
			s->last = (long long)u;
		/* The envelope's count: a file that says another is not its. */
		else if (!(klen == 5 && memcmp(line, "rcpts", 5) == 0 &&
		    u == s->nrcpt))
			goto bad;
	}
	return 1;
bad:
	qstate_free(s);
	errno = EPROTO;
	return 0;
}

int
qstate_format(const struct qstate *s, struct zs *out)
{
	size_t i;

	if (!zs_cats(out, "zr-state 1\nattempts ") ||
	    !zs_catulong(out, s->attempts) || !zs_cats(out, "\nnext ") ||
	    !zs_catulong(out, (unsigned long long)s->next) ||
	    !zs_cats(out, "\nlast ") ||
	    !zs_catulong(out, (unsigned long long)s->last) ||
	    !zs_catc(out, '\n'))
		return 0;
	if (s->prio >= 0 && s->prio < PRIO_COUNT &&
	    (!zs_cats(out, "prio ") ||
	    !zs_cats(out, queue_prio_name((enum queue_prio)s->prio)) ||
	    !zs_catc(out, '\n')))
		return 0;
	if (!zs_cats(out, "rcpts ") || !zs_catulong(out, s->nrcpt) ||
	    !zs_catc(out, '\n'))
		return 0;
	if (s->size >= 0 && (!zs_cats(out, "size ") ||
	    !zs_catulong(out, (unsigned long long)s->size) ||
	    !zs_catc(out, '\n')))
		return 0;
	for (i = 0; i < s->nrcpt; i++) {
		const struct qstate_rcpt *r = &s->rcpt[i];

		if (r->status == RS_PENDING && r->attempts == 0)
			continue;
		if (!zs_cats(out, "rcpt ") || !zs_catulong(out, i) ||
		    !zs_catc(out, ' ') ||
		    !zs_cats(out, qstate_status_name(r->status)) ||
		    !zs_catc(out, ' ') || !zs_catulong(out, r->attempts) ||
		    !zs_catc(out, ' ') ||
		    !zs_cats(out, r->host[0] ? r->host : "-") ||
		    !zs_catc(out, ' ') || !zs_cats(out, r->reply) ||
		    !zs_catc(out, '\n'))
			return 0;
	}
	return 1;
}
