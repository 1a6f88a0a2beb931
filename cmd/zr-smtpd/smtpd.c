/* SPDX-License-Identifier: MIT */
/*
 * The session: its start, its end, and the command table that says, for
 * each verb, in which state it may run, what is answered in the others,
 * the check before it and what it does (OpenSMTPD's commands[]).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "die.h"
#include "fmt.h"
#include "smtpd_int.h"

static const char *
state_name(enum smtpd_state st)
{
	switch (st) {
	case ST_GREETED:
		return "greeted";
	case ST_READY:
		return "ready";
	case ST_MAIL:
		return "mail";
	case ST_RCPT:
		return "rcpt";
	case ST_BDAT:
		return "bdat";
	default:
		return "?";
	}
}

void
smtpd_enter(struct smtpd_session *s, enum smtpd_state st)
{
	if (s->conf->debug && st != s->state)
		log_info("state=", state_name(s->state), "->", state_name(st));
	s->state = st;
}

bool
smtpd_may_relay(const struct smtpd_session *s)
{
	return (s->flags & (SESS_RELAY | SESS_AUTH)) != 0;
}

void
smtpd_wipe(struct zs *z)
{
	if (z->s != NULL)
		explicit_bzero(z->s, z->cap);
	zs_free(z);
}

void
smtpd_init(struct smtpd_session *s, const struct smtpd_conf *c, buf_op rd,
    int rfd, void *rctx, buf_op wr, int wfd, void *wctx)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->conf = c;
	s->state = ST_GREETED;
	buf_init(&s->in, rd, rfd, rctx, s->inspace, sizeof s->inspace);
	buf_init(&s->out, wr, wfd, wctx, s->outspace, sizeof s->outspace);
	envelope_init(&s->env);
	if (c->relayclient)
		s->flags |= SESS_RELAY;
	for (i = 0; c->client_known && i < c->nrelaynets; i++)
		if (cidr_match(&c->relaynets[i], c->clientaddr)) {
			s->flags |= SESS_RELAY;
			break;
		}
	s->authok = -1;
	s->refuse = RPL_OK;
	s->q.rootfd = -1;
	s->qopen = queue_open(&s->q, c->queuedir);
	if (!s->qopen)
		warn_sys("unable to open queue ", c->queuedir);
}


void
smtpd_free(struct smtpd_session *s)
{
	smtpd_tx_reset(s);
	smtpd_wipe(&s->line);
	zs_free(&s->authuser);
	if (s->tlsops != NULL)
		s->tlsops->free(s);
	zs_free(&s->helo);
	if (s->qopen)
		queue_close(&s->q);
	s->qopen = false;
}

/*
 * RFC 6710 3: MT-PRIORITY to clients whose priorities we believe: relay
 * clients, and those that may authenticate (the EHLO reply comes before
 * AUTH; an unauthenticated client's value is ignored at MAIL).
 */
static bool
mt_offered(struct smtpd_session *s)
{
	return s->conf->mtpriority &&
	    (smtpd_may_relay(s) || smtpd_auth_offered(s));
}

/* The greeting. */
static int
greet(struct smtpd_session *s)
{
	return smtpd_reply_line(s, smtpd_replies[RPL_GREET].code, ' ', NULL,
	    s->conf->me.s, " ESMTP zr-smtpd");
}

/* The EHLO reply: our name, then the extensions offered now. */
static int
ehlo_reply(struct smtpd_session *s)
{
	char size[FMT_ULONG + 8];
	size_t k;

	memcpy(size, "SIZE", 4);
	k = 4;
	if (s->conf->databytes != 0) {
		size[k++] = ' ';
		k += fmt_ulong(size + k, s->conf->databytes);
	}
	size[k] = '\0';
	return smtpd_reply_line(s, 250, '-', NULL, s->conf->me.s, NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, "PIPELINING", NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, size, NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, "8BITMIME", NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, "CHUNKING", NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, "SMTPUTF8", NULL) &&
	    smtpd_reply_line(s, 250, '-', NULL, "ENHANCEDSTATUSCODES",
	    NULL) &&
	    (!s->conf->tls || (s->flags & SESS_TLS) ||
	    smtpd_reply_line(s, 250, '-', NULL, "STARTTLS", NULL)) &&
	    (!smtpd_auth_offered(s) ||
	    smtpd_reply_line(s, 250, '-', NULL, "AUTH PLAIN LOGIN", NULL)) &&
	    (!mt_offered(s) ||
	    smtpd_reply_line(s, 250, '-', NULL, "MT-PRIORITY", NULL)) &&
	    (!(s->flags & SESS_TLS) ||
	    smtpd_reply_line(s, 250, '-', NULL, "REQUIRETLS", NULL)) &&
	    smtpd_reply_line(s, 250, ' ', NULL, "DSN", NULL);
}

