/* SPDX-License-Identifier: MIT */
/*
 * The message: DATA (RFC 5321 4.1.1.4) and BDAT (RFC 3030) into one queue
 * file through lib/qwrite, our Received: on top, the priority chosen from
 * what the start of the content says, and the one reply at its end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"
#include "fmt.h"
#include "hdrqual.h"
#include "hops.h"
#include "prio.h"
#include "qwrite.h"
#include "smtpd_bdat.h"
#include "smtpd_data.h"
#include "smtpd_int.h"
#include "utf8.h"

/* The queue file's buffer: a typical message goes out in one write. */
#define SMTPD_FILEBUF 16384
/*
 * The start of the content held in memory before the envelope is written,
 * so that its X-Priority or Priority field can set the priority the
 * envelope records. A field further down than this is not read.
 */
#define SMTPD_PRIO_HOLD 65536

/* The protocol name for Received: and the envelope (RFC 3848). */
static const char *
proto_name(const struct smtpd_session *s)
{
	if (!(s->flags & SESS_ESMTP))
		return "SMTP";
	switch (s->flags & (SESS_TLS | SESS_AUTH)) {
	case SESS_TLS:
		return "ESMTPS";
	case SESS_AUTH:
		return "ESMTPA";
	case SESS_TLS | SESS_AUTH:
		return "ESMTPSA";
	default:
		return "ESMTP";
	}
}

/* Received: (RFC 5321 4.4), the first line of the stored content. */
static int
received(struct smtpd_session *s, struct zs *out)
{
	char date[64];
	struct tm tm;
	time_t now = (time_t)s->env.arrival;
	size_t i;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) == 0)
		return 0;
	if (!zs_cats(out, "Received: from "))
		return 0;
	/* The HELO name is printable; keep it from closing the comment. */
	for (i = 0; i < s->helo.len; i++) {
		char c = s->helo.s[i];

		if (!zs_catc(out, c == '(' || c == ')' || c == '\\' ? '_' : c))
			return 0;
	}
	return zs_cats(out, " (") &&
	    (s->conf->remotehost == NULL ||
	    (zs_cats(out, s->conf->remotehost) && zs_catc(out, ' '))) &&
	    zs_catc(out, '[') && zs_cats(out, s->conf->client) &&
	    zs_cats(out, "])\n\tby ") && zs_cat(out, &s->conf->me) &&
	    (s->conf->localip == NULL ||
	    (zs_cats(out, " ([") && zs_cats(out, s->conf->localip) &&
	    zs_cats(out, "])"))) &&
	    zs_cats(out, " (zr-smtpd) with ") && zs_cats(out, s->env.proto) &&
	    zs_cats(out, " id ") && zs_cats(out, s->env.id) &&
	    zs_cats(out, ";\n\t") && zs_cats(out, date) && zs_catc(out, '\n');
}

static void
log_message(struct smtpd_session *s, const struct smtpd_data *d,
    const char *result, const char *id, const struct smtpd_replytab *r)
{
	struct zs to = ZS_INIT;
	char size[FMT_ULONG], code[FMT_ULONG];
	size_t i;
	int ok = 1;

	for (i = 0; ok && i < s->env.nrcpt; i++)
		ok = (i == 0 || zs_catc(&to, ',')) && zs_catc(&to, '<') &&
		    zs_cats(&to, s->env.rcpt[i].addr) && zs_catc(&to, '>');
	if (!ok || !zs_0(&to)) {
		zs_free(&to);
		return;
	}
	size[fmt_ulong(size, d->stored)] = '\0';
	if (r == NULL) {
		log_info("id=", id, " client=", s->conf->client, " helo=",
		    DIE_Q, s->helo.s, s->authuser.len ? " user=" : "",
		    s->authuser.len ? s->authuser.s : "", " from=<",
		    s->env.sender, "> to=", to.s, " size=", size,
		    " priority=", queue_prio_name(s->env.prio),
		    " result=", result);
	} else {
		size[fmt_ulong(size, d->size)] = '\0';
		code[fmt_ulong(code, (unsigned long long)r->code)] = '\0';
		log_info("client=", s->conf->client, " helo=", DIE_Q,
		    s->helo.s, " from=<", s->env.sender, "> to=", to.s,
		    " size=", size, " result=", result, " reject=", code,
		    " esc=", r->esc, " reason=", DIE_Q, r->text);
	}
	zs_free(&to);
}

