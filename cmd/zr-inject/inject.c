/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "control.h"
#include "die.h"
#include "fmt.h"
#include "hdrqual.h"
#include "headers.h"
#include "hops.h"
#include "inject.h"
#include "prio.h"
#include "proc.h"
#include "priorules.h"
#include "queue.h"
#include "qwrite.h"
#include "scan.h"
#include "utf8.h"
#include "xtext.h"

/* control/databytes when missing: the same as zr-smtpd's. */
#define DATABYTES_DEFAULT 10485760ULL
/* A header section beyond this is not mail a script meant to send. */
#define HEADER_SECTION_MAX (1u << 20)
/* Body lines are copied in pieces; no line is ever held whole. */
#define BODY_PIECE 65536

struct inject {
	struct inject_conf *conf;
	struct queue q;
	struct envelope env;
	struct headers hdr;
	struct zs me;			/* control/me */
	struct zs defaultdomain;	/* qualifies bare names; NUL-ended */
	struct zs fullname;		/* from GECOS, for a From: we write */
	struct zs rcpts;		/* NUL-separated, qualified */
	size_t nrcpts;
	struct zs firstbody;		/* a body line read while in headers */
	int input_done;			/* the "." line or EOF was seen */
	unsigned long long databytes;
	unsigned long maxhops;		/* control/maxhops */
	struct priorules rules;		/* control/priorityrules */
	int utf8;			/* a UTF-8 address: needs SMTPUTF8 */
	char id[QUEUE_ID_SIZE];
};

static int
fail(int code, const char *what, const char *detail)
{
	if (detail != NULL)
		warn_x_("fatal", what, detail, (const char *)0);
	else
		warn_x_("fatal", what, (const char *)0);
	return code;
}

static int
fail_sys(int code, const char *what, const char *detail)
{
	warn_sys_("fatal", what, detail != NULL ? detail : "", (const char *)0);
	return code;
}

/* sysexits for a queue problem, by what the system said. */
static int
queue_exit(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case ENOENT:
	case ENOTDIR:
	case EROFS:
		return EX_CANTCREAT;
	case EIO:
		return EX_IOERR;
	default:
		return EX_TEMPFAIL;
	}
}

/* Qualify a bare name with defaultdomain, validate, and append to out. */
static int
take_addr(struct inject *in, const char *a, size_t n, struct zs *out)
{
	size_t start = out->len, route;
	int bad;

	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a++;
		n -= 2;
	}
	/* An obsolete source route is dropped (RFC 5321 4.1.2 and C). */
	route = addr_route_len(a, n, &bad);
	a += route;
	n -= route;
	if (!zs_catb(out, a, n))
		return EX_TEMPFAIL;
	if (addr_at(a, n) == n &&
	    (!zs_catc(out, '@') || !zs_cat(out, &in->defaultdomain)))
		return EX_TEMPFAIL;
	/* RFC 6531 3.3: UTF-8 is taken, well-formed, and then needs it. */
	if (!utf8_ascii(out->s + start, out->len - start) &&
	    addr_valid_utf8(out->s + start, out->len - start)) {
		in->utf8 = 1;
		return EX_OK;
	}
	if (!addr_valid(out->s + start, out->len - start)) {
		if (!zs_0(out))
			return EX_TEMPFAIL;
		return fail(EX_USAGE, "bad address: ", out->s + start);
	}
	return EX_OK;
}

static int
add_rcpt(struct inject *in, const char *a, size_t n)
{
	struct zs one = ZS_INIT;
	size_t i;
	int r = take_addr(in, a, n, &one);

	if (r != EX_OK)
		goto out;
	r = EX_TEMPFAIL;
	if (!zs_0(&one))
		goto out;
	/* The same address twice is delivered once. */
	for (i = 0; i < in->rcpts.len; i += strlen(in->rcpts.s + i) + 1)
		if (strcasecmp(in->rcpts.s + i, one.s) == 0) {
			r = EX_OK;
			goto out;
		}
	if (!zs_catb(&in->rcpts, one.s, one.len + 1))
		goto out;
	in->nrcpts++;
	r = EX_OK;
out:
	zs_free(&one);
	return r;
}