static enum smtpd_step
hello(struct smtpd_session *s, const char *arg, size_t n, bool esmtp)
{
	size_t len;

	/* One SP, then the name; anything after a further SP is ignored. */
	if (n < 2 || arg[0] != ' ')
		return smtpd_reply(s, RPL_HELOSYNTAX, NULL);
	arg++;
	n--;
	len = strcspn(arg, " ");
	if (len > n)
		len = n;
	if (len == 0 || len > SMTPD_HELO_MAX)
		return smtpd_reply(s, RPL_HELOSYNTAX, NULL);
	if (!zs_copyb(&s->helo, arg, len) || !zs_0(&s->helo))
		return STEP_CLOSE;
	smtpd_tx_reset(s);
	if (esmtp)
		s->flags |= SESS_ESMTP;
	else
		s->flags &= ~SESS_ESMTP;
	s->flags |= SESS_HELLO;
	smtpd_enter(s, ST_READY);
	if (!(esmtp ? ehlo_reply(s) :
	    smtpd_reply_line(s, 250, ' ', NULL, s->conf->me.s, NULL)))
		return STEP_CLOSE;
	return STEP_NEXT;
}

static enum smtpd_step
smtpd_do_ehlo(struct smtpd_session *s, const char *arg, size_t n)
{
	return hello(s, arg, n, true);
}

static enum smtpd_step
smtpd_do_helo(struct smtpd_session *s, const char *arg, size_t n)
{
	return hello(s, arg, n, false);
}

/* The check of the verbs whose argument is not optional. */
static enum smtpd_step
smtpd_check_arg(struct smtpd_session *s, const char *arg, size_t n)
{
	if (n < 2 || arg[0] != ' ')
		return smtpd_reply(s, RPL_SYNTAX, NULL);
	return STEP_GO;
}

/* The check of the verbs that take no parameter. */
static enum smtpd_step
smtpd_check_noparam(struct smtpd_session *s, const char *arg, size_t n)
{
	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	return STEP_GO;
}

static enum smtpd_step
smtpd_do_rset(struct smtpd_session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	smtpd_tx_reset(s);
	if (s->state != ST_GREETED)
		smtpd_enter(s, ST_READY);
	return smtpd_reply(s, RPL_OK, NULL);
}

static enum smtpd_step
smtpd_do_quit(struct smtpd_session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	s->quit = true;
	return smtpd_reply(s, RPL_BYE, NULL);
}

void
smtpd_tls_restart(struct smtpd_session *s, buf_op rd, buf_op wr, void *ctx)
{
	smtpd_tx_reset(s);
	s->helo.len = 0;
	s->authuser.len = 0;
	s->flags &= ~(SESS_ESMTP | SESS_AUTH);
	s->flags |= SESS_TLS;
	smtpd_enter(s, ST_GREETED);
	buf_init(&s->in, rd, s->in.fd, ctx, s->inspace, sizeof s->inspace);
	buf_init(&s->out, wr, s->out.fd, ctx, s->outspace, sizeof s->outspace);
}

/* The check before STARTTLS: whether TLS can start now. */
static enum smtpd_step
smtpd_check_starttls(struct smtpd_session *s, const char *arg, size_t n)
{
	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	if (s->flags & SESS_TLS)
		return smtpd_reply(s, RPL_TLS_ACTIVE, NULL);
	/* An extension: offered only to a client that said EHLO. */
	if (!s->conf->tls || !(s->flags & SESS_ESMTP))
		return smtpd_reply(s, RPL_TLS_NO, NULL);
	if (s->tlsops == NULL || !s->tlsops->ready(s))
		return smtpd_reply(s, RPL_TLS_TEMP, NULL);
	return STEP_GO;
}

