/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "data.h"
#include "die.h"
#include "fmt.h"
#include "tx.h"
#include "wire.h"

/* Content is read from the file in pieces of this size. */
#define DATA_PIECE 65536

/*
 * The recipient's DSN request (RFC 3461 4.1, 4.2), when the server takes
 * DSN: NOTIFY and ORCPT as the envelope holds them (ORCPT is xtext there).
 */
static int
put_dsn(struct remote *r, const struct envelope *e, const char *addr)
{
	static const struct { unsigned bit; const char *word; } w[] = {
		{ NOTIFY_NEVER, "NEVER" }, { NOTIFY_SUCCESS, "SUCCESS" },
		{ NOTIFY_FAILURE, "FAILURE" }, { NOTIFY_DELAY, "DELAY" },
	};
	const struct envelope_rcpt *er = NULL;
	size_t i, k;
	int first = 1;

	if (!(r->ext & EXT_DSN))
		return 1;
	for (i = 0; i < e->nrcpt && er == NULL; i++)
		if (strcmp(e->rcpt[i].addr, addr) == 0)
			er = &e->rcpt[i];
	if (er == NULL)
		return 1;
	if (er->notify != 0) {
		if (!wire_put(r, " NOTIFY="))
			return 0;
		for (k = 0; k < sizeof w / sizeof w[0]; k++) {
			if (!(er->notify & w[k].bit))
				continue;
			if ((!first && !wire_put(r, ",")) ||
			    !wire_put(r, w[k].word))
				return 0;
			first = 0;
		}
	}
	if (er->orcpt != NULL && (!wire_put(r, " ORCPT=") ||
	    !wire_put(r, er->orcpt)))
		return 0;
	r->dsn_passed = 1;
	return 1;
}

static char
msg_letter(int code)
{
	return (char)job_msg_letter(zr_status_of_reply(code));
}

/*
 * The content from off on, converted, into out and flushed: for DATA
 * dot-stuffed and ended with the dot, for BDAT (bdat) neither. 1, or 0
 * with errno.
 */
static int
put_content(struct buf *out, int fd, size_t off, bool bdat)
{
	struct data_enc d;
	char *piece = malloc(DATA_PIECE);
	off_t at = (off_t)off;
	int ok = 0;

	if (piece == NULL)
		return 0;
	data_init(&d);
	d.stuff = !bdat;
	for (;;) {
		ssize_t n = buf_pread(fd, piece, DATA_PIECE, at);

		if (n == -1)
			goto out;
		if (n == 0)
			break;
		if (!data_put(&d, out, piece, (size_t)n))
			goto out;
		at += n;
	}
	ok = (bdat ? data_close(&d, out) : data_end(&d, out)) &&
	    buf_flush(out);
out:
	free(piece);
	return ok;
}

/* A write that only counts: the size pass before BDAT. */
static ssize_t
count_op(int fd, char *p, size_t n, void *ctx)
{
	(void)fd;
	(void)p;
	*(unsigned long long *)ctx += n;
	return (ssize_t)n;
}

/*
 * The size of the content from off on as BDAT sends it. Content in Unix
 * form (no CR, as the queue holds it) grows by one byte a line, and by
 * a CR LF when its last line is open: found with memchr, which costs far
 * less than converting. Anything else is converted to count. 1, or 0.
 */