static int
read_controls(struct inject *in)
{
	char host[256];
	struct zs err = ZS_INIT;
	int r;

	r = control_readline("me", &in->me);
	if (r == -1)
		return fail_sys(EX_TEMPFAIL, "unable to read control/me in ",
		    control_dir());
	if (r == 0) {
		if (gethostname(host, sizeof host) == -1)
			return fail_sys(EX_TEMPFAIL, "unable to find the host name",
			    NULL);
		host[sizeof host - 1] = '\0';
		if (!zs_copys(&in->me, host))
			return EX_TEMPFAIL;
	}
	/* defaulthost is the older name, still read when it is alone. */
	r = control_readline("defaultdomain", &in->defaultdomain);
	if (r == 0)
		r = control_readline("defaulthost", &in->defaultdomain);
	if (r == -1)
		return fail_sys(EX_TEMPFAIL,
		    "unable to read control/defaultdomain in ", control_dir());
	if ((r == 0 && !zs_copyb(&in->defaultdomain, in->me.s, in->me.len)) ||
	    !zs_0(&in->defaultdomain))
		return EX_TEMPFAIL;
	if (control_readulong("databytes", &in->databytes, DATABYTES_DEFAULT) == -1)
		return fail_sys(EX_TEMPFAIL,
		    "unable to read control/databytes in ", control_dir());
	if (!hops_limit(&in->maxhops))
		return fail_sys(EX_TEMPFAIL,
		    "unable to read control/maxhops in ", control_dir());
	if (!priorules_load(&in->rules, &err)) {
		/* The message is not lost: the caller tries again later. */
		r = errno == EINVAL ?
		    fail(EX_TEMPFAIL, "bad control/", err.len ? err.s : "") :
		    fail_sys(EX_TEMPFAIL,
		    "unable to read control/priorityrules in ", control_dir());
		zs_free(&err);
		return r;
	}
	return EX_OK;
}

/*
 * Read one input line into line, ending in a lone LF whatever the input
 * used. Returns 1, 0 at EOF with nothing read, or an EX_* code (negated).
 */
static int
read_line(struct buf *in, struct zs *line, size_t max)
{
	int r;

	line->len = 0;
	r = buf_getline(in, line, '\n', max);
	if (r == -1)
		return errno == E2BIG ? -EX_DATAERR : -EX_IOERR;
	if (r == 0 && line->len == 0)
		return 0;
	if (r == 0 && !zs_catc(line, '\n'))
		return -EX_TEMPFAIL;
	if (line->len >= 2 && line->s[line->len - 2] == '\r') {
		line->s[line->len - 2] = '\n';
		line->len--;
	}
	if (memchr(line->s, '\0', line->len) != NULL)
		return -EX_DATAERR;
	return 1;
}

static int
read_headers(struct inject *in, struct buf *b)
{
	struct zs line = ZS_INIT;
	int r, code = EX_OK;

	for (;;) {
		r = read_line(b, &line, HEADER_SECTION_MAX);
		if (r < 0) {
			code = -r;
			break;
		}
		if (r == 0 || (in->conf->dot_ends && line.len == 2 &&
		    line.s[0] == '.')) {
			in->input_done = 1;
			break;
		}
		if (line.len == 1)
			break;	/* the blank line: the body follows */
		if ((line.s[0] == ' ' || line.s[0] == '\t') && in->hdr.n > 0) {
			if (!headers_add(&in->hdr, line.s, line.len, 1))
				code = EX_TEMPFAIL;
		} else if (headers_is_field(line.s, line.len)) {
			if (!headers_add(&in->hdr, line.s, line.len, 0))
				code = EX_TEMPFAIL;
		} else {
			/* No blank line before the body: keep this line for it. */
			if (!zs_copyb(&in->firstbody, line.s, line.len))
				code = EX_TEMPFAIL;
			break;
		}
		if (code != EX_OK)
			break;
		if (in->hdr.raw.len > HEADER_SECTION_MAX) {
			code = EX_DATAERR;
			break;
		}
	}
	zs_free(&line);
	if (code == EX_DATAERR)
		return fail(EX_DATAERR, "unacceptable message header: ",
		    "a line is too long, too large, or holds a NUL byte");
	if (code != EX_OK)
		return fail_sys(code, "unable to read the message", NULL);
	return EX_OK;
}

/*
 * A message that already went round more than maxhops times is in a loop:
 * a data error for the caller, never queued. zr-inject adds no trace
 * field, so the fields it was given are the count (lib/hops.h).
 */