static enum smtpd_step
smtpd_do_starttls(struct smtpd_session *s, const char *arg, size_t n)
{
	size_t early;

	(void)arg;
	(void)n;
	if (smtpd_reply(s, RPL_TLS_READY, NULL) != STEP_NEXT ||
	    !buf_flush(&s->out))
		return STEP_CLOSE;
	/*
	 * Whatever came in plain text after STARTTLS must not be taken as
	 * if it had come through TLS (CVE-2011-0411, plaintext command
	 * injection): it is dropped with the buffer.
	 */
	early = buf_avail(&s->in);
	if (early != 0) {
		char num[FMT_ULONG];

		num[fmt_ulong(num, early)] = '\0';
		log_info("client=", s->conf->client, " starttls_discarded=",
		    num);
		buf_seek(&s->in, early);
	}
	if (!s->tlsops->start(s)) {
		s->result = "tls-failed";
		return STEP_CLOSE;
	}
	return STEP_NEXT;
}

/* STARTTLS as the table runs it, for the one handed over by zr-smtpd. */
static enum smtpd_step
starttls(struct smtpd_session *s)
{
	enum smtpd_step r = smtpd_check_starttls(s, "", 0);

	return r == STEP_GO ? smtpd_do_starttls(s, "", 0) : r;
}

/* The states in the order of the table's columns. */
#define SMTPD_NSTATES 5

/*
 * A verb: in which states it runs and what is answered in the others, the
 * check before it, then what it does. The session's policy is here and in
 * the checks, not in the handlers.
 */
struct smtpd_cmd {
	const char *name;
	/* In each state: GO where the verb runs, else the reply. */
	enum smtpd_reply_id seq[SMTPD_NSTATES];
	/* The refusal comes after the command's data (BDAT's chunk). */
	bool late;
	/* The policy that may refuse it; NULL: none. STEP_GO to go on. */
	enum smtpd_step (*check)(struct smtpd_session *, const char *arg,
	    size_t n);
	/* What it does; NULL: only the answer. */
	enum smtpd_step (*proceed)(struct smtpd_session *, const char *arg,
	    size_t n);
	enum smtpd_reply_id answer;
	size_t maxline;		/* the longest line with CRLF; 0: 512 */
	bool junk;		/* does no work: counted against maxjunk */
};

#define GO RPL_OK
#define ANY { GO, GO, GO, GO, GO }
/* STARTTLS and AUTH would change the rules in mid-transaction. */
#define OUTSIDE_TX { RPL_NEEDHELO, GO, RPL_INTX, RPL_INTX, RPL_INTX }

/* The columns of .seq: greeted, ready, mail, rcpt, bdat. */
static const struct smtpd_cmd commands[] = {
	{ .name = "EHLO", .seq = ANY, .proceed = smtpd_do_ehlo },
	{ .name = "HELO", .seq = ANY, .proceed = smtpd_do_helo },
	{ .name = "MAIL",
	    .seq = { RPL_NEEDHELO, GO, RPL_NESTED, RPL_NESTED, RPL_NESTED },
	    .check = smtpd_check_mail, .proceed = smtpd_do_mail,
	    .maxline = SMTPD_CMD_PARAM_MAX },
	{ .name = "RCPT",
	    .seq = { RPL_NEEDHELO, RPL_NEEDMAIL, GO, GO, RPL_NEEDRCPT },
	    .proceed = smtpd_do_rcpt, .maxline = SMTPD_CMD_PARAM_MAX },
	{ .name = "DATA",
	    .seq = { RPL_NEEDHELO, RPL_NEEDMAIL, RPL_NEEDRCPT, GO, GO },
	    .check = smtpd_check_data, .proceed = smtpd_do_data },
	/* Its chunk is read even when it is refused: the refusal is late. */
	{ .name = "BDAT",
	    .seq = { RPL_NEEDHELO, RPL_NEEDMAIL, RPL_NEEDRCPT, GO, GO },
	    .late = true, .check = smtpd_check_bdat, .proceed = smtpd_do_bdat },
	{ .name = "RSET", .seq = ANY, .check = smtpd_check_noparam,
	    .proceed = smtpd_do_rset, .junk = true },
	/* RFC 5321 4.1.1.9: NOOP may carry a string, which is ignored. */
	{ .name = "NOOP", .seq = ANY, .answer = RPL_OK, .junk = true },
	{ .name = "QUIT", .seq = ANY, .check = smtpd_check_noparam,
	    .proceed = smtpd_do_quit },
	/* RFC 5321 3.5.3: 252 says nothing about whether the user exists. */
	{ .name = "VRFY", .seq = ANY, .check = smtpd_check_arg,
	    .answer = RPL_VRFY, .junk = true },
	{ .name = "HELP", .seq = ANY, .answer = RPL_HELP, .junk = true },
	{ .name = "STARTTLS", .seq = OUTSIDE_TX,
	    .check = smtpd_check_starttls, .proceed = smtpd_do_starttls },
	{ .name = "AUTH", .seq = OUTSIDE_TX, .check = smtpd_check_auth,
	    .proceed = smtpd_do_auth, .maxline = SMTPD_AUTH_LINE_MAX },
};

