/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "grow.h"
#include "job.h"
#include "scan.h"

void
job_req_free(struct job_req *j)
{
	zs_free(&j->hostlines);
	free(j->host);
	zs_free(&j->file);
	zs_free(&j->from);
	zs_free(&j->rcpts);
	zs_free(&j->bad);
	memset(j, 0, sizeof *j);
}

/* Only the first reason is kept: it is the one to fix. */
static int
job_bad(struct job_req *j, const char *why)
{
	return j->bad.len != 0 || zs_cats(&j->bad, why);
}

/* "<addr>" to addr and a NUL: 1, 0 when not bracketed or not clean, -1. */
static int
take_addr(const char *p, size_t n, struct zs *out)
{
	if (n < 2 || p[0] != '<' || p[n - 1] != '>' ||
	    !envelope_value_ok(p + 1, n - 2) || memchr(p + 1, '<', n - 2) ||
	    memchr(p + 1, '>', n - 2))
		return 0;
	return zs_catb(out, p + 1, n - 2) && zs_catc(out, '\0') ? 1 : -1;
}

static bool
has(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n > w && memcmp(p, word, w) == 0;
}

/* One non-empty line of a job, without its LF. 1, or 0 out of memory. */
static int
job_line(struct job_req *j, const char *p, size_t n)
{
	if (memchr(p, '\0', n) != NULL)
		return job_bad(j, "a NUL in a line");
	if (has(p, n, "host ")) {
		struct route_host *h;
		const char *what, *w;
		size_t wn;

		if (!grow(&j->host, &j->caphost, j->nhost + 1))
			return 0;
		h = j->host;
		if (!route_host_line(&h[j->nhost], p + 5, n - 5, &what, &w,
		    &wn))
			return job_bad(j, "bad host line");
		j->nhost++;
		return zs_catb(&j->hostlines, p + 5, n - 5) &&
		    zs_catc(&j->hostlines, '\0');
	}
	if (has(p, n, "file ")) {
		if (j->file.len != 0)
			return job_bad(j, "bad file line");
		return zs_catb(&j->file, p + 5, n - 5) && zs_0(&j->file);
	}
	if (has(p, n, "id ")) {
		if (n - 3 >= QUEUE_ID_SIZE || j->id[0] != '\0')
			return job_bad(j, "bad id line");
		memcpy(j->id, p + 3, n - 3);
		j->id[n - 3] = '\0';
		if (!queue_id_valid(j->id)) {
			j->id[0] = '\0';
			return job_bad(j, "bad id line");
		}
		return 1;
	}
	if (has(p, n, "delivery ")) {
		char d[FMT_ULONG];
		unsigned long long u;

		/* A copy: the line has no NUL for scan_ulong to stop at. */
		if (n - 9 >= sizeof d || j->delivery != 0)
			return job_bad(j, "bad delivery line");
		memcpy(d, p + 9, n - 9);
		d[n - 9] = '\0';
		if (!scan_ulong_all(d, &u) || u == 0)
			return job_bad(j, "bad delivery line");
		j->delivery = u;
		return 1;
	}
	if (has(p, n, "results ")) {
		if (n - 8 > QUEUE_JOURNAL_MAX || j->results[0] != '\0')
			return job_bad(j, "bad results line");
		memcpy(j->results, p + 8, n - 8);
		j->results[n - 8] = '\0';
		if (!queue_journal_name_ok(j->results)) {
			j->results[0] = '\0';
			return job_bad(j, "bad results line");
		}
		return 1;
	}
	if (has(p, n, "from ")) {
		int t = j->have_from ? 0 : take_addr(p + 5, n - 5, &j->from);

		if (t == -1)
			return 0;
		j->have_from = true;
		return t == 1 || job_bad(j, "bad from line");
	}
	if (has(p, n, "to ")) {
		size_t before = j->rcpts.len;
		int t = take_addr(p + 3, n - 3, &j->rcpts);

		if (t == -1)
			return 0;
		/* An empty address is the null sender's, never a recipient. */
		if (t == 0 || j->rcpts.len == before + 1) {
			j->rcpts.len = before;
			return job_bad(j, "bad to line");
		}
		j->nrcpt++;
		return 1;
	}
	return job_bad(j, "unknown line");
}