static int
check_hops(const struct inject *in)
{
	char n[FMT_ULONG], max[FMT_ULONG];
	struct hops h;

	hops_init(&h);
	(void)hops_feed(&h, in->hdr.raw.s, in->hdr.raw.len);
	if (!hops_over(hops_count(&h), 0, in->maxhops))
		return EX_OK;
	n[fmt_ulong(n, hops_count(&h))] = '\0';
	max[fmt_ulong(max, in->maxhops)] = '\0';
	warn_x_("fatal", "unacceptable message: mail loop: ", n,
	    " Received/Delivered-To fields, more than control/maxhops (", max,
	    ")", (const char *)0);
	return EX_DATAERR;
}

/* Whether the header has Resent- fields: the message is being resent. */
static bool
resent(const struct headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->f[i].namelen > 7 &&
		    strncasecmp(h->raw.s + h->f[i].off, "Resent-", 7) == 0)
			return true;
	return false;
}

/*
 * -t: the recipients of the header; of a resent message those of its
 * Resent- fields, as sendmail does (RFC 5322 3.6.6: the others name the
 * first sending's recipients).
 */
static int
header_rcpts(struct inject *in)
{
	static const char *const names[] = { "To", "Cc", "Bcc" };
	static const char *const rnames[] = { "Resent-To", "Resent-Cc",
	    "Resent-Bcc" };
	const char *const *use = resent(&in->hdr) ? rnames : names;
	struct zs value = ZS_INIT, list = ZS_INIT;
	size_t k;
	int r = EX_OK;

	for (k = 0; k < 3 && r == EX_OK; k++) {
		long i = -1;

		while (r == EX_OK &&
		    (i = headers_find(&in->hdr, use[k], (size_t)(i + 1))) >= 0) {
			size_t count = 0, j;

			list.len = 0;
			if (!headers_value(&in->hdr, (size_t)i, &value)) {
				r = EX_TEMPFAIL;
				break;
			}
			if (!headers_addresses(value.s, value.len, &list,
			    &count)) {
				r = fail(EX_DATAERR, "unreadable address list: ",
				    value.s);
				break;
			}
			for (j = 0; j < list.len && r == EX_OK;
			    j += strlen(list.s + j) + 1)
				r = add_rcpt(in, list.s + j, strlen(list.s + j));
		}
	}
	zs_free(&value);
	zs_free(&list);
	return r;
}

/*
 * control/priorityrules first (the operator's word), then -p, then the
 * X-Priority or Priority header field (lib/prio). A local submission has
 * no client address and no AUTH user: only sender and rcpt rules apply.
 */
static void
header_prio(struct inject *in)
{
	enum queue_prio p;

	if (priorules_match(&in->rules, &in->env, NULL, NULL, &p))
		in->env.prio = p;
	else if (in->conf->prio_set)
		in->env.prio = in->conf->prio;
	else if (prio_headers(in->hdr.raw.s, in->hdr.raw.len, &p))
		in->env.prio = p;
}

/*
 * The full name of a passwd entry: the GECOS field up to its first comma,
 * each '&' standing for the login name with a capital (sendmail's rule).
 * Empty when there is none. 1, or 0 (ENOMEM).
 */
static int
gecos_name(const struct passwd *pw, struct zs *out)
{
	const char *g = pw->pw_gecos != NULL ? pw->pw_gecos : "";
	size_t i, n = strcspn(g, ",");

	out->len = 0;
	for (i = 0; i < n; i++) {
		if (g[i] != '&') {
			if (!zs_catc(out, g[i]))
				return 0;
			continue;
		}
		if (pw->pw_name[0] != '\0' &&
		    (!zs_catc(out, (char)(pw->pw_name[0] >= 'a' &&
		    pw->pw_name[0] <= 'z' ? pw->pw_name[0] - 32 :
		    pw->pw_name[0])) || !zs_cats(out, pw->pw_name + 1)))
			return 0;
	}
	return zs_0(out);
}

/*
 * Addresses without a domain in From, Sender, Reply-To, To, Cc (and
 * Resent- ones) get defaultdomain, as the envelope's do: a message that
 * leaves with "From: root" is unanswerable and junked (lib/hdrqual).
 */