/*
 * Whether the message has been passed on too often: our own Received: is
 * a hop too (counted as Postfix's hop_count_limit does), so a message that
 * came with maxhops trace fields already is refused.
 */
static bool
smtpd_looping(const struct smtpd_session *s, const struct smtpd_data *d)
{
	return s->conf->maxhops != 0 &&
	    hops_over(hops_count(&d->hops), 1, s->conf->maxhops);
}

/*
 * The priority of the message: the operator's control/priorityrules first;
 * then, from relay and authenticated clients only, MT-PRIORITY, then the
 * X-Priority or Priority field in the content held so far (p, n bytes);
 * normal otherwise. An outsider cannot queue ahead of anyone.
 */
static enum queue_prio
choose_prio(const struct smtpd_session *s, const char *p, size_t n,
    bool *by_mt)
{
	const struct smtpd_conf *c = s->conf;
	enum queue_prio prio;

	*by_mt = false;
	if (priorules_match(&c->prules, &s->env,
	    c->client_known ? c->clientaddr : NULL,
	    (s->flags & SESS_AUTH) ? s->authuser.s : NULL, &prio))
		return prio;
	if (!smtpd_may_relay(s))
		return PRIO_NORMAL;
	if (s->has_mtprio) {
		*by_mt = true;
		return prio_mt(s->mtprio);
	}
	if (prio_headers(p, n, &prio))
		return prio;
	return PRIO_NORMAL;
}

/*
 * The queue file's writer. The envelope records the priority, which the
 * header fields may set, so the start of the content is held (up to
 * SMTPD_PRIO_HOLD) and the envelope written when it is full or at the end
 * of data (release), then what was held; later content goes straight on.
 */
struct smtpd_hold {
	struct smtpd_session *s;
	struct qwrite *w;
	struct zs held;
	bool released;
	bool badutf8;		/* SMTPUTF8, and the header is not UTF-8 */
};

/*
 * RFC 6532 3: in an SMTPUTF8 message, header fields are UTF-8. The header
 * section held (through its blank line, or through the last whole line
 * when it is longer than what is held) must be well-formed.
 */
static bool
header_utf8_ok(const struct zs *held)
{
	size_t end, last = 0;

	for (end = 0; end < held->len; end++) {
		if (held->s[end] != '\n')
			continue;
		last = end + 1;
		if (end == 0 || held->s[end - 1] == '\n')
			break;
	}
	return utf8_valid(held->s, last);
}

/*
 * control/qualifyheaders, for relay and authenticated clients: addresses
 * without a domain in the header get defaultdomain (lib/hdrqual), as
 * zr-inject does for local programs. Only a header section that ends
 * within what was held is rewritten; a longer one is left as it came.
 */
static int
qualify(struct smtpd_hold *h)
{
	const char *p = h->held.s;
	size_t n = h->held.len, end;
	struct zs q = ZS_INIT;

	if (n == 0 || p[0] == '\n')
		return 1;
	for (end = 1; end < n && !(p[end] == '\n' && p[end - 1] == '\n');
	    end++)
		;
	if (end >= n)
		return 1;
	if (!hdrqual_section(p, end, h->s->conf->defaultdomain.s, &q) ||
	    !zs_catb(&q, p + end, n - end)) {
		zs_free(&q);
		return 0;
	}
	zs_free(&h->held);
	h->held = q;
	return 1;
}

