/* SPDX-License-Identifier: MIT */
/*
 * AUTH PLAIN (RFC 4616) and LOGIN, with or without an initial response
 * (RFC 4954), checked by conf.authcheck. Failures wait longer each time,
 * are counted per client address across processes (control/authfailures),
 * and the last one closes. Every line that held a secret is wiped.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "die.h"
#include "ratelimit.h"
#include "sasl.h"
#include "smtpd_int.h"

/* The per-client counts of failed AUTH, under the queue. */
#define SMTPD_AUTHFAIL_FILE "lock/authfail"

/*
 * Whether credentials can be checked at all. Asked at the first EHLO that
 * could offer AUTH, not at start-up: a session that never gets there reads
 * no password file.
 */
static bool
auth_configured(struct smtpd_session *s)
{
	if (s->authok == -1) {
		int r = s->conf->authconfigured != NULL ?
		    s->conf->authconfigured() : 0;

		if (r == -1 && errno == EPERM)
			warn_x("control/passwords is accessible by group or "
			    "others (chmod 600): AUTH not offered", "");
		else if (r == -1)
			warn_sys("unable to read control/checkpassword or "
			    "control/passwords", "");
		s->authok = r == 1;
	}
	return s->authok == 1;
}

/* RFC 4954 4: AUTH only inside TLS, unless control/authplaintext. */
bool
smtpd_auth_offered(struct smtpd_session *s)
{
	return (s->flags & SESS_ESMTP) &&
	    ((s->flags & SESS_TLS) || s->conf->authplaintext) &&
	    auth_configured(s);
}

/* The user name for a log line: printable, no blanks, no quotes. */
static int
set_authuser(struct smtpd_session *s, const struct zs *user)
{
	size_t i;

	if (!zs_copyb(&s->authuser, user->s, user->len) ||
	    !zs_0(&s->authuser))
		return 0;
	for (i = 0; i < s->authuser.len; i++) {
		unsigned char c = (unsigned char)s->authuser.s[i];

		if (c <= ' ' || c >= 127 || c == '"' || c == '=')
			s->authuser.s[i] = '?';
	}
	return 1;
}