static int
qualify_header(struct inject *in)
{
	struct zs q = ZS_INIT;
	struct headers h;
	size_t i;
	int ok;

	memset(&h, 0, sizeof h);
	ok = hdrqual_section(in->hdr.raw.s, in->hdr.raw.len,
	    in->defaultdomain.s, &q);
	/* The same fields again, from the qualified bytes. */
	for (i = 0; ok && i < q.len;) {
		const char *nl = memchr(q.s + i, '\n', q.len - i);
		size_t end = nl != NULL ? (size_t)(nl - q.s) + 1 : q.len;

		ok = headers_add(&h, q.s + i, end - i,
		    q.s[i] == ' ' || q.s[i] == '\t');
		i = end;
	}
	zs_free(&q);
	if (!ok) {
		headers_free(&h);
		return fail_sys(EX_TEMPFAIL, "unable to read the message",
		    NULL);
	}
	headers_free(&in->hdr);
	in->hdr = h;
	return EX_OK;
}

static int
make_envelope(struct inject *in)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : "unknown";
	struct zs sender = ZS_INIT;
	int r = EX_TEMPFAIL;
	size_t i;

	if (in->conf->sender != NULL) {
		const char *s = in->conf->sender;

		if (strcmp(s, "") == 0 || strcmp(s, "<>") == 0) {
			if (!zs_0(&sender))
				goto out;
		} else {
			r = take_addr(in, s, strlen(s), &sender);
			if (r != EX_OK)
				goto out;
			r = EX_TEMPFAIL;
		}
	} else {
		r = take_addr(in, user, strlen(user), &sender);
		if (r != EX_OK)
			goto out;
		r = EX_TEMPFAIL;
	}
	/* As sendmail: the user's own From gets the passwd full name. */
	if (in->conf->sender == NULL && pw != NULL &&
	    !gecos_name(pw, &in->fullname))
		goto out;
	if (!zs_0(&sender) || !envelope_set(&in->env.sender, sender.s) ||
	    !envelope_set(&in->env.proto, "local") ||
	    !envelope_set(&in->env.client, "local") ||
	    !envelope_set(&in->env.user, user))
		goto out;
	in->env.arrival = (long long)time(NULL);
	in->env.ret = in->conf->ret;
	/*
	 * A UTF-8 address, or a header in UTF-8, goes on only with SMTPUTF8
	 * (RFC 6532 3); other 8-bit header text is an old charset, as before.
	 */
	in->env.smtputf8 = in->utf8 ||
	    (!utf8_ascii(in->hdr.raw.s, in->hdr.raw.len) &&
	    utf8_valid(in->hdr.raw.s, in->hdr.raw.len));
	if (in->conf->envid != NULL) {
		struct zs x = ZS_INIT;
		int ok = xtext_encode(in->conf->envid, strlen(in->conf->envid),
		    &x) && zs_0(&x) && envelope_set(&in->env.envid, x.s);

		zs_free(&x);
		if (!ok)
			goto out;
	}
	for (i = 0; i < in->rcpts.len; i += strlen(in->rcpts.s + i) + 1) {
		const char *a = in->rcpts.s + i;
		struct zs orcpt = ZS_INIT;
		int ok = 1;

		/* With DSN asked for, keep the original address (RFC 3461 4.2). */
		if (in->conf->notify != 0 || in->conf->ret != RET_UNSET)
			ok = zs_cats(&orcpt, "rfc822;") &&
			    xtext_encode(a, strlen(a), &orcpt) && zs_0(&orcpt);
		ok = ok && envelope_add_rcpt(&in->env, a,
		    orcpt.len ? orcpt.s : NULL, in->conf->notify);
		zs_free(&orcpt);
		if (!ok)
			goto out;
	}
	header_prio(in);
	r = EX_OK;
out:
	zs_free(&sender);
	return r;
}

/* A display name, quoted when it holds anything but atext and blanks. */
static int
cat_phrase(struct zs *out, const char *name)
{
	size_t i, n = strlen(name);
	int plain = 1;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 32 || c == 127)
			return 1;	/* never put control bytes in a header */
		if (!(c == ' ' || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= 128) || strchr("!#$%&'*+-/=?^_`{|}~", c)))
			plain = 0;
	}
	if (plain)
		return zs_cats(out, name) && zs_catc(out, ' ');
	if (!zs_catc(out, '"'))
		return 0;
	for (i = 0; i < n; i++)
		if (((name[i] == '"' || name[i] == '\\') && !zs_catc(out, '\\')) ||
		    !zs_catc(out, name[i]))
			return 0;
	return zs_cats(out, "\" ");
}