/* The end of a job: what is missing, and NULs where readers expect them. */
static int
job_end(struct job_req *j)
{
	if (j->file.len == 0 && !job_bad(j, "no file line"))
		return 0;
	if (((j->id[0] != '\0') != (j->delivery != 0) ||
	    (j->id[0] != '\0') != (j->results[0] != '\0')) &&
	    !job_bad(j, "id, delivery and results: all three or none"))
		return 0;
	return zs_0(&j->bad) && zs_0(&j->from) && zs_0(&j->file);
}

int
job_read(struct buf *in, struct job_req *j)
{
	struct zs line = ZS_INIT;
	int any = 0;

	memset(j, 0, sizeof *j);
	for (;;) {
		size_t n;
		int g;

		line.len = 0;
		g = buf_getline(in, &line, '\n', JOB_LINE_MAX);
		if (g == -1 && errno == E2BIG) {
			/* Skip the rest of the long line. */
			while ((g = buf_getline(in, &line, '\n',
			    JOB_LINE_MAX)) == -1 && errno == E2BIG)
				line.len = 0;
			if (!job_bad(j, "line too long"))
				goto fail;
			any = 1;
			if (g != 1)
				break;
			continue;
		}
		if (g == -1)
			goto fail;
		if (g == 0 && line.len == 0)
			break;
		n = line.len;
		if (n > 0 && line.s[n - 1] == '\n')
			n--;
		if (n == 0) {
			if (any)
				break;
			continue;	/* blank lines between jobs */
		}
		any = 1;
		if (!job_line(j, line.s, n))
			goto fail;
		if (g == 0)
			break;
	}
	zs_free(&line);
	if (!any)
		return 0;
	if (!job_end(j))
		goto fail;
	return 1;
fail:
	zs_free(&line);
	job_req_free(j);
	return -1;
}

int
job_readb(const char *p, size_t n, struct job_req *j, size_t *used)
{
	size_t off = 0;
	int any = 0;

	memset(j, 0, sizeof *j);
	while (off < n) {
		const char *nl = memchr(p + off, '\n', n - off);
		size_t len = nl != NULL ? (size_t)(nl - p - off) : n - off;

		off += len + (nl != NULL);
		if (len == 0) {
			if (any)
				break;
			continue;
		}
		any = 1;
		if (len > JOB_LINE_MAX ? !job_bad(j, "line too long") :
		    !job_line(j, p + off - len - (nl != NULL), len))
			goto fail;
	}
	*used = off;
	if (!any) {
		errno = EPROTO;
		goto fail;
	}
	if (!job_end(j))
		goto fail;
	return 1;
fail:
	job_req_free(j);
	return 0;
}

static int
cat_addr(struct zs *out, const char *word, const char *a)
{
	return zs_cats(out, word) && zs_cats(out, " <") && zs_cats(out, a) &&
	    zs_cats(out, ">\n");
}

int
job_write(const struct job_req *j, struct zs *out)
{
	const char *h = j->hostlines.s, *r = j->rcpts.s;
	size_t i;

	for (i = 0; i < j->nhost; i++, h += strlen(h) + 1)
		if (!zs_cats(out, "host ") || !zs_cats(out, h) ||
		    !zs_catc(out, '\n'))
			return 0;
	if (!zs_cats(out, "file ") || !zs_catb(out, j->file.s, j->file.len) ||
	    !zs_catc(out, '\n'))
		return 0;
	if (j->id[0] != '\0') {
		char d[FMT_ULONG];

		d[fmt_ulong(d, j->delivery)] = '\0';
		if (!zs_cats(out, "id ") || !zs_cats(out, j->id) ||
		    !zs_cats(out, "\ndelivery ") || !zs_cats(out, d) ||
		    !zs_cats(out, "\nresults ") || !zs_cats(out, j->results) ||
		    !zs_catc(out, '\n'))
			return 0;
	}
	if (j->have_from && !cat_addr(out, "from", j->from.s))
		return 0;
	for (i = 0; i < j->nrcpt; i++, r += strlen(r) + 1)
		if (!cat_addr(out, "to", r))
			return 0;
	return zs_catc(out, '\n');
}