static int
bdat_size(int fd, size_t off, unsigned long long *size)
{
	char *piece = malloc(DATA_PIECE);
	off_t at = (off_t)off;
	unsigned long long n = 0;
	char lastc = '\n';
	int ok = 0;

	if (piece == NULL)
		return 0;
	for (;;) {
		ssize_t got = buf_pread(fd, piece, DATA_PIECE, at);
		const char *p, *e;

		if (got == -1)
			goto out;
		if (got == 0)
			break;
		if (memchr(piece, '\r', (size_t)got) != NULL) {
			char space[BUF_SIZE];
			struct buf count;

			*size = 0;
			buf_init(&count, count_op, -1, size, space,
			    sizeof space);
			ok = put_content(&count, fd, off, true);
			goto out;
		}
		n += (unsigned long long)got;
		for (p = piece, e = piece + got;
		    (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
			n++;
		lastc = piece[got - 1];
		at += got;
	}
	*size = n + (lastc != '\n' ? 2 : 0);
	ok = 1;
out:
	free(piece);
	return ok;
}

/* BDAT n LAST and the content in one chunk, n known before it. */
static int
put_bdat(struct remote *r, int fd, size_t off)
{
	char num[FMT_ULONG + 1];
	unsigned long long size;

	if (!bdat_size(fd, off, &size))
		return 0;
	num[fmt_ulong(num, size)] = '\0';
	return wire_put(r, "BDAT ") && wire_put(r, num) &&
	    wire_put(r, " LAST\r\n") && put_content(&r->out, fd, off, true);
}

/*
 * A transaction is one list of commands: RSET when the connection may hold
 * an open transaction, MAIL, a RCPT per recipient, DATA. Two cursors walk
 * it, as Postfix's smtp_loop does: "sent" counts the commands written,
 * "got" the replies read, and replies are matched to commands by position
 * alone. With PIPELINING the sender runs ahead through DATA, which ends
 * the group (RFC 2920 3.1); without it the sender waits for each reply,
 * except that RSET goes out with the MAIL after it (its reply decides
 * nothing). One path serves both kinds of server.
 *
 * With control/remotebdat 1, to a server with CHUNKING (RFC 3030), the
 * list ends in one BDAT LAST with the whole message instead of DATA; it
 * waits for every RCPT reply, so that no megabyte goes to nobody. One
 * chunk, not one per piece: a reply per chunk met the server's Nagle and
 * our delayed ACK (40 ms a message). Off by default: scripts/bench-bdat
 * found it no faster than DATA (zr-remote(8) has the numbers).
 */
enum tx_cmd { CMD_RSET, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_BDAT };

/* Why the walk stopped before its end; TX_GO: it goes on. */
enum tx_stop {
	TX_GO, TX_LOST_EARLY, TX_LOST, TX_MAIL_FAILED, TX_NONE_ACCEPTED,
	TX_OUT_OF_STEP, TX_NOMEM
};

struct tx {
	struct remote *r;
	const struct envelope *e;
	bool pipe;
	size_t mail;		/* MAIL's place: 1 after a RSET, else 0 */
	size_t n;		/* commands in all */
	size_t sent, got;	/* the two cursors */
	const char *sa;		/* the recipient of the next RCPT to send */
	size_t gi;		/* and of the next RCPT reply, by index */
	int mailcode, datacode;
	size_t accepted, hard;
	bool bdat;		/* the list ends in BDAT LAST, not DATA */
	int mfd;		/* the message, for BDAT */
};

static const char *const cmd_name[] = {
	"RSET", "MAIL", "RCPT", "DATA", "BDAT"
};

static enum tx_cmd
tx_cmd(const struct tx *t, size_t k)
{
	if (k < t->mail)
		return CMD_RSET;
	if (k == t->mail)
		return CMD_MAIL;
	if (k < t->n - 1)
		return CMD_RCPT;
	return t->bdat ? CMD_BDAT : CMD_DATA;
}

/* Lost before MAIL was answered: the host took nothing. */
static enum tx_stop
tx_lost(const struct tx *t)
{
	return t->got <= t->mail ? TX_LOST_EARLY : TX_LOST;
}

static int
put_mail(struct remote *r, const struct envelope *e, const char *from)
{
	char num[FMT_ULONG + 1];

	if (!wire_put(r, "MAIL FROM:<") || !wire_put(r, from) ||
	    !wire_put(r, ">"))
		return 0;
	if (r->ext & EXT_SIZE) {
		num[fmt_ulong(num, (unsigned long long)e->size)] = '\0';
		if (!wire_put(r, " SIZE=") || !wire_put(r, num))
			return 0;
	}
	if ((r->ext & EXT_8BITMIME) && e->body == BODY_8BITMIME &&
	    !wire_put(r, " BODY=8BITMIME"))
		return 0;
	/* RFC 8689 4.2.1: passed on; do_job saw to it that it is offered. */
	if (e->requiretls && !wire_put(r, " REQUIRETLS"))
		return 0;
	/* RFC 6531 3.4: likewise, do_job saw to it that it is offered. */
	if (e->smtputf8 && !wire_put(r, " SMTPUTF8"))
		return 0;
	/* RFC 3461 4: a next hop with DSN gets the request, and reports. */
	if ((r->ext & EXT_DSN) && ((e->ret != RET_UNSET &&
	    !wire_put(r, e->ret == RET_FULL ? " RET=FULL" : " RET=HDRS")) ||
	    (e->envid != NULL && (!wire_put(r, " ENVID=") ||
	    !wire_put(r, e->envid)))))
		return 0;
	/* RFC 6710 4.1: the priority goes on to a next hop that takes it. */
	if ((r->ext & EXT_MTPRIORITY) && e->has_mtprio) {
		char mt[3] = { e->mtprio < 0 ? '-' : '+', (char)('0' +
		    (e->mtprio < 0 ? -e->mtprio : e->mtprio)), '\0' };

		if (!wire_put(r, " MT-PRIORITY=") ||
		    !wire_put(r, mt + (mt[0] == '+')))
			return 0;
	}
	return wire_put(r, "\r\n");
}

/* The send cursor: write what may go now, then flush. */
static enum tx_stop
tx_send(struct tx *t, const char *from)
{
	struct remote *r = t->r;
	size_t before = t->sent;

	/* Without PIPELINING only RSET has company: the MAIL after it. */
	while (t->sent < t->n && (t->sent == t->got || t->pipe ||
	    tx_cmd(t, t->sent - 1) == CMD_RSET)) {
		int ok = 1;

		switch (tx_cmd(t, t->sent)) {
		case CMD_RSET:
			ok = wire_put(r, "RSET\r\n");
			break;
		case CMD_MAIL:
			ok = put_mail(r, t->e, from);
			r->dirty = true;
			break;
		case CMD_RCPT:
			ok = wire_put(r, "RCPT TO:<") && wire_put(r, t->sa) &&
			    wire_put(r, ">") && put_dsn(r, t->e, t->sa) &&
			    wire_put(r, "\r\n");
			t->sa += strlen(t->sa) + 1;
			break;
		case CMD_DATA:
			/* Sent alone, DATA waits for someone to deliver to. */
			if (!t->pipe && t->accepted == 0)
				return TX_NONE_ACCEPTED;
			ok = wire_put(r, "DATA\r\n");
			break;
		case CMD_BDAT:
			/* Every RCPT answered first: is there anyone? */
			if (t->got < t->sent)
				goto flush;
			if (t->mailcode / 100 != 2 || t->accepted == 0) {
				t->n = t->sent;
				goto flush;
			}
			ok = put_bdat(r, t->mfd, t->e->data_offset);
			if (!ok)
				wire_why(r, r->key, "connection lost while "
				    "sending the message: ", wire_err(errno));
			break;
		}
		if (!ok)
			return tx_lost(t);
		t->sent++;
	}
flush:
	if (t->sent != before && !buf_flush(&r->out))
		return tx_lost(t);
	return TX_GO;
}

static enum tx_stop tx_dot(struct tx *, struct result *, bool bdat);

/* The receive cursor: the reply to the oldest command outstanding. */
static enum tx_stop
tx_receive(struct tx *t, struct result *res)
{
	struct remote *r = t->r;
	enum tx_cmd c = tx_cmd(t, t->got);
	enum zr_status st;
	size_t i;
	int code;

	/* BDAT LAST's reply is the message's, as the dot's is. */
	if (c == CMD_BDAT) {
		t->got++;
		return tx_dot(t, res, true);
	}
	if (!wire_reply(r, cmd_name[c]))
		return tx_lost(t);
	t->got++;
	code = r->reply.code;
	if (c == CMD_MAIL && code / 100 != 2 && !t->pipe)
		return TX_MAIL_FAILED;
	/* When nothing is outstanding, nothing more may have come. */
	if (t->got == t->sent && wire_unsolicited(r, cmd_name[c]))
		return TX_OUT_OF_STEP;
	switch (c) {
	case CMD_RSET:
		break;
	case CMD_MAIL:
		t->mailcode = code;
		if (code / 100 != 2 && !wire_reply_text(r, &res->mt))
			return TX_NOMEM;
		break;
	case CMD_RCPT:
		i = t->gi++;
		/* After a refused MAIL the RCPT replies say nothing. */
		if (t->mailcode / 100 != 2)
			break;
		if (!wire_reply_text(r, &res->rt[i]))
			return TX_NOMEM;
		st = zr_status_of_reply(code);
		res->rl[i] = (char)job_rcpt_letter(st);
		t->accepted += st == ZR_OK;
		t->hard += st == ZR_PERM;
		break;
	case CMD_DATA:
		t->datacode = code;
		break;
	case CMD_BDAT:
		break;
	}
	return TX_GO;
}

/* The message is sent: the reply to the final dot, or to BDAT LAST. */
static enum tx_stop
tx_dot(struct tx *t, struct result *res, bool bdat)
{
	struct remote *r = t->r;
	const char *end = bdat ? "BDAT LAST" : "the final dot";

	if (!wire_reply(r, "the end of the message")) {
		bool late = r->deadline > 0 &&
		    timeoutio_deadline(0) >= r->deadline;

		/* RFC 1047: the server may have taken it. */
		warn_x("host=", r->key, " after=", DIE_Q, end, " reason=",
		    DIE_Q, "connection lost; possible duplicate");
		res->ml = JOB_MSG_TEMP;
		if (!wire_text(&res->mt, "4.4.2 ", r->key) ||
		    !zs_cats(&res->mt, late ? ": no reply to " :
		    " connection lost after ") || !zs_cats(&res->mt, end) ||
		    !zs_cats(&res->mt, late ? " within "
		    "control/timeouttransaction: possible duplicate" :
		    ": possible duplicate"))
			return TX_NOMEM;
		conn_close(r, false);
		return TX_GO;
	}
	r->dirty = false;
	if (!wire_reply_text(r, &res->mt))
		return TX_NOMEM;
	res->ml = r->reply.code == 0 ? JOB_MSG_TEMP : msg_letter(r->reply.code);
	/*
	 * Replies were in step up to this one, so it answers the dot and
	 * stands (taking it back would send the message twice); what came
	 * after it spoils only the connection.
	 */
	if (r->reply.code == 0 || wire_unsolicited(r, "the end of the message"))
		conn_close(r, false);
	return TX_GO;
}

/* MAIL was refused: no recipient was tried; MAIL's reply is the message's. */
static enum tx_stop
tx_mail_refused(const struct tx *t, size_t nrcpt, struct result *res)
{
	size_t i;

	for (i = 0; i < nrcpt; i++)
		res->rl[i] = L_NONE;
	res->ml = msg_letter(t->mailcode) == JOB_MSG_OK ?
	    JOB_MSG_TEMP : msg_letter(t->mailcode);
	return TX_GO;
}

/* Every command answered, with BDAT: its reply is in res. */
static enum tx_stop
tx_finish_bdat(struct tx *t, size_t nrcpt, struct result *res)
{
	if (t->mailcode / 100 != 2)
		return tx_mail_refused(t, nrcpt, res);
	return t->accepted == 0 ? TX_NONE_ACCEPTED : TX_GO;
}

/* Every command answered: DATA's reply decides what comes next. */
static enum tx_stop
tx_finish(struct tx *t, int mfd, size_t nrcpt, struct result *res)
{
	struct remote *r = t->r;

	if (t->bdat)
		return tx_finish_bdat(t, nrcpt, res);
	if (t->datacode == 354 && (t->mailcode / 100 != 2 ||
	    t->accepted == 0)) {
		/* RFC 2920 3.1: nobody to deliver to, so an empty message. */
		if (!wire_put(r, ".\r\n") || !buf_flush(&r->out) ||
		    !wire_reply(r, "the end of an empty DATA"))
			return TX_LOST;
		/* Nothing was delivered; only the connection is spoilt. */
		if (wire_unsolicited(r, "the end of an empty DATA"))
			conn_close(r, false);
	}
	if (t->mailcode / 100 != 2)
		return tx_mail_refused(t, nrcpt, res);
	if (t->accepted == 0)
		return TX_NONE_ACCEPTED;
	if (t->datacode != 354) {
		if (!wire_reply_text(r, &res->mt))
			return TX_NOMEM;
		res->ml = t->datacode / 100 == 5 ? JOB_MSG_PERM : JOB_MSG_TEMP;
		return TX_GO;
	}
	if (!put_content(&r->out, mfd, t->e->data_offset, false)) {
		wire_why(r, r->key, "connection lost while sending the "
		    "message: ", wire_err(errno));
		return TX_LOST;
	}
	return tx_dot(t, res, false);
}

/* The results of a walk that stopped before its end. */
static enum tx_result
tx_stopped(struct tx *t, enum tx_stop s, size_t nrcpt, bool fresh,
    struct result *res)
{
	struct remote *r = t->r;
	size_t i;
	int ok = 0;

	switch (s) {
	case TX_GO:
		return TX_DONE;
	case TX_NONE_ACCEPTED:
		res->ml = t->hard == nrcpt ? JOB_MSG_PERM : JOB_MSG_TEMP;
		if (wire_text(&res->mt, t->hard == nrcpt ? "5.1.0 " : "4.1.0 ",
		    "no recipient was accepted"))
			return TX_DONE;
		break;
	case TX_MAIL_FAILED:
		res->ml = r->reply.code / 100 == 5 ? JOB_MSG_PERM :
		    JOB_MSG_TEMP;
		if (wire_reply_text(r, &res->mt))
			return TX_DONE;
		break;
	case TX_LOST_EARLY:
		conn_close(r, false);
		return fresh ? TX_NEXTHOST : TX_RETRY;
	case TX_OUT_OF_STEP:
	case TX_LOST:
		for (i = 0; i < nrcpt; i++)
			res->rl[i] = L_NONE;
		/* Out of step, no reply from here on matches its command. */
		ok = s == TX_OUT_OF_STEP ? wire_text(&res->mt, "4.5.0 ",
		    r->why.s) : wire_text(&res->mt, "4.4.2 ", r->why.len ?
		    r->why.s : "connection lost");
		break;
	case TX_NOMEM:
		break;
	}
	res->ml = JOB_MSG_TEMP;
	/* Nothing better to say; the caller reports out of memory. */
	if (!ok)
		res->mt.len = 0;
	conn_close(r, false);
	return TX_DONE;
}

/*
 * One transaction on the open connection. On TX_DONE res holds the
 * results; the connection is closed when it cannot be trusted further.
 */
enum tx_result
tx_run(struct remote *r, const struct envelope *e, int mfd,
    const char *from, const char *rcpts, size_t nrcpt, bool fresh,
    struct result *res)
{
	struct tx t = { .r = r, .e = e, .sa = rcpts, .mfd = mfd };
	enum tx_stop s = TX_GO;
	char num[FMT_ULONG + 1];
	size_t i;

	res->ml = L_NONE;
	for (i = 0; i < nrcpt; i++)
		res->rl[i] = L_NONE;
	if ((r->ext & EXT_SIZE) && r->sizemax > 0 &&
	    (unsigned long long)e->size > r->sizemax) {
		res->ml = JOB_MSG_PERM;
		num[fmt_ulong(num, r->sizemax)] = '\0';
		if (wire_text(&res->mt, "5.3.4 message too big for ", r->key))
			(void)(zs_cats(&res->mt, ", whose limit is ") &&
			    zs_cats(&res->mt, num));
		return TX_DONE;
	}
	r->dsn_passed = 0;
	t.pipe = (r->ext & EXT_PIPELINING) != 0;
	t.mail = r->dirty ? 1 : 0;
	t.n = t.mail + 1 + nrcpt + 1;
	t.bdat = (r->ext & EXT_CHUNKING) && r->conf->bdat;
	while (s == TX_GO && t.got < t.n) {
		s = tx_send(&t, from);
		if (s == TX_GO && t.got < t.n)
			s = tx_receive(&t, res);
	}
	if (s == TX_GO)
		s = tx_finish(&t, mfd, nrcpt, res);
	return tx_stopped(&t, s, nrcpt, fresh, res);
}
