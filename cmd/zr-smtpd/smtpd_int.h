/* SPDX-License-Identifier: MIT */
/*
 * smtpd_int: the parts of one session that the files of zr-smtpd share,
 * for them only (smtpd.h is the program's interface).
 *
 * smtpd.c owns the session and the command table; smtpd_reply.c every
 * reply; smtpd_io.c the input (lines, deadlines, the data rate);
 * smtpd_tx.c MAIL and RCPT; smtpd_msg.c DATA, BDAT and the queue file;
 * smtpd_auth.c AUTH.
 *
 * A command runs as its row of the table in smtpd.c says: the reply when
 * it is out of sequence, then its check (smtpd_check_<verb>: the policy
 * that may refuse it), then what it does (smtpd_do_<verb>). Both return
 * an enum smtpd_step.
 */
#ifndef ZR_SMTPD_INT_H
#define ZR_SMTPD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "smtpd.h"

/* What a step of a command leaves the session to do. */
enum smtpd_step {
	STEP_CLOSE = 0,		/* end the session (s->result, errno say why) */
	STEP_NEXT,		/* answered: read the next command */
	STEP_GO			/* a check passed: the command goes on */
};

/* What reading a line gave. */
enum smtpd_read {
	READ_LINE,		/* a line in s->line, CRLF removed */
	READ_REFUSED,		/* a line refused, and answered */
	READ_EOF,
	READ_ERROR		/* I/O error, or a refusal that closes */
};

/* Whether a client talked before the greeting. */
enum smtpd_early { EARLY_NONE, EARLY_TALK, EARLY_GONE };

/*
 * Replies. Every reply goes through smtpd_reply, which checks the code and
 * that the enhanced status code (RFC 3463) is of the same class. RFC 2034
 * puts no enhanced code on the greeting and on HELO/EHLO replies.
 */
enum smtpd_reply_id {
	RPL_GREET, RPL_HELO, RPL_OK, RPL_SENDER_OK, RPL_RCPT_OK, RPL_QUEUED,
	RPL_VRFY, RPL_HELP, RPL_DATA, RPL_BYE, RPL_TIMEOUT, RPL_ERRORS,
	RPL_TEMP, RPL_RATE, RPL_SENDERLIMIT, RPL_JUNK, RPL_SESSIONTIME, RPL_SLOW,
	RPL_QUEUEFAIL, RPL_TOOMANYRCPT, RPL_UNKNOWN, RPL_LINELONG, RPL_BARELF,
	RPL_BADBYTE, RPL_SYNTAX, RPL_NOPARAM, RPL_HELOSYNTAX, RPL_FROMSYNTAX,
	RPL_TOSYNTAX, RPL_NEEDHELO, RPL_NEEDMAIL, RPL_NESTED, RPL_NEEDRCPT,
	RPL_RELAY, RPL_ROUTED, RPL_NOUSER, RPL_TOOBIG, RPL_BAREDATA, RPL_NULDATA,
	RPL_LONGDATA, RPL_LOOP, RPL_EARLY, RPL_PIPELINE, RPL_HTTP,
	RPL_PARAM, RPL_NOSPACE, RPL_INTX, RPL_CHUNK, RPL_BDATSYNTAX, RPL_MIXED,
	RPL_UTF8, RPL_UTF8DATA,
	RPL_TLS_READY, RPL_TLS_TEMP, RPL_TLS_NO, RPL_TLS_ACTIVE,
	RPL_AUTH_OK, RPL_AUTH_NO, RPL_AUTH_ENCRYPT, RPL_AUTH_AGAIN,
	RPL_AUTH_MECH, RPL_AUTH_CANCEL, RPL_AUTH_DECODE, RPL_AUTH_LONG,
	RPL_AUTH_FAIL, RPL_AUTH_TEMP, RPL_AUTH_LIMIT, RPL_AUTH_CLIENT,
	RPL_AUTH_REQUIRED,
	RPL_COUNT
};

struct smtpd_replytab {
	int code;
	const char *esc;
	const char *text;
};

extern const struct smtpd_replytab smtpd_replies[RPL_COUNT];

/* smtpd_reply.c. One reply line; sep is ' ' for the last, '-' before. */
int smtpd_reply_line(struct smtpd_session *, int code, char sep,
    const char *esc, const char *text, const char *extra);
/* A reply of the table, logged when it refuses: STEP_NEXT once written. */
enum smtpd_step smtpd_reply(struct smtpd_session *, enum smtpd_reply_id,
    const char *extra);
/* A reply that ends the session: sent, flushed, result recorded. */
enum smtpd_step smtpd_reply_close(struct smtpd_session *,
    enum smtpd_reply_id, const char *result);

/* smtpd.c. */
void smtpd_enter(struct smtpd_session *, enum smtpd_state);
bool smtpd_may_relay(const struct smtpd_session *);
/* Wipe a string that held a secret, then free it. */
void smtpd_wipe(struct zs *);

/* smtpd_io.c. */
long long smtpd_io_now(void);
/* More input (flushing replies first): > 0 octets, 0 EOF, -1 error. */
ssize_t smtpd_io_fill(struct smtpd_session *);
/* A line of at most max octets with CRLF; longer is answered toolong. */
enum smtpd_read smtpd_io_line(struct smtpd_session *, size_t max,
    enum smtpd_reply_id toolong);
enum smtpd_read smtpd_io_command(struct smtpd_session *);
/* DATA and BDAT: the data rate is measured from here on. */
void smtpd_io_rate_begin(struct smtpd_session *);
enum smtpd_early smtpd_io_early(struct smtpd_session *);
bool smtpd_io_early_http(struct smtpd_session *);

/* smtpd_tx.c: the transaction, MAIL and RCPT. */
void smtpd_tx_reset(struct smtpd_session *);
enum smtpd_step smtpd_check_mail(struct smtpd_session *, const char *,
    size_t);
enum smtpd_step smtpd_do_mail(struct smtpd_session *, const char *, size_t);
enum smtpd_step smtpd_do_rcpt(struct smtpd_session *, const char *, size_t);

/* smtpd_msg.c: the message, DATA and BDAT. */
void smtpd_msg_drop(struct smtpd_session *);
enum smtpd_step smtpd_check_data(struct smtpd_session *, const char *,
    size_t);
enum smtpd_step smtpd_do_data(struct smtpd_session *, const char *, size_t);
enum smtpd_step smtpd_check_bdat(struct smtpd_session *, const char *,
    size_t);
enum smtpd_step smtpd_do_bdat(struct smtpd_session *, const char *, size_t);

/* smtpd_auth.c. */
bool smtpd_auth_offered(struct smtpd_session *);
enum smtpd_step smtpd_check_auth(struct smtpd_session *, const char *,
    size_t);
enum smtpd_step smtpd_do_auth(struct smtpd_session *, const char *, size_t);

#endif