int
job_rec(struct zs *out, enum job_letter l, const char *p, size_t n)
{
	size_t i, at = out->len;

	if (!zs_catc(out, (char)l) || !zs_catb(out, p, n) ||
	    !zs_catc(out, '\0'))
		return 0;
	/* Records end in NUL: a NUL inside (never expected) is cleaned away. */
	for (i = at + 1; i < at + 1 + n; i++)
		if (out->s[i] == '\0' || out->s[i] == '\n')
			out->s[i] = '?';
	return 1;
}

static bool
is_rcpt(char c)
{
	return c == JOB_RCPT_OK || c == JOB_RCPT_PERM || c == JOB_RCPT_TEMP;
}

static bool
is_msg(char c)
{
	return c == JOB_MSG_OK || c == JOB_MSG_TEMP || c == JOB_MSG_PERM;
}

long
job_report_len(const char *p, size_t n)
{
	const char *start = p, *end = p + n, *z;
	int k = 0;	/* records read */
	bool host = false;

	if (n == 0)
		return 0;
	if (p[0] != JOB_HOST)
		return -1;
	for (; p < end; p = z + 1, k++) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			break;
		if (k == 0) {
			host = z > p + 1;
			continue;
		}
		if (is_msg(*p))
			return z + 1 - start;
		/*
		 * T and N, facts of the connection, only right after H; after
		 * an empty H, T alone is the TLS policy of the last host tried.
		 */
		if ((*p == JOB_TLS && k == 1) ||
		    (*p == JOB_DSN && (k == 1 || k == 2) && host))
			continue;
		if (!is_rcpt(*p))
			return -1;
	}
	return n > JOB_REPORT_MAX ? -1 : 0;
}

int
job_report_complete(const char *p, size_t n)
{
	long l = job_report_len(p, n);

	if (l <= 0)
		return (int)l;
	return (size_t)l == n ? 1 : -1;
}

void
job_status(const char *t, char st[JOB_STATUS_MAX + 1])
{
	size_t i = 0, part, dots = 0;

	st[0] = '\0';
	/* After an SMTP reply code: "250 2.0.0 Ok", "451-4.3.0 ...". */
	if (t[0] >= '2' && t[0] <= '5' && t[1] >= '0' && t[1] <= '9' &&
	    t[2] >= '0' && t[2] <= '9' && (t[3] == ' ' || t[3] == '-'))
		t += 4;
	if (t[0] < '2' || t[0] > '5' || t[1] != '.')
		return;
	for (part = 0; i < JOB_STATUS_MAX && t[i] != '\0' && t[i] != ' ';
	    i++) {
		if (t[i] == '.') {
			if (part == 0 || ++dots > 2)
				return;
			part = 0;
		} else if (t[i] < '0' || t[i] > '9' || ++part > 3) {
			return;
		}
	}
	if (dots != 2 || part == 0 || (t[i] != '\0' && t[i] != ' '))
		return;
	memcpy(st, t, i);
	st[i] = '\0';
}