/* The envelope, our Received:, what was held, and then p (n bytes). */
static int
release(struct smtpd_hold *h, const char *p, size_t n)
{
	struct smtpd_session *s = h->s;
	struct zs head = ZS_INIT;
	int ok;

	h->released = true;
	if (s->env.smtputf8 && !header_utf8_ok(&h->held))
		h->badutf8 = true;
	if (s->conf->qualifyheaders && smtpd_may_relay(s) && !qualify(h))
		return 0;
	s->env.prio = choose_prio(s, h->held.s, h->held.len,
	    &s->env.has_mtprio);
	/* RFC 6710 4.1: the value that decided is the one passed on. */
	s->env.mtprio = s->mtprio;
	ok = qwrite_envelope(h->w, &s->env) && received(s, &head) &&
	    qwrite_put(h->w, head.s, head.len) &&
	    qwrite_put(h->w, h->held.s, h->held.len) &&
	    qwrite_put(h->w, p, n);
	zs_free(&head);
	zs_free(&h->held);
	return ok;
}

static ssize_t
hold_write(int fd, char *p, size_t n, void *ctx)
{
	struct smtpd_hold *h = ctx;

	(void)fd;
	if (h->released)
		return qwrite_put(h->w, p, n) ? (ssize_t)n : -1;
	if (h->held.len + n <= SMTPD_PRIO_HOLD)
		return zs_catb(&h->held, p, n) ? (ssize_t)n : -1;
	return release(h, p, n) ? (ssize_t)n : -1;
}

/*
 * The message being received, from DATA's 354 or the first BDAT to the end
 * of data: its queue file, written through the hold, and the byte machine.
 */
struct smtpd_msg {
	struct smtpd_hold hold;
	struct smtpd_data d;
	struct buf file;
	struct qwrite w;
	char space[SMTPD_FILEBUF];
};

/* Drop the message being received, if any: its file is removed. */
void
smtpd_msg_drop(struct smtpd_session *s)
{
	struct smtpd_msg *m = s->msg;

	if (m == NULL)
		return;
	qwrite_abort(&m->w);
	zs_free(&m->hold.held);
	free(m);
	s->msg = NULL;
	s->rating = false;
	die_set_id(NULL);
}

/*
 * Create the queue file of a new message (DATA and BDAT alike); raw for
 * BDAT's chunks. RPL_OK, or the reply that refuses it.
 */
static enum smtpd_reply_id
msg_open(struct smtpd_session *s, bool raw)
{
	struct smtpd_msg *m;

	m = malloc(sizeof *m);
	if (m == NULL) {
		warn_sys("unable to start a message", "");
		return RPL_QUEUEFAIL;
	}
	if (!s->qopen || !qwrite_open(&m->w, &s->q, NULL)) {
		warn_sys("unable to create a message in ", s->conf->queuedir);
		free(m);
		return RPL_QUEUEFAIL;
	}
	/* Ours to sign: mail of relay and authenticated clients only. */
	m->w.sign = smtpd_may_relay(s);
	memcpy(s->env.id, m->w.id, sizeof m->w.id);
	/* Lines until the transaction ends are about this message. */
	die_set_id(s->env.id);
	s->env.arrival = (long long)time(NULL);
	s->env.prio = PRIO_NORMAL;
	if (!envelope_set(&s->env.client, s->conf->client) ||
	    !envelope_set(&s->env.helo, s->helo.s) ||
	    !envelope_set(&s->env.proto, proto_name(s))) {
		/* Every value was checked on the way in: this is memory. */
		warn_sys("unable to build the envelope", "");
		qwrite_abort(&m->w);
		free(m);
		return RPL_QUEUEFAIL;
	}
	m->hold.s = s;
	m->hold.w = &m->w;
	m->hold.held = (struct zs)ZS_INIT;
	m->hold.released = false;
	m->hold.badutf8 = false;
	buf_init(&m->file, hold_write, -1, &m->hold, m->space,
	    sizeof m->space);
	smtpd_data_init(&m->d, s->conf->databytes);
	/*
	 * Mail software on a relay or submission client often sends LF-only
	 * lines (curl, scripts); they are taken as CRLF, as Postfix's
	 * smtpd_forbid_bare_newline_exclusions does. Outsiders get 554.
	 */
	m->d.lfok = smtpd_may_relay(s);
	m->d.raw = raw;
	s->msg = m;
	return RPL_OK;
}