/* The header as queued: Bcc, Resent-Bcc removed, missing fields added. */
static int
build_header(struct inject *in, struct zs *out)
{
	char date[64];
	struct tm tm;
	time_t now = (time_t)in->env.arrival;
	size_t i;

	for (i = 0; i < in->hdr.n; i++) {
		const struct hdr_field *f = &in->hdr.f[i];

		if ((f->namelen == 3 &&
		    strncasecmp(in->hdr.raw.s + f->off, "Bcc", 3) == 0) ||
		    (f->namelen == 10 &&
		    strncasecmp(in->hdr.raw.s + f->off, "Resent-Bcc", 10) == 0))
			continue;
		if (!zs_catb(out, in->hdr.raw.s + f->off, f->len))
			return 0;
	}
	if (headers_find(&in->hdr, "Date", 0) < 0) {
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z",
		    &tm) == 0)
			return 0;
		if (!zs_cats(out, "Date: ") || !zs_cats(out, date) ||
		    !zs_catc(out, '\n'))
			return 0;
	}
	if (headers_find(&in->hdr, "Message-ID", 0) < 0 &&
	    (!zs_cats(out, "Message-ID: <") || !zs_cats(out, in->id) ||
	    !zs_catc(out, '@') || !zs_cat(out, &in->me) ||
	    !zs_cats(out, ">\n")))
		return 0;
	if (headers_find(&in->hdr, "From", 0) < 0) {
		const char *from = in->env.sender;
		struct zs fallback = ZS_INIT;
		int ok;

		/* A null sender still needs a From: the submitting user. */
		if (*from == '\0') {
			if (!zs_cats(&fallback, in->env.user) ||
			    !zs_catc(&fallback, '@') ||
			    !zs_cat(&fallback, &in->defaultdomain) ||
			    !zs_0(&fallback))
				return 0;
			from = fallback.s;
		}
		ok = zs_cats(out, "From: ") &&
		    (in->conf->fullname != NULL ?
		    cat_phrase(out, in->conf->fullname) :
		    in->fullname.len == 0 || cat_phrase(out, in->fullname.s)) &&
		    zs_catc(out, '<') && zs_cats(out, from) &&
		    zs_cats(out, ">\n");
		zs_free(&fallback);
		if (!ok)
			return 0;
	}
	return zs_catc(out, '\n');
}

/* Copy the rest of standard input into the message, line by line. */
static int
copy_body(struct inject *in, struct buf *b, struct qwrite *out,
    unsigned long long *size)
{
	struct zs line = ZS_INIT;
	int r, code = EX_OK, at_start = 1, write_err = 0;

	if (in->firstbody.len > 0) {
		if (!qwrite_put(out, in->firstbody.s, in->firstbody.len))
			write_err = errno;
		*size += in->firstbody.len;
	}
	while (code == EX_OK && write_err == 0 && !in->input_done) {
		line.len = 0;
		r = buf_getline(b, &line, '\n', BODY_PIECE);
		if (r == -1 && errno != E2BIG) {
			code = EX_IOERR;
			break;
		}
		if (r == 0 && line.len == 0)
			break;
		if (r == 0 && !zs_catc(&line, '\n')) {
			code = EX_TEMPFAIL;
			break;
		}
		/* A long line comes in pieces; only a line start can be ".". */
		if (at_start && in->conf->dot_ends &&
		    ((line.len == 2 && memcmp(line.s, ".\n", 2) == 0) ||
		    (line.len == 3 && memcmp(line.s, ".\r\n", 3) == 0)))
			break;
		at_start = line.len > 0 && line.s[line.len - 1] == '\n';
		if (line.len >= 2 && line.s[line.len - 1] == '\n' &&
		    line.s[line.len - 2] == '\r') {
			line.s[line.len - 2] = '\n';
			line.len--;
		}
		if (memchr(line.s, '\0', line.len) != NULL) {
			code = EX_DATAERR;
			break;
		}
		*size += line.len;
		if (in->databytes > 0 && *size > in->databytes) {
			zs_free(&line);
			return fail(EX_DATAERR, "message is larger than ",
			    "control/databytes allows");
		}
		if (!qwrite_put(out, line.s, line.len))
			write_err = errno;
	}
	zs_free(&line);
	if (write_err != 0) {
		errno = write_err;
		return fail_sys(queue_exit(errno), "unable to write to queue ",
		    in->conf->queuedir);
	}
	if (code == EX_DATAERR)
		return fail(EX_DATAERR, "unacceptable message: ",
		    "it holds a NUL byte");
	if (code != EX_OK)
		return fail_sys(code, "unable to read the message", NULL);
	return EX_OK;
}