static void
sleep_ms(unsigned long long ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * One step of an AUTH exchange: send a 334 challenge (base64), read the
 * client's answer into resp. STEP_GO: an answer; STEP_NEXT: the exchange
 * is over and answered (cancelled, too long, malformed). The line held a
 * secret: it is wiped whatever happens.
 */
static enum smtpd_step
auth_ask(struct smtpd_session *s, const char *challenge, struct zs *resp)
{
	enum smtpd_step r = STEP_CLOSE;

	if (!smtpd_reply_line(s, 334, ' ', NULL, challenge, NULL))
		return STEP_CLOSE;
	switch (smtpd_io_line(s, SMTPD_SASL_MAX + 2, RPL_AUTH_LONG)) {
	case READ_LINE:
		if (s->line.len == 1 && s->line.s[0] == '*')
			r = smtpd_reply(s, RPL_AUTH_CANCEL, NULL);
		else if (zs_copyb(resp, s->line.s, s->line.len))
			r = STEP_GO;
		break;
	case READ_REFUSED:
		r = STEP_NEXT;
		break;
	case READ_EOF:
		s->eof = true;
		break;
	case READ_ERROR:
		break;
	}
	if (s->line.s != NULL)
		explicit_bzero(s->line.s, s->line.cap);
	s->line.len = 0;
	return r;
}

/* What control/authfailures says of this client. */
enum auth_limit { LIMIT_UNDER, LIMIT_OVER, LIMIT_ERROR };

/*
 * control/authfailures: failed AUTH per client address in a window, in a
 * table every zr-smtpd process shares, so that a guesser gains nothing by
 * reconnecting. take false: may this client try; take true: count one
 * failure (over the limit is no error then: the next AUTH sees it).
 */
static enum auth_limit
auth_client_limit(struct smtpd_session *s, bool take)
{
	const struct smtpd_conf *c = s->conf;
	int r;

	if (c->authfailures == 0 || !c->client_known)
		return LIMIT_UNDER;
	if (!s->qopen) {
		errno = ENOENT;
		r = -1;
	} else if (take) {
		r = ratelimit_take(s->q.rootfd, SMTPD_AUTHFAIL_FILE,
		    c->clientaddr, c->authfailures, c->authwindow,
		    (long long)time(NULL));
		if (r == 0)
			r = 1;
	} else {
		r = ratelimit_check(s->q.rootfd, SMTPD_AUTHFAIL_FILE,
		    c->clientaddr, c->authfailures, c->authwindow,
		    (long long)time(NULL));
	}
	if (r == -1) {
		warn_sys("unable to use the AUTH failure counts in ",
		    c->queuedir, "/", SMTPD_AUTHFAIL_FILE);
		return LIMIT_ERROR;
	}
	return r == 1 ? LIMIT_UNDER : LIMIT_OVER;
}

/* A base64 initial response of RFC 4954 4: "=" stands for empty. */
static const char *
initial(const char *ir, size_t *n)
{
	if (*n == 1 && ir[0] == '=')
		*n = 0;
	return ir;
}

/* The check before AUTH: whether it is offered, and to this client. */
enum smtpd_step
smtpd_check_auth(struct smtpd_session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	if (s->flags & SESS_AUTH)
		return smtpd_reply(s, RPL_AUTH_AGAIN, NULL);
	if (!(s->flags & SESS_ESMTP) || !auth_configured(s))
		return smtpd_reply(s, RPL_AUTH_NO, NULL);
	/* 538 only when STARTTLS would make AUTH available. */
	if (!smtpd_auth_offered(s))
		return smtpd_reply(s, s->conf->tls && !(s->flags & SESS_TLS) ?
		    RPL_AUTH_ENCRYPT : RPL_AUTH_NO, NULL);
	/* A client over its failures is not asked for anything more. */
	switch (auth_client_limit(s, false)) {
	case LIMIT_OVER:
		return smtpd_reply_close(s, RPL_AUTH_CLIENT, "auth-limit");
	case LIMIT_ERROR:
		return smtpd_reply(s, RPL_AUTH_TEMP, NULL);
	case LIMIT_UNDER:
		break;
	}
	return STEP_GO;
}

/*
 * The exchange: PLAIN is one message; LOGIN the user name ("Username:"),
 * then the password ("Password:"). ir: the initial response, or NULL.
 * STEP_GO with user and pass set, or the step that ends the exchange.
 */
static enum smtpd_step
auth_exchange(struct smtpd_session *s, bool plain, const char *ir,
    size_t irlen, struct zs *user, struct zs *pass)
{
	struct zs resp = ZS_INIT;
	enum smtpd_step r = STEP_GO;
	bool bad = false;

	if (ir != NULL)
		r = zs_copyb(&resp, ir, irlen) ? STEP_GO : STEP_CLOSE;
	else
		r = auth_ask(s, plain ? "" : "VXNlcm5hbWU6", &resp);
	if (r == STEP_GO && !(plain ?
	    sasl_plain_decode(resp.s, resp.len, user, pass) :
	    sasl_login_decode(resp.s, resp.len, user))) {
		bad = errno == EINVAL;
		r = STEP_CLOSE;
	}
	if (r == STEP_GO && !plain) {
		resp.len = 0;
		r = auth_ask(s, "UGFzc3dvcmQ6", &resp);
		if (r == STEP_GO &&
		    !sasl_login_decode(resp.s, resp.len, pass)) {
			bad = errno == EINVAL;
			r = STEP_CLOSE;
		}
	}
	smtpd_wipe(&resp);
	return bad ? smtpd_reply(s, RPL_AUTH_DECODE, NULL) : r;
}

/* conf.authcheck's answer on user and pass, and the reply to it. */
static enum smtpd_step
auth_verdict(struct smtpd_session *s, bool plain, const struct zs *user,
    const struct zs *pass)
{
	switch (s->conf->authcheck != NULL ?
	    s->conf->authcheck(user->s, pass->s) : -1) {
	case 1:
		if (!set_authuser(s, user))
			return STEP_CLOSE;
		s->flags |= SESS_AUTH;
		log_info("client=", s->conf->client, " auth=",
		    plain ? "PLAIN" : "LOGIN", " user=", s->authuser.s);
		return smtpd_reply(s, RPL_AUTH_OK, NULL);
	case 0:
		(void)auth_client_limit(s, true);
		if (++s->authfails >= SMTPD_AUTHFAIL_MAX)
			return smtpd_reply_close(s, RPL_AUTH_LIMIT,
			    "auth-failures");
		/* Guessing gets slower with each failure. */
		sleep_ms((unsigned long long)s->conf->authdelay_ms *
		    s->authfails);
		return smtpd_reply(s, RPL_AUTH_FAIL, NULL);
	default:
		warn_sys("unable to check a password", "");
		return smtpd_reply(s, RPL_AUTH_TEMP, NULL);
	}
}

/* AUTH mechanism [initial-response], after smtpd_check_auth. */
enum smtpd_step
smtpd_do_auth(struct smtpd_session *s, const char *arg, size_t n)
{
	struct zs user = ZS_INIT, pass = ZS_INIT;
	const char *ir = NULL, *mech;
	size_t mlen, irlen = 0;
	enum smtpd_step r;
	bool plain;

	if (n < 2 || arg[0] != ' ')
		return smtpd_reply(s, RPL_SYNTAX, NULL);
	mech = arg + 1;
	mlen = strcspn(mech, " ");
	if (mech[mlen] == ' ') {
		ir = mech + mlen + 1;
		irlen = strlen(ir);
		if (irlen == 0 || memchr(ir, ' ', irlen) != NULL)
			return smtpd_reply(s, RPL_SYNTAX, NULL);
		ir = initial(ir, &irlen);
	}
	if (mlen == 5 && strncasecmp(mech, "PLAIN", 5) == 0)
		plain = true;
	else if (mlen == 5 && strncasecmp(mech, "LOGIN", 5) == 0)
		plain = false;
	else
		return smtpd_reply(s, RPL_AUTH_MECH, NULL);
	s->logcmd = "AUTH";
	r = auth_exchange(s, plain, ir, irlen, &user, &pass);
	if (r == STEP_GO)
		r = auth_verdict(s, plain, &user, &pass);
	s->logcmd = NULL;
	if (s->line.s != NULL)
		explicit_bzero(s->line.s, s->line.cap);
	s->line.len = 0;
	smtpd_wipe(&pass);
	zs_free(&user);
	return r;
}