int
job_report_parse(const char *p, size_t n, struct job_report *r)
{
	const char *end = p + n;
	size_t max = 0;

	memset(r, 0, sizeof *r);
	if (job_report_complete(p, n) != 1) {
		errno = EPROTO;
		return 0;
	}
	for (const char *q = p; q < end; q += strlen(q) + 1)
		max++;
	r->rcpt = calloc(max, sizeof *r->rcpt);
	if (r->rcpt == NULL)
		return 0;
	r->host = p + 1;
	for (p += strlen(p) + 1; p < end; p += strlen(p) + 1) {
		if (*p == JOB_TLS) {
			r->tls = p + 1;
		} else if (*p == JOB_DSN) {
			r->dsn = true;
		} else if (is_rcpt(*p)) {
			r->rcpt[r->nrcpt].letter = (enum job_letter)*p;
			r->rcpt[r->nrcpt++].text = p + 1;
		} else {
			r->msg = (enum job_letter)*p;
			r->text = p + 1;
		}
	}
	job_status(r->text, r->status);
	return 1;
}

enum qstate_status
job_rcpt_status(const struct job_report *r, size_t i)
{
	enum job_letter l = i < r->nrcpt ? r->rcpt[i].letter : 0;
	enum zr_status ms = job_letter_status(r->msg);

	if (job_letter_status(l) == ZR_PERM ||
	    (l != JOB_RCPT_TEMP && ms == ZR_PERM))
		return RS_FAILED;
	if (l == JOB_RCPT_OK && ms == ZR_OK)
		return RS_DELIVERED;
	return RS_DEFERRED;
}

enum job_letter
job_rcpt_letter(enum zr_status s)
{
	return s == ZR_OK ? JOB_RCPT_OK : s == ZR_PERM ? JOB_RCPT_PERM :
	    JOB_RCPT_TEMP;
}

enum job_letter
job_msg_letter(enum zr_status s)
{
	return s == ZR_OK ? JOB_MSG_OK : s == ZR_PERM ? JOB_MSG_PERM :
	    JOB_MSG_TEMP;
}

enum zr_status
job_letter_status(enum job_letter l)
{
	switch (l) {
	case JOB_RCPT_OK:
	case JOB_MSG_OK:
		return ZR_OK;
	case JOB_RCPT_PERM:
	case JOB_MSG_PERM:
		return ZR_PERM;
	default:
		return ZR_TEMP;
	}
}

void
job_report_free(struct job_report *r)
{
	free(r->rcpt);
	memset(r, 0, sizeof *r);
}

int
job_report_send(struct queue *q, struct job_journal *jj,
    const struct job_req *j, const struct zs *rep, struct buf *out)
{
	if (j->results[0] != '\0' && j->bad.len == 0 &&
	    strcmp(jj->broken, j->results) != 0) {
		struct zs t = ZS_INIT;
		int ok;

		if (jj->fd != -1 && strcmp(jj->name, j->results) != 0)
			job_journal_close(jj);
		if (jj->fd == -1) {
			jj->fd = queue_journal_open(q, j->results);
			if (jj->fd == -1)
				goto broken;
			memcpy(jj->name, j->results, sizeof jj->name);
		}
		/*
		 * One write per record: with O_APPEND, a record is never
		 * interleaved, and only a crash of this process can cut one.
		 */
		ok = job_write(j, &t) && zs_catb(&t, rep->s, rep->len) &&
		    buf_write_all(jj->fd, t.s, t.len) &&
		    (jj->nosync || fdatasync(jj->fd) == 0);
		zs_free(&t);
		/* A torn record may end the journal; none may follow it. */
		if (!ok)
			goto broken;
	}
	return buf_put(out, rep->s, rep->len) && buf_flush(out);
broken:
	warn_sys("unable to record results in state/", j->results,
	    "; reporting without a record");
	job_journal_close(jj);
	memcpy(jj->broken, j->results, sizeof jj->broken);
	return buf_put(out, rep->s, rep->len) && buf_flush(out);
}

void
job_journal_close(struct job_journal *jj)
{
	if (jj->fd != -1)
		close(jj->fd);
	jj->fd = -1;
	jj->name[0] = '\0';
}

const char *
job_msgid(const struct job_req *j)
{
	const char *f = j->file.s != NULL ? j->file.s : "";
	const char *slash = strrchr(f, '/');

	return j->id[0] != '\0' ? j->id : slash != NULL ? slash + 1 : f;
}