/*
 * Run by root, give the new file to the queue's owner: zr-send runs as that
 * user and could not open a file that root kept (mode 0640, root's group).
 * Set-id or run by anyone else, the file is the caller's already, and the
 * queue's group, which the set-group-id install provides, lets zr-send in.
 */
static int
give_to_queue(struct inject *in, int fd)
{
	struct stat st;

	if (geteuid() != 0)
		return 1;
	if (fstat(in->q.rootfd, &st) == -1)
		return 0;
	return fchown(fd, st.st_uid, st.st_gid) == 0;
}

static int
queue_message(struct inject *in, struct buf *b)
{
	struct zs head = ZS_INIT;
	struct qwrite w;
	unsigned long long size;
	int code;

	if (!queue_open(&in->q, in->conf->queuedir))
		return fail_sys(queue_exit(errno), "unable to open queue ",
		    in->conf->queuedir);
	if (!qwrite_open(&w, &in->q, NULL)) {
		code = queue_exit(errno);
		return fail_sys(code, "unable to create a file in ",
		    in->conf->queuedir);
	}
	memcpy(in->id, w.id, sizeof in->id);
	die_set_id(in->id);
	if (!give_to_queue(in, w.fd)) {
		code = fail_sys(EX_TEMPFAIL, "unable to give the file to the "
		    "owner of ", in->conf->queuedir);
		goto abort;
	}
	if (!qwrite_envelope(&w, &in->env) || !build_header(in, &head)) {
		code = errno == EINVAL ?
		    fail(EX_DATAERR, "unacceptable envelope value", NULL) :
		    errno == ENOMEM ?
		    fail_sys(EX_TEMPFAIL, "unable to build the envelope", NULL) :
		    fail_sys(queue_exit(errno), "unable to write to ",
		    in->conf->queuedir);
		goto abort;
	}
	if (!qwrite_put(&w, head.s, head.len)) {
		code = fail_sys(queue_exit(errno), "unable to write to ",
		    in->conf->queuedir);
		goto abort;
	}
	size = 0;
	code = copy_body(in, b, &w, &size);
	if (code != EX_OK)
		goto abort;
	if (!qwrite_flush(&w)) {
		code = fail_sys(queue_exit(errno), "unable to write to ",
		    in->conf->queuedir);
		goto abort;
	}
	zs_free(&head);
	/* A local submitter's mail is ours to sign (qwrite's seal). */
	w.sign = 1;
	if (!qwrite_commit(&w, in->env.prio))
		return fail_sys(queue_exit(errno), "unable to commit to ",
		    in->conf->queuedir);
	return EX_OK;
abort:
	zs_free(&head);
	qwrite_abort(&w);
	return code;
}

/* zr-smtpd's SMTPD_LOCAL_ENV (cmd/zr-smtpd/smtpd.h). */
#define INJECT_SMTPD_LOCAL "ZR_SMTPD_LOCAL=1"

/*
 * -bs: SMTP on standard input and output, by the sibling zr-smtpd, for
 * the local user: a relay client, as a local user may send anywhere
 * through sendmail already. Its environment is made here, not passed on,
 * so a set-id zr-inject lets the caller choose nothing (no DATABYTES, no
 * queue); run by root, zr-smtpd runs as the queue's owner.
 */
