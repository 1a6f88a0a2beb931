/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "die.h"
#include "export.h"
#include "fmt.h"
#include "http.h"
#include "queue.h"
#include "timeoutio.h"
#include "zs.h"

/* RFC 9110 5.6.2: the characters of a token (methods, field names). */
static int
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* The length of the head up to its blank line, or 0 while it is not in. */
static size_t
head_len(const char *p, size_t n)
{
	size_t i;

	/* RFC 9112 2.2: a bare LF may end a line; CRLF is the rule. */
	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n') {
			if (p[i + 1] == '\n')
				return i + 2;
			if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
				return i + 3;
		}
	return 0;
}

/* One line of the head (without its line end) from *i; NULL at the end. */
static const char *
next_line(const char *p, size_t n, size_t *i, size_t *len)
{
	const char *l = p + *i, *nl;

	if (*i >= n)
		return NULL;
	nl = memchr(l, '\n', n - *i);
	*len = nl != NULL ? (size_t)(nl - l) : n - *i;
	*i += *len + 1;
	if (*len > 0 && l[*len - 1] == '\r')
		--*len;
	return l;
}

enum http_verdict
http_judge(const char *p, size_t n)
{
	const char *line, *sp1, *sp2, *target, *path_end;
	size_t len, i = 0, k, tlen;
	int host = 0, http11;

	if (n > HTTP_REQUEST_MAX)
		n = HTTP_REQUEST_MAX;
	len = head_len(p, n);
	if (len == 0)
		return n == HTTP_REQUEST_MAX ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	n = len;
	if (memchr(p, '\0', n) != NULL)
		return HTTP_BAD_REQUEST;

	/* RFC 9112 3: method SP request-target SP HTTP-version. */
	line = next_line(p, n, &i, &len);
	sp1 = memchr(line, ' ', len);
	if (sp1 == NULL || sp1 == line)
		return HTTP_BAD_REQUEST;
	for (k = 0; line + k < sp1; k++)
		if (!tchar((unsigned char)line[k]))
			return HTTP_BAD_REQUEST;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', len - (size_t)(target - line));
	if (sp2 == NULL || sp2 == target)
		return HTTP_BAD_REQUEST;
	tlen = (size_t)(sp2 - target);
	for (k = 0; k < tlen; k++)
		if ((unsigned char)target[k] <= ' ' || target[k] == 0x7f)
			return HTTP_BAD_REQUEST;
	k = len - (size_t)(sp2 + 1 - line);
	if (k != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return HTTP_BAD_REQUEST;
	http11 = sp2[8] == '1';

	/* Fields: name ":" value, the name a token with no blank before ':'. */
	while ((line = next_line(p, n, &i, &len)) != NULL && len > 0) {
		const char *colon = memchr(line, ':', len);

		if (colon == NULL || colon == line)
			return HTTP_BAD_REQUEST;
		for (k = 0; line + k < colon; k++)
			if (!tchar((unsigned char)line[k]))
				return HTTP_BAD_REQUEST;
		if (colon - line == 4 && strncasecmp(line, "host", 4) == 0)
			host++;
	}
	/* RFC 9112 3.2: exactly one Host in HTTP/1.1. */
	if (http11 ? host != 1 : host > 1)
		return HTTP_BAD_REQUEST;

	if ((size_t)(sp1 - p) != 3 || memcmp(p, "GET", 3) != 0)
		return HTTP_BAD_METHOD;
	/* RFC 9112 3.2.2: the absolute form, as a proxy would send it. */
	if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
		const char *slash = memchr(target + 7, '/', tlen - 7);

		if (slash == NULL)
			return HTTP_NOT_FOUND;
		tlen -= (size_t)(slash - target);
		target = slash;
	}
	if (target[0] != '/')
		return HTTP_BAD_REQUEST;
	path_end = memchr(target, '?', tlen);
	if (path_end != NULL)
		tlen = (size_t)(path_end - target);
	if (tlen == 8 && memcmp(target, "/metrics", 8) == 0)
		return HTTP_METRICS;
	return HTTP_NOT_FOUND;
}