/* The client went away (or timed out) in the middle of a message. */
static enum smtpd_step
msg_lost(struct smtpd_session *s, ssize_t r)
{
	int saved = errno;

	log_message(s, &s->msg->d, r == 0 ? "eof" : "error", NULL, NULL);
	smtpd_msg_drop(s);
	errno = saved;
	s->eof = r == 0;
	return STEP_CLOSE;
}

/*
 * The end of a message, from DATA or BDAT: the verdict on what the byte
 * machine saw, the commit, and the one reply; 250 only after qwrite_commit
 * made it durable. The transaction is over either way.
 */
static enum smtpd_step
msg_end(struct smtpd_session *s)
{
	struct smtpd_msg *m = s->msg;
	struct smtpd_data *d = &m->d;
	enum smtpd_reply_id verdict;
	enum smtpd_step ok;

	s->rating = false;
	if (d->flags == 0 && (!buf_flush(&m->file) ||
	    (!m->hold.released && !release(&m->hold, "", 0)) ||
	    !qwrite_flush(&m->w))) {
		d->flags |= DATA_WERR;
		d->werrno = errno;
	}
	zs_free(&m->hold.held);
	verdict = (d->flags & DATA_BIG) ? RPL_TOOBIG :
	    (d->flags & DATA_BARE) ? RPL_BAREDATA :
	    (d->flags & DATA_NUL) ? RPL_NULDATA :
	    (d->flags & DATA_LONG) ? RPL_LONGDATA :
	    (d->flags & DATA_WERR) ? RPL_QUEUEFAIL :
	    m->hold.badutf8 ? RPL_UTF8DATA :
	    smtpd_looping(s, d) ? RPL_LOOP : RPL_QUEUED;
	if (verdict != RPL_QUEUED) {
		if (d->flags & DATA_WERR) {
			errno = d->werrno;
			warn_sys("unable to write a message in ",
			    s->conf->queuedir);
		}
		qwrite_abort(&m->w);
	} else if (!qwrite_commit(&m->w, s->env.prio)) {
		warn_sys("unable to commit a message in ", s->conf->queuedir);
		verdict = RPL_QUEUEFAIL;
	}
	s->quietlog = true;
	if (verdict == RPL_QUEUED) {
		s->msgs++;
		log_message(s, d, "queued", s->env.id, NULL);
		ok = smtpd_reply(s, RPL_QUEUED, s->env.id);
	} else {
		log_message(s, d, "rejected", NULL, &smtpd_replies[verdict]);
		ok = smtpd_reply(s, verdict, NULL);
	}
	s->quietlog = false;
	free(m);
	s->msg = NULL;
	die_set_id(NULL);
	smtpd_tx_reset(s);
	smtpd_enter(s, ST_READY);
	return ok;
}

/*
 * DATA: create the file, then stream the content into it through the byte
 * machine, then the end of the message.
 */
enum smtpd_step
smtpd_check_data(struct smtpd_session *s, const char *arg, size_t n)
{
	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	/* RFC 3030 2: a message sent in chunks is not finished by DATA. */
	if (s->state == ST_BDAT) {
		smtpd_tx_reset(s);
		smtpd_enter(s, ST_READY);
		return smtpd_reply(s, RPL_MIXED, NULL);
	}
	return STEP_GO;
}