static int
exec_smtpd(const struct inject_conf *c)
{
	char path[4200];
	char *argv[] = { "zr-smtpd", NULL };
	char *envp[8];
	struct zs q = ZS_INIT, ctl = ZS_INIT, uid = ZS_INIT, gid = ZS_INIT;
	size_t k = 0;
	struct stat st;
	const char *v;

	envp[k++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	envp[k++] = "TCPREMOTEIP=127.0.0.1";
	envp[k++] = INJECT_SMTPD_LOCAL;
	if (c->trusted_env && (v = getenv("ZR_QUEUE")) != NULL &&
	    zs_cats(&q, "ZR_QUEUE=") && zs_cats(&q, v) && zs_0(&q))
		envp[k++] = q.s;
	if (c->trusted_env && (v = getenv("ZR_CONTROL")) != NULL &&
	    zs_cats(&ctl, "ZR_CONTROL=") && zs_cats(&ctl, v) && zs_0(&ctl))
		envp[k++] = ctl.s;
	if (geteuid() == 0) {
		if (stat(c->queuedir, &st) == -1)
			return fail_sys(queue_exit(errno), "unable to find queue ",
			    c->queuedir);
		if (!zs_cats(&uid, "UID=") ||
		    !zs_catulong(&uid, (unsigned long long)st.st_uid) ||
		    !zs_0(&uid) || !zs_cats(&gid, "GID=") ||
		    !zs_catulong(&gid, (unsigned long long)st.st_gid) ||
		    !zs_0(&gid))
			return fail_sys(EX_TEMPFAIL, "out of memory", NULL);
		envp[k++] = uid.s;
		envp[k++] = gid.s;
	}
	envp[k] = NULL;
	/* zr-smtpd logs on standard error: a mail program's screen, not. */
	if (!c->verbose) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd != -1 && fd != 2) {
			(void)dup2(fd, 2);
			close(fd);
		}
	}
	if (proc_sibling("zr-smtpd", path, sizeof path))
		execve(path, argv, envp);
	return fail_sys(EX_UNAVAILABLE, "unable to run zr-smtpd", NULL);
}

static int
exec_qstat(void)
{
	char path[4200];
	char *argv[] = { "zr-qstat", "-p", NULL };

	if (proc_sibling("zr-qstat", path, sizeof path))
		execv(path, argv);
	execvp("zr-qstat", argv);
	return fail_sys(EX_UNAVAILABLE, "unable to run zr-qstat", NULL);
}

int
inject_run(struct inject_conf *c)
{
	char space[BUF_SIZE];
	struct inject in;
	struct buf b;
	int code, i;

	c->queuedir = queue_default();
	switch (c->mode) {
	case MODE_ALIASES:
		return EX_OK;	/* no alias database: nothing to rebuild */
	case MODE_LIST:
		return exec_qstat();
	case MODE_FLUSH:
		if (!queue_open(&in.q, c->queuedir))
			return fail_sys(queue_exit(errno), "unable to open queue ",
			    c->queuedir);
		queue_trigger(&in.q);
		queue_close(&in.q);
		return EX_OK;
	case MODE_SMTP:
		return exec_smtpd(c);
	case MODE_NOTHING:
		return EX_OK;
	case MODE_SEND:
		break;
	}
	memset(&in, 0, sizeof in);
	in.conf = c;
	in.q.rootfd = -1;
	envelope_init(&in.env);
	buf_init(&b, buf_read, 0, NULL, space, sizeof space);

	code = read_controls(&in);
	for (i = 0; code == EX_OK && i < c->nrcpts; i++)
		code = add_rcpt(&in, c->rcpts[i], strlen(c->rcpts[i]));
	if (code == EX_OK)
		code = read_headers(&in, &b);
	if (code == EX_OK)
		code = check_hops(&in);
	if (code == EX_OK && c->from_headers)
		code = header_rcpts(&in);
	if (code == EX_OK)
		code = qualify_header(&in);
	if (code == EX_OK && in.nrcpts == 0)
		code = fail(EX_USAGE, "no recipients", NULL);
	if (code == EX_OK)
		code = make_envelope(&in);
	if (code == EX_OK)
		code = queue_message(&in, &b);
	if (code == EX_OK && c->verbose) {
		struct buf o;
		char ospace[64];

		buf_init(&o, buf_write, 1, NULL, ospace, sizeof ospace);
		if (!buf_puts(&o, in.id) || !buf_puts(&o, "\n") ||
		    !buf_flush(&o))
			code = EX_IOERR;
	}
	if (in.q.root != NULL)
		queue_close(&in.q);
	envelope_free(&in.env);
	headers_free(&in.hdr);
	priorules_free(&in.rules);
	zs_free(&in.me);
	zs_free(&in.defaultdomain);
	zs_free(&in.fullname);
	zs_free(&in.rcpts);
	zs_free(&in.firstbody);
	return code;
}