static ssize_t
to_zs(int fd, char *p, size_t n, void *ctx)
{
	(void)fd;
	return zs_catb(ctx, p, n) ? (ssize_t)n : -1;
}

/* The Prometheus text into body: 1, or 0 (warned). */
static int
metrics(const char *queuedir, struct zs *body)
{
	char space[BUF_SIZE];
	struct queue q;
	struct buf b;
	int r;

	if (!queue_open(&q, queuedir)) {
		warn_sys("unable to open queue ", queuedir);
		return 0;
	}
	buf_init(&b, to_zs, -1, body, space, sizeof space);
	r = export_prometheus(&q, &b);
	queue_close(&q);
	return r == EXIT_OK && buf_flush(&b);
}

static void
answer(struct buf *o, unsigned code, const char *reason, const char *extra,
    const char *type, const char *body, size_t len)
{
	char num[FMT_ULONG + 1];

	num[fmt_ulong(num, code)] = '\0';
	buf_puts(o, "HTTP/1.1 ");
	buf_puts(o, num);
	buf_puts(o, " ");
	buf_puts(o, reason);
	buf_puts(o, "\r\nContent-Type: ");
	buf_puts(o, type);
	num[fmt_ulong(num, len)] = '\0';
	buf_puts(o, "\r\nContent-Length: ");
	buf_puts(o, num);
	buf_puts(o, "\r\nConnection: close\r\n");
	buf_puts(o, extra);
	buf_puts(o, "\r\n");
	buf_put(o, body, len);
}

static void
answer_text(struct buf *o, unsigned code, const char *reason,
    const char *extra)
{
	struct zs t = ZS_INIT;

	if (zs_cats(&t, reason) && zs_catc(&t, '\n'))
		answer(o, code, reason, extra, "text/plain; charset=utf-8",
		    t.s, t.len);
	zs_free(&t);
}

int
http_serve(const char *queuedir, int fd, struct buf *o)
{
	static char req[HTTP_REQUEST_MAX];
	struct timeoutio tio = { .seconds = HTTP_TIMEOUT };
	enum http_verdict v = HTTP_INCOMPLETE;
	struct zs body = ZS_INIT;
	size_t n = 0;

	time_t end = time(NULL) + HTTP_TIMEOUT;

	/* One deadline for the whole head: a trickle cannot hold us. */
	while (v == HTTP_INCOMPLETE) {
		time_t now = time(NULL);
		ssize_t r;

		if (now >= end) {
			errno = ETIMEDOUT;
			r = -1;
		} else {
			tio.seconds = (unsigned)(end - now);
			r = timeoutio_read(fd, req + n, sizeof req - n, &tio);
		}
		if (r == -1) {
			warn_sys("unable to read the request");
			return EXIT_TEMP;
		}
		if (r == 0) {
			/* A bare connect, as a port check makes: no answer. */
			if (n == 0)
				return EXIT_OK;
			v = HTTP_BAD_REQUEST;
			break;
		}
		n += (size_t)r;
		v = http_judge(req, n);
	}
	switch (v) {
	case HTTP_METRICS:
		if (metrics(queuedir, &body))
			answer(o, 200, "OK", "",
			    "text/plain; version=0.0.4; charset=utf-8",
			    body.s, body.len);
		else
			answer_text(o, 503, "Service Unavailable", "");
		break;
	case HTTP_NOT_FOUND:
		answer_text(o, 404, "Not Found", "");
		break;
	case HTTP_BAD_METHOD:
		answer_text(o, 405, "Method Not Allowed", "Allow: GET\r\n");
		break;
	case HTTP_TOO_LARGE:
		answer_text(o, 431, "Request Header Fields Too Large", "");
		break;
	case HTTP_BAD_REQUEST:
	case HTTP_INCOMPLETE:
		answer_text(o, 400, "Bad Request", "");
		break;
	}
	zs_free(&body);
	return EXIT_OK;
}