/* The table's column of a state (a single bit of enum smtpd_state). */
static unsigned
column(enum smtpd_state st)
{
	return (unsigned)__builtin_ctz((unsigned)st);
}

/* The command in s->line, through its row of the table. */
static enum smtpd_step
dispatch(struct smtpd_session *s)
{
	const char *line = s->line.s;
	size_t n = s->line.len, i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct smtpd_cmd *c = &commands[i];
		size_t k = strlen(c->name);
		enum smtpd_reply_id seq;
		enum smtpd_step r;

		if (n < k || strncasecmp(line, c->name, k) != 0 ||
		    (n > k && line[k] != ' '))
			continue;
		/* Line length with its CRLF, as RFC 5321 4.5.3.1.4 counts. */
		if (n + 2 > (c->maxline != 0 ? c->maxline : SMTPD_CMD_MAX))
			return smtpd_reply(s, RPL_LINELONG, NULL);
		if (c->junk)
			s->junk++;
		seq = c->seq[column(s->state)];
		if (seq != GO && !c->late)
			return smtpd_reply(s, seq, NULL);
		if (!zs_0(&s->line))
			return STEP_CLOSE;
		r = c->check != NULL ? c->check(s, s->line.s + k, n - k) :
		    STEP_GO;
		if (r != STEP_GO)
			return r;
		if (c->proceed == NULL)
			return smtpd_reply(s, c->answer, NULL);
		s->refuse = (int)seq;
		return c->proceed(s, s->line.s + k, n - k);
	}
	return smtpd_reply(s, RPL_UNKNOWN, NULL);
}

/*
 * Up to the greeting: implicit TLS, STARTTLS handed over, or the early
 * talker check. NULL when the session goes on, else its result.
 */
static const char *
session_start(struct smtpd_session *s, int *code)
{
	enum smtpd_early e = EARLY_NONE;

	/*
	 * Implicit TLS (RFC 8314 3.3): the handshake comes first, and the
	 * client's first bytes are its ClientHello, not early talk.
	 */
	if (s->conf->handed != NULL) {
		/*
		 * zr-smtpd handed a STARTTLS over (-S): the session it had, and
		 * that command to answer, 220 or 454.
		 */
		if (strcmp(s->conf->handed, "-") != 0 &&
		    !zs_copys(&s->helo, s->conf->handed))
			return "error";
		(void)zs_0(&s->helo);
		s->flags |= SESS_ESMTP | SESS_HELLO;
		smtpd_enter(s, ST_READY);
		if (starttls(s) == STEP_CLOSE || !buf_flush(&s->out))
			return s->result != NULL ? s->result : "tls-failed";
	} else if (s->conf->smtps) {
		if (!s->conf->tls || s->tlsops == NULL || !s->tlsops->ready(s)) {
			if (!s->conf->tls)
				warn_x("implicit TLS needs control/tlscert and "
				    "control/tlskey", "");
			*code = EXIT_TEMP;
			return "tls-unavailable";
		}
		if (!s->tlsops->start(s))
			return "tls-failed";
	} else if (!s->conf->local) {
		e = smtpd_io_early(s);
	}
	/* zr-inject -bs (conf.local): a script writes all at once. */
	if (e == EARLY_TALK && smtpd_io_early_http(s)) {
		/* An HTTP client talks first: say what it is. */
		(void)smtpd_reply_close(s, RPL_HTTP, "http");
		return "http";
	}
	if (e == EARLY_TALK) {
		(void)(smtpd_reply_line(s, smtpd_replies[RPL_EARLY].code, ' ',
		    NULL, smtpd_replies[RPL_EARLY].text, NULL) &&
		    buf_flush(&s->out));
		return "early-talker";
	}
	if (e == EARLY_GONE)
		return "eof";
	/* Handed over after STARTTLS: the greeting was given before it. */
	if (s->conf->handed == NULL && !greet(s))
		return "error";
	return NULL;
}