enum smtpd_step
smtpd_do_data(struct smtpd_session *s, const char *arg, size_t n)
{
	enum smtpd_reply_id why;
	int end = 0;

	(void)arg;
	(void)n;
	why = msg_open(s, false);
	if (why != RPL_OK)
		return smtpd_reply(s, why, NULL);
	if (smtpd_reply(s, RPL_DATA, NULL) != STEP_NEXT) {
		smtpd_msg_drop(s);
		return STEP_CLOSE;
	}
	smtpd_io_rate_begin(s);
	while (!end) {
		ssize_t r = smtpd_io_fill(s);
		size_t used;

		if (r <= 0)
			return msg_lost(s, r);
		used = smtpd_data_scan(&s->msg->d, buf_peek(&s->in),
		    (size_t)r, &s->msg->file, &end);
		buf_seek(&s->in, used);
	}
	return msg_end(s);
}

/*
 * BDAT (RFC 3030): the chunk's octets are read whatever happens, so that
 * the session stays in step, but stored only in a transaction that may
 * have them. Any refused chunk ends the transaction (RFC 3030 2: the
 * client must start again; a server that kept the transaction would take
 * the chunks after a refused one as a message, as 2026's audit found).
 * A size over what control/databytes leaves is refused before a byte of
 * the chunk is stored.
 */
enum smtpd_step
smtpd_check_bdat(struct smtpd_session *s, const char *arg, size_t n)
{
	unsigned long long size;
	bool last;

	if (smtpd_bdat_parse(arg, n, &size, &last))
		return STEP_GO;
	/* Without a size, nothing says where the chunk ends. */
	smtpd_tx_reset(s);
	return smtpd_reply_close(s, RPL_BDATSYNTAX, "bdat-syntax");
}

/* After smtpd_check_bdat; s->refuse is the table's word on it. */
enum smtpd_step
smtpd_do_bdat(struct smtpd_session *s, const char *arg, size_t n)
{
	enum smtpd_reply_id why = (enum smtpd_reply_id)s->refuse;
	unsigned long long size, left;
	bool last;

	s->refuse = RPL_OK;
	(void)smtpd_bdat_parse(arg, n, &size, &last);
	if (why == RPL_OK && s->state == ST_RCPT &&
	    (why = msg_open(s, true)) == RPL_OK)
		smtpd_enter(s, ST_BDAT);
	if (why == RPL_OK && s->conf->databytes != 0 &&
	    (s->msg->d.size > s->conf->databytes ||
	    size > s->conf->databytes - s->msg->d.size))
		why = RPL_TOOBIG;
	smtpd_io_rate_begin(s);
	for (left = size; left > 0;) {
		ssize_t r = smtpd_io_fill(s);
		size_t take;
		int end;

		if (r <= 0) {
			if (s->msg != NULL)
				return msg_lost(s, r);
			s->eof = r == 0;
			return STEP_CLOSE;
		}
		take = (unsigned long long)r < left ? (size_t)r : (size_t)left;
		if (why == RPL_OK)
			(void)smtpd_data_scan(&s->msg->d, buf_peek(&s->in),
			    take, &s->msg->file, &end);
		buf_seek(&s->in, take);
		left -= take;
	}
	s->rating = false;
	if (why != RPL_OK) {
		if (s->msg != NULL)
			log_message(s, &s->msg->d, "rejected", NULL,
			    &smtpd_replies[why]);
		smtpd_tx_reset(s);
		if (s->state != ST_GREETED)
			smtpd_enter(s, ST_READY);
		return smtpd_reply(s, why, NULL);
	}
	/* What the end would refuse, refused now: the rest is not wanted. */
	if (s->msg->d.flags != 0)
		return msg_end(s);
	if (last) {
		smtpd_data_finish(&s->msg->d, &s->msg->file);
		return msg_end(s);
	}
	return smtpd_reply(s, RPL_CHUNK, NULL);
}