/* Why a command ended the session, answered where it is still owed. */
static const char *
session_failed(struct smtpd_session *s, int *code)
{
	if (s->result != NULL)
		return s->result;	/* said and logged */
	if (s->eof)
		return "eof";
	if (errno == ETIMEDOUT) {
		(void)smtpd_reply_close(s, RPL_TIMEOUT, "timeout");
		return "timeout";
	}
	*code = EXIT_TEMP;
	if (errno == ENOMEM)
		(void)smtpd_reply_close(s, RPL_TEMP, "error");
	return "error";
}

/* Commands until QUIT, EOF or a limit: the session's result. */
static const char *
session_loop(struct smtpd_session *s, int *code)
{
	const char *result = "quit";
	unsigned long msgs_seen = 0;

	while (!s->quit) {
		enum smtpd_read r = smtpd_io_command(s);

		if (r == READ_EOF) {
			result = "eof";
			break;
		}
		if (r == READ_ERROR ||
		    (r == READ_LINE && dispatch(s) == STEP_CLOSE))
			return session_failed(s, code);
		if (s->badcmds >= SMTPD_BADCMD_MAX) {
			(void)smtpd_reply_close(s, RPL_ERRORS, "errors");
			return "errors";
		}
		/* A message accepted is work done: the count starts again. */
		if (s->msgs != msgs_seen) {
			msgs_seen = s->msgs;
			s->junk = 0;
		}
		if (s->conf->maxjunk != 0 && s->junk >= s->conf->maxjunk) {
			(void)smtpd_reply_close(s, RPL_JUNK, "junk");
			return "junk";
		}
	}
	if (!buf_flush(&s->out) && result[0] == 'q')
		result = "error";
	return result;
}

int
smtpd_serve(struct smtpd_session *s)
{
	const char *result;
	char msgs[FMT_ULONG], tls[TLS_ERR_MAX] = "";
	int code = EXIT_OK;

	if (s->conf->timeoutsession != 0)
		s->deadline = smtpd_io_now() +
		    (long long)s->conf->timeoutsession * 1000;
	/* After STARTTLS in zr-smtpd: the deadline it had, not a new one. */
	if (s->conf->session_end > 0 &&
	    (s->deadline == 0 || s->conf->session_end < s->deadline))
		s->deadline = s->conf->session_end;
	result = session_start(s, &code);
	if (result == NULL)
		result = session_loop(s, &code);
	msgs[fmt_ulong(msgs, s->msgs)] = '\0';
	if (s->tls != NULL && s->tlsops != NULL) {
		tls[0] = ' ';
		s->tlsops->describe(s, tls + 1, sizeof tls - 1);
	}
	log_info("event=end client=", s->conf->client,
	    s->conf->remotehost ? " host=" : "",
	    s->conf->remotehost ? s->conf->remotehost : "",
	    " helo=", DIE_Q, s->helo.len ? s->helo.s : "-", tls,
	    s->authuser.len ? " user=" : "",
	    s->authuser.len ? s->authuser.s : "", " msgs=", msgs,
	    " result=", result);
	return code;
}
