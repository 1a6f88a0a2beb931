/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <time.h>

#include "addr.h"
#include "die.h"
#include "sasl.h"
#include "fmt.h"
#include "hdrqual.h"
#include "hops.h"
#include "prio.h"
#include "qwrite.h"
#include "ratelimit.h"
#include "smtpd.h"
#include "smtpd_bdat.h"
#include "smtpd_data.h"
#include "smtpd_param.h"
#include "smtpd_path.h"
#include "utf8.h"

/* Where the per-client message counts live, under the queue. */
#define SMTPD_RATE_FILE "lock/ratelimit"
/* And the per-client counts of failed AUTH. */
#define SMTPD_AUTHFAIL_FILE "lock/authfail"
/* The queue file's buffer: a typical message goes out in one write. */
#define SMTPD_FILEBUF 16384
/*
 * The start of the content held in memory before the envelope is written,
 * so that its X-Priority or Priority field can set the priority the
 * envelope records. A field further down than this is not read.
 */
#define SMTPD_PRIO_HOLD 65536

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

static const struct smtpd_replytab {
	int code;
	const char *esc;
	const char *text;
} replies[RPL_COUNT] = {
	[RPL_GREET] = { 220, NULL, "" },
	[RPL_HELO] = { 250, NULL, "" },
	[RPL_OK] = { 250, "2.0.0", "Ok" },
	[RPL_SENDER_OK] = { 250, "2.1.0", "Sender ok" },
	[RPL_RCPT_OK] = { 250, "2.1.5", "Recipient ok" },
	[RPL_QUEUED] = { 250, "2.0.0", "Ok: queued as " },
	[RPL_VRFY] = { 252, "2.0.0",
	    "Cannot VRFY user, but will accept message and attempt delivery" },
	[RPL_HELP] = { 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT "
	    "RSET NOOP QUIT VRFY HELP STARTTLS AUTH" },
	[RPL_DATA] = { 354, NULL, "End data with <CR><LF>.<CR><LF>" },
	[RPL_BYE] = { 221, "2.0.0", "Bye" },
	[RPL_TIMEOUT] = { 421, "4.4.2", "Timeout, closing connection" },
	[RPL_ERRORS] = { 421, "4.7.0", "Too many errors, closing connection" },
	[RPL_TEMP] = { 421, "4.3.0", "Temporary failure, closing connection" },
	[RPL_JUNK] = { 421, "4.7.0",
	    "Too many commands that do no work, closing connection" },
	[RPL_SESSIONTIME] = { 421, "4.4.2",
	    "Session time limit reached, closing connection" },
	[RPL_SLOW] = { 421, "4.4.2", "Data rate too low, closing connection" },
	[RPL_RATE] = { 450, "4.7.1",
	    "Too many messages from your address, try again later" },
	[RPL_SENDERLIMIT] = { 450, "4.7.1",
	    "Too many messages from this sender, try again later" },
	[RPL_QUEUEFAIL] = { 451, "4.3.0",
	    "Temporary queue failure, try again later" },
	[RPL_TOOMANYRCPT] = { 452, "4.5.3", "Too many recipients" },
	[RPL_UNKNOWN] = { 500, "5.5.1", "Command unrecognized" },
	[RPL_LINELONG] = { 500, "5.5.2", "Line too long" },
	[RPL_BARELF] = { 500, "5.5.2", "Commands must end in CRLF" },
	[RPL_BADBYTE] = { 500, "5.5.2", "Invalid character in command" },
	[RPL_SYNTAX] = { 501, "5.5.4", "Syntax error in parameters" },
	[RPL_NOPARAM] = { 501, "5.5.4", "No parameters allowed" },
	[RPL_HELOSYNTAX] = { 501, NULL, "Syntax: EHLO hostname" },
	[RPL_FROMSYNTAX] = { 501, "5.1.7", "Bad sender address syntax" },
	[RPL_TOSYNTAX] = { 501, "5.1.3", "Bad recipient address syntax" },
	[RPL_NEEDHELO] = { 503, "5.5.1", "Send HELO or EHLO first" },
	[RPL_NEEDMAIL] = { 503, "5.5.1", "Need MAIL command" },
	[RPL_NESTED] = { 503, "5.5.1", "Sender already given" },
	[RPL_NEEDRCPT] = { 503, "5.5.1",
	    "Need RCPT command (no valid recipients)" },
	[RPL_RELAY] = { 550, "5.7.1", "Relaying denied" },
	[RPL_ROUTED] = { 550, "5.7.1",
	    "Relaying denied: routing in the address is not allowed" },
	[RPL_NOUSER] = { 550, "5.1.1", "No such user here" },
	[RPL_TOOBIG] = { 552, "5.3.4", "Message size exceeds fixed limit" },
	[RPL_BAREDATA] = { 554, "5.6.0",
	    "Message refused: bare CR or LF (lines must end in CRLF)" },
	[RPL_NULDATA] = { 554, "5.6.0", "Message refused: NUL byte" },
	[RPL_LONGDATA] = { 554, "5.6.0",
	    "Message refused: line longer than 1000 octets" },
	/* RFC 3463 3.5: X.4.6 is a routing loop. */
	[RPL_LOOP] = { 554, "5.4.6",
	    "Message refused: too many hops, it is looping" },
	[RPL_EARLY] = { 554, NULL,
	    "Protocol violation: input before greeting" },
	[RPL_PIPELINE] = { 554, NULL,
	    "Protocol violation: commands sent before the reply to HELO/EHLO" },
	[RPL_HTTP] = { 554, "5.7.0",
	    "Protocol violation: this is an SMTP server, closing connection" },
	[RPL_PARAM] = { 555, "5.5.4", "Unsupported parameter" },
	[RPL_NOSPACE] = { 452, "4.3.1", "Insufficient system storage" },
	[RPL_INTX] = { 503, "5.5.1", "Not allowed during a mail transaction" },
	/* RFC 6531 3.5 names 5.6.7 for addresses it cannot take. */
	[RPL_UTF8] = { 553, "5.6.7", "Malformed UTF-8 in the address" },
	[RPL_UTF8DATA] = { 554, "5.6.7",
	    "Message refused: malformed UTF-8 in the header (SMTPUTF8)" },
	/* RFC 3030 2 and 4.2. */
	[RPL_CHUNK] = { 250, "2.0.0", "Ok: chunk received" },
	[RPL_BDATSYNTAX] = { 501, "5.5.4",
	    "Syntax: BDAT size [LAST], closing connection" },
	[RPL_MIXED] = { 503, "5.5.1",
	    "BDAT and DATA do not mix in one transaction; it is reset" },
	/* RFC 3207 4. */
	[RPL_TLS_READY] = { 220, "2.0.0", "Ready to start TLS" },
	[RPL_TLS_TEMP] = { 454, "4.7.0",
	    "TLS not available due to temporary reason" },
	[RPL_TLS_NO] = { 502, "5.5.1", "STARTTLS not available" },
	[RPL_TLS_ACTIVE] = { 503, "5.5.1", "TLS already active" },
	/* RFC 4954 4 and 6. */
	[RPL_AUTH_OK] = { 235, "2.7.0", "Authentication successful" },
	[RPL_AUTH_NO] = { 503, "5.5.1", "AUTH not available" },
	[RPL_AUTH_ENCRYPT] = { 538, "5.7.11",
	    "Encryption required for requested authentication mechanism" },
	[RPL_AUTH_AGAIN] = { 503, "5.5.1", "Already authenticated" },
	[RPL_AUTH_MECH] = { 504, "5.5.4", "Unrecognized authentication type" },
	[RPL_AUTH_CANCEL] = { 501, "5.0.0", "Authentication cancelled" },
	[RPL_AUTH_DECODE] = { 501, "5.5.2", "Cannot decode response" },
	[RPL_AUTH_LONG] = { 500, "5.5.6",
	    "Authentication Exchange line is too long" },
	[RPL_AUTH_FAIL] = { 535, "5.7.8",
	    "Authentication credentials invalid" },
	[RPL_AUTH_TEMP] = { 454, "4.7.0", "Temporary authentication failure" },
	[RPL_AUTH_LIMIT] = { 421, "4.7.0",
	    "Too many failed authentications, closing connection" },
	[RPL_AUTH_CLIENT] = { 421, "4.7.0", "Too many failed authentications "
	    "from your address, try again later" },
	[RPL_AUTH_REQUIRED] = { 530, "5.7.0", "Authentication required" },
};

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

static void
smtpd_enter(struct smtpd_session *s, enum smtpd_state st)
{
	if (s->conf->debug && st != s->state)
		log_info("state=", state_name(s->state), "->", state_name(st));
	s->state = st;
}

/* One reply line; sep is ' ' for the last line, '-' before it. */
static int
reply_line(struct smtpd_session *s, int code, char sep, const char *esc,
    const char *text, const char *extra)
{
	char num[4];

	/* A wrong code or a class mismatch is our bug: never send it. */
	if (code < 200 || code > 599 ||
	    (esc != NULL && (esc[0] != '0' + code / 100 || code / 100 == 3))) {
		warn_x("bad reply code: ", text);
		errno = EINVAL;
		return 0;
	}
	num[0] = (char)('0' + code / 100);
	num[1] = (char)('0' + code / 10 % 10);
	num[2] = (char)('0' + code % 10);
	num[3] = sep;
	return buf_put(&s->out, num, 4) &&
	    (esc == NULL ||
	    (buf_puts(&s->out, esc) && buf_put(&s->out, " ", 1))) &&
	    buf_puts(&s->out, text) &&
	    (extra == NULL || buf_puts(&s->out, extra)) &&
	    buf_put(&s->out, "\r\n", 2);
}

/* The command word for a log line: letters only, else "?". */
static void
verb_of(const struct zs *line, char out[12])
{
	size_t i;

	for (i = 0; i < line->len && i < 10; i++) {
		char c = line->s[i];

		if (c == ' ')
			break;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			break;
		out[i] = c;
	}
	if (i == 0 || (i < line->len && line->s[i] != ' '))
		memcpy(out, "?", 2);
	else
		out[i] = '\0';
}

static int
smtpd_reply(struct smtpd_session *s, enum smtpd_reply_id id,
    const char *extra)
{
	const struct smtpd_replytab *r = &replies[id];

	if (r->code >= 400 && !s->quietlog) {
		char verb[12], code[FMT_ULONG];

		if (s->logcmd != NULL)
			memcpy(verb, s->logcmd, strlen(s->logcmd) + 1);
		else
			verb_of(&s->line, verb);
		code[fmt_ulong(code, (unsigned long long)r->code)] = '\0';
		log_info("client=", s->conf->client, " reject=", code,
		    r->esc != NULL ? " " : "", r->esc != NULL ? r->esc : "",
		    " cmd=", verb, s->logarg != NULL ? " arg=<" : "",
		    s->logarg != NULL ? s->logarg : "",
		    s->logarg != NULL ? ">" : "", " reason=\"", r->text, "\"");
	}
	/* RFC 5321 4.2: these mean the client sent what it should not. */
	if (r->code == 500 || r->code == 501 || r->code == 503 ||
	    r->code == 555) {
		s->badcmds++;
		s->junk++;
	}
	return reply_line(s, r->code, ' ', r->esc, r->text, extra);
}

static void msg_drop(struct smtpd_session *);

static void
tx_reset(struct smtpd_session *s)
{
	msg_drop(s);
	envelope_free(&s->env);
	s->has_mtprio = false;
}

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
	s->q.rootfd = -1;
	s->qopen = queue_open(&s->q, c->queuedir);
	if (!s->qopen)
		warn_sys("unable to open queue ", c->queuedir);
}

/* Wipe a string that held a secret, then free it. */
static void
zs_wipe(struct zs *z)
{
	if (z->s != NULL)
		explicit_bzero(z->s, z->cap);
	zs_free(z);
}

void
smtpd_free(struct smtpd_session *s)
{
	tx_reset(s);
	zs_wipe(&s->line);
	zs_free(&s->authuser);
	if (s->tlsops != NULL)
		s->tlsops->free(s);
	zs_free(&s->helo);
	if (s->qopen)
		queue_close(&s->q);
	s->qopen = false;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A limit on the session was reached: 421, and the end (ETIMEDOUT). */
static int
expire(struct smtpd_session *s, enum smtpd_reply_id id, const char *result)
{
	if (s->iotimeout != NULL)
		*s->iotimeout = (unsigned)s->conf->timeout;
	(void)(smtpd_reply(s, id, NULL) && buf_flush(&s->out));
	s->result = result;
	errno = ETIMEDOUT;
	return 0;
}

/* Which deadline is nearest when waiting for input. */
enum smtpd_wait { WAIT_IDLE, WAIT_SESSION, WAIT_WINDOW };

/*
 * Before a read: how long it may wait, told to the buf operation (in whole
 * seconds, rounded up). timeoutsmtpd bounds one wait; timeoutsession and,
 * in DATA, the end of the data rate's window come sooner. A drip of a byte
 * every few seconds passes every wait, but not these. 0 when a limit was
 * reached (answered and s->result set).
 */
static int
arm(struct smtpd_session *s, enum smtpd_wait *why)
{
	const struct smtpd_conf *c = s->conf;
	long long now = now_ms(), left = (long long)c->timeout * 1000;

	*why = WAIT_IDLE;
	if (s->deadline != 0) {
		if (s->deadline - now <= 0)
			return expire(s, RPL_SESSIONTIME, "session-timeout");
		if (s->deadline - now < left) {
			left = s->deadline - now;
			*why = WAIT_SESSION;
		}
	}
	if (s->rating) {
		long long end = s->window + (long long)c->datawindow * 1000;

		if (end - now <= 0) {
			/* A whole window: it must have brought its share. */
			if (s->winbytes < c->mindatarate * c->datawindow)
				return expire(s, RPL_SLOW, "slow");
			s->window = now;
			s->winbytes = 0;
			end = now + (long long)c->datawindow * 1000;
		}
		if (end - now < left) {
			left = end - now;
			*why = WAIT_WINDOW;
		}
	}
	if (s->iotimeout != NULL)
		*s->iotimeout = (unsigned)((left + 999) / 1000);
	return 1;
}

/* DATA: the data rate is measured from the 354 on, window by window. */
static void
rate_begin(struct smtpd_session *s)
{
	s->rating = s->conf->mindatarate != 0;
	s->window = now_ms();
	s->winbytes = 0;
}

/* More input: flush pending replies first, so pipelined replies group. */
static ssize_t
fill(struct smtpd_session *s)
{
	size_t n = buf_avail(&s->in);
	enum smtpd_wait why;
	ssize_t r;

	if (n > 0)
		return (ssize_t)n;
	if (s->out.end > 0 && !buf_flush(&s->out))
		return -1;
	for (;;) {
		if (!arm(s, &why))
			return -1;
		r = buf_feed(&s->in);
		/* Replies are written with the idle timeout, not a window's. */
		if (s->iotimeout != NULL)
			*s->iotimeout = (unsigned)s->conf->timeout;
		if (r > 0 && s->rating)
			s->winbytes += (unsigned long long)r;
		/* A wait cut short for another deadline: arm() judges it. */
		if (r == -1 && errno == ETIMEDOUT && why != WAIT_IDLE)
			continue;
		return r;
	}
}

/*
 * A line no SMTP client sends: an HTTP request line (a browser or proxy
 * made to talk to port 25: RFC 9112 3) or a header field line (RFC 9110
 * 5: "Host:" and the rest of the request, or a message sent as commands).
 * No SMTP verb has a colon in its first word. Postfix refuses the same
 * (smtpd_forbidden_commands). p, n: the line without its line end.
 */
static bool
smtpd_forbidden(const char *p, size_t n)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "PUT",
	    "CONNECT", "OPTIONS", "DELETE", "PATCH", "TRACE" };
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t i, k;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		const char *sp;

		k = strlen(methods[i]);
		if (n <= k || strncasecmp(p, methods[i], k) != 0 || p[k] != ' ')
			continue;
		/* METHOD SP target SP HTTP/d.d */
		sp = memchr(p + k + 1, ' ', n - k - 1);
		if (sp == NULL || sp == p + k + 1)
			continue;
		k = (size_t)(sp + 1 - p);
		if (n - k == 8 && strncasecmp(p + k, "HTTP/", 5) == 0 &&
		    p[k + 5] >= '0' && p[k + 5] <= '9' && p[k + 6] == '.' &&
		    p[k + 7] >= '0' && p[k + 7] <= '9')
			return true;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || (c != '\0' &&
		    strchr(tchar, c) != NULL)))
			break;
	}
	return i > 0 && i < n && p[i] == ':';
}

/*
 * Read one command line into s->line, CRLF removed. Returns 1, 2 when the
 * line was refused (and answered; toolong when it had more than max
 * octets with its CRLF), 0 at EOF, -1 on an I/O error. However long the
 * line, at most max bytes are kept.
 */
static int
read_line(struct smtpd_session *s, size_t max, enum smtpd_reply_id toolong_id)
{
	bool toolong = false;
	size_t i;

	s->line.len = 0;
	for (;;) {
		ssize_t r = fill(s);
		const char *p, *nl;
		size_t take;

		if (r <= 0)
			return (int)r;
		p = buf_peek(&s->in);
		nl = memchr(p, '\n', (size_t)r);
		take = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)r;
		if (!toolong) {
			if (take > max - s->line.len)
				toolong = true;
			else if (!zs_catb(&s->line, p, take))
				return -1;
		}
		buf_seek(&s->in, take);
		if (nl != NULL)
			break;
	}
	/* Before anything else: even a bare LF does not let it pass. */
	if (!toolong && smtpd_forbidden(s->line.s, s->line.len -
	    (s->line.len >= 2 && s->line.s[s->line.len - 2] == '\r' ? 2 : 1))) {
		(void)(smtpd_reply(s, RPL_HTTP, NULL) && buf_flush(&s->out));
		s->line.len = 0;
		s->result = "http";
		return -1;
	}
	if (toolong) {
		if (s->line.s != NULL)
			explicit_bzero(s->line.s, s->line.len);
		s->line.len = 0;
		return smtpd_reply(s, toolong_id, NULL) ? 2 : -1;
	}
	/* RFC 5321 2.3.8: lines end in CRLF; a bare LF is refused. */
	if (s->line.len < 2 || s->line.s[s->line.len - 2] != '\r') {
		s->line.len = 0;
		return smtpd_reply(s, RPL_BARELF, NULL) ? 2 : -1;
	}
	s->line.len -= 2;
	for (i = 0; i < s->line.len; i++) {
		unsigned char c = (unsigned char)s->line.s[i];

		/*
		 * No CR, NUL, other control or 8-bit byte in a command; but
		 * MAIL and RCPT may carry UTF-8 addresses (RFC 6531 3.3),
		 * which their handlers check.
		 */
		if (c < 32 || c == 127 || (c > 127 && !(s->line.len >= 5 &&
		    (strncasecmp(s->line.s, "MAIL ", 5) == 0 ||
		    strncasecmp(s->line.s, "RCPT ", 5) == 0)))) {
			s->line.len = 0;
			return smtpd_reply(s, RPL_BADBYTE, NULL) ? 2 : -1;
		}
	}
	return 1;
}

/* Whether the client has sent more than what was read. */
static bool
input_waiting(const struct smtpd_session *s)
{
	struct pollfd p = { .fd = s->in.fd, .events = POLLIN };

	if (buf_avail(&s->in) > 0)
		return true;
	/* Inside TLS, bytes on the socket need not be data (a ticket). */
	if (s->in.fd < 0 || (s->flags & SESS_TLS))
		return false;
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/*
 * A command: at most as long as the longest any verb takes.
 *
 * Until HELO/EHLO has been answered a client cannot know that it may
 * pipeline (RFC 2920 3.1; EHLO also ends a group): input already waiting
 * behind a command then is an early talker's, a spam engine that does not
 * listen (qmail's and Postfix's rule). It is refused and the connection
 * closed, so nothing it sent runs.
 */
static int
read_command(struct smtpd_session *s)
{
	int r = read_line(s, SMTPD_LINE_KEEP, RPL_LINELONG);

	if (r == 1 && s->conf->pipecheck && !(s->flags & SESS_HELLO) &&
	    input_waiting(s)) {
		(void)(smtpd_reply(s, RPL_PIPELINE, NULL) &&
		    buf_flush(&s->out));
		s->result = "pipelining";
		return -1;
	}
	return r;
}

static bool
may_relay(const struct smtpd_session *s)
{
	return (s->flags & (SESS_RELAY | SESS_AUTH)) != 0;
}

/* Whether the queue's file system has room for size more octets. */
static bool
room_for(const struct smtpd_session *s, unsigned long long size)
{
	struct statvfs st;
	unsigned long long avail;

	if (fstatvfs(s->q.rootfd, &st) == -1)
		return true;	/* unknown: let the write find out */
	if (__builtin_mul_overflow((unsigned long long)st.f_bavail,
	    (unsigned long long)st.f_frsize, &avail))
		return true;
	return size <= avail && st.f_favail != 0;
}

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
static bool
auth_offered(struct smtpd_session *s)
{
	return (s->flags & SESS_ESMTP) &&
	    ((s->flags & SESS_TLS) || s->conf->authplaintext) &&
	    auth_configured(s);
}

/*
 * RFC 6710 3: MT-PRIORITY to clients whose priorities we believe: relay
 * clients, and those that may authenticate (the EHLO reply comes before
 * AUTH; an unauthenticated client's value is ignored at MAIL).
 */
static bool
mt_offered(struct smtpd_session *s)
{
	return s->conf->mtpriority && (may_relay(s) || auth_offered(s));
}

/* The greeting. */
static int
greet(struct smtpd_session *s)
{
	return reply_line(s, replies[RPL_GREET].code, ' ', NULL, s->conf->me.s,
	    " ESMTP zr-smtpd");
}

static int
smtpd_do_helo(struct smtpd_session *s, const char *arg, size_t n, bool esmtp)
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
		return 0;
	tx_reset(s);
	if (esmtp)
		s->flags |= SESS_ESMTP;
	else
		s->flags &= ~SESS_ESMTP;
	s->flags |= SESS_HELLO;
	smtpd_enter(s, ST_READY);
	if (!esmtp)
		return reply_line(s, 250, ' ', NULL, s->conf->me.s, NULL);
	{
		char size[FMT_ULONG + 8];
		size_t k = 0;

		memcpy(size, "SIZE", 4);
		k = 4;
		if (s->conf->databytes != 0) {
			size[k++] = ' ';
			k += fmt_ulong(size + k, s->conf->databytes);
		}
		size[k] = '\0';
		return reply_line(s, 250, '-', NULL, s->conf->me.s, NULL) &&
		    reply_line(s, 250, '-', NULL, "PIPELINING", NULL) &&
		    reply_line(s, 250, '-', NULL, size, NULL) &&
		    reply_line(s, 250, '-', NULL, "8BITMIME", NULL) &&
		    reply_line(s, 250, '-', NULL, "CHUNKING", NULL) &&
		    reply_line(s, 250, '-', NULL, "SMTPUTF8", NULL) &&
		    reply_line(s, 250, '-', NULL, "ENHANCEDSTATUSCODES",
		    NULL) &&
		    (!s->conf->tls || (s->flags & SESS_TLS) ||
		    reply_line(s, 250, '-', NULL, "STARTTLS", NULL)) &&
		    (!auth_offered(s) ||
		    reply_line(s, 250, '-', NULL, "AUTH PLAIN LOGIN", NULL)) &&
		    (!mt_offered(s) ||
		    reply_line(s, 250, '-', NULL, "MT-PRIORITY", NULL)) &&
		    (!(s->flags & SESS_TLS) ||
		    reply_line(s, 250, '-', NULL, "REQUIRETLS", NULL)) &&
		    reply_line(s, 250, ' ', NULL, "DSN", NULL);
	}
}

static int
smtpd_do_ehlo(struct smtpd_session *s, const char *arg, size_t n)
{
	return smtpd_do_helo(s, arg, n, true);
}

static int
smtpd_do_helo4(struct smtpd_session *s, const char *arg, size_t n)
{
	return smtpd_do_helo(s, arg, n, false);
}

/* "FROM:" / "TO:" then the path: the offset of the path, or 0. */
static size_t
path_start(const char *arg, size_t n, const char *word)
{
	size_t w = strlen(word), i;

	if (n < w + 1 || arg[0] != ' ' || strncasecmp(arg + 1, word, w) != 0)
		return 0;
	/* RFC 5321 has no space after the colon; many clients send one. */
	for (i = w + 1; i < n && arg[i] == ' '; i++)
		;
	return i < n ? i : 0;
}

/* Copy n bytes into a fresh NUL-terminated zs. */
static int
copy0(struct zs *z, const char *p, size_t n)
{
	return zs_copyb(z, p, n) && zs_0(z);
}

/*
 * control/senderlimits, for relay and authenticated clients (the mail that
 * goes out): 2 when the message may go on (and was counted), else the
 * result of the reply. A refusal is logged once per window, not at every
 * try, so that a runaway client cannot fill the log.
 */
static int
sender_limit(struct smtpd_session *s, const char *sender)
{
	const struct smtpd_limit *over = NULL;
	long long now = (long long)time(NULL);
	int r = -1, ok;

	if (s->qopen)
		r = smtpd_limit_take(&s->conf->senderlimits, s->q.rootfd, sender,
		    (s->flags & SESS_AUTH) ? s->authuser.s : NULL, now, &over);
	else
		errno = ENOENT;
	if (r == 1)
		return 2;
	if (r == -1) {
		warn_sys("unable to update the sender limits in ",
		    s->conf->queuedir, "/", SMTPD_LIMIT_FILE);
		return smtpd_reply(s, RPL_QUEUEFAIL, NULL);
	}
	if (smtpd_limit_first(over, s->q.rootfd, now)) {
		char cnt[FMT_ULONG], per[FMT_ULONG];

		cnt[fmt_ulong(cnt, over->count)] = '\0';
		per[fmt_ulong(per, over->period)] = '\0';
		log_info("client=", s->conf->client, " reject=450 4.7.1 cmd=MAIL",
		    " arg=<", sender, ">", s->authuser.len ? " user=" : "",
		    s->authuser.len ? s->authuser.s : "", " senderlimit=",
		    over->who, " limit=", cnt, "/", per,
		    "s reason=\"sender limit reached; not logged again in "
		    "this window\"");
	}
	s->quietlog = true;
	ok = smtpd_reply(s, RPL_SENDERLIMIT, NULL);
	s->quietlog = false;
	return ok;
}

static int
smtpd_do_mail(struct smtpd_session *s, const char *arg, size_t n)
{
	struct smtpd_path path;
	struct smtpd_mailparam mp;
	struct zs tmp = ZS_INIT;
	size_t at = path_start(arg, n, "FROM:"), used;
	int ok;

	/* control/requireauth: a submission service, not an MX. */
	if (s->conf->requireauth && !may_relay(s))
		return smtpd_reply(s, RPL_AUTH_REQUIRED, NULL);
	if (at == 0)
		return smtpd_reply(s, RPL_FROMSYNTAX, NULL);
	used = smtpd_path_parse(arg + at, n - at, &path);
	if (used == 0)
		return smtpd_reply(s, utf8_valid(arg, n) ? RPL_FROMSYNTAX :
		    RPL_UTF8, NULL);
	if (!copy0(&tmp, path.addr, path.len))
		return 0;
	s->logarg = tmp.s;
	at += used;
	if (!(s->flags & SESS_ESMTP) && strspn(arg + at, " ") != n - at) {
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	}
	switch (smtpd_param_mail(arg + at, n - at, &mp)) {
	case PARAM_OK:
		break;
	case PARAM_UNKNOWN:
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	default:
		ok = smtpd_reply(s, RPL_SYNTAX, NULL);
		goto out;
	}
	/* RFC 6531 3.4: 8-bit addresses only with SMTPUTF8; else as ever. */
	if (!mp.smtputf8 && !utf8_ascii(arg, n)) {
		ok = smtpd_reply(s, RPL_BADBYTE, NULL);
		goto out;
	}
	/* RFC 8689 2: offered inside TLS only, so unknown outside it. */
	if (mp.requiretls && !(s->flags & SESS_TLS)) {
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	}
	if (mp.has_mtprio && !s->conf->mtpriority) {
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	}
	/* RFC 1870 6.1: refuse at once what the limit cannot take. */
	if (mp.has_size && s->conf->databytes != 0 &&
	    mp.size > s->conf->databytes) {
		ok = smtpd_reply(s, RPL_TOOBIG, NULL);
		goto out;
	}
	/* RFC 1870 6.1: a size the queue cannot hold now is 452 4.3.1. */
	if (mp.has_size && s->qopen && !room_for(s, mp.size)) {
		ok = smtpd_reply(s, RPL_NOSPACE, NULL);
		goto out;
	}
	if (s->conf->rate_count != 0 &&
	    (!may_relay(s) || s->conf->rate_relay)) {
		int r = -1;

		if (s->qopen)
			r = ratelimit_take(s->q.rootfd, SMTPD_RATE_FILE,
			    s->conf->clientaddr, s->conf->rate_count,
			    s->conf->rate_window, (long long)time(NULL));
		if (r == -1) {
			warn_sys("unable to update the rate limit in ",
			    s->conf->queuedir, "/", SMTPD_RATE_FILE);
			ok = smtpd_reply(s, RPL_QUEUEFAIL, NULL);
			goto out;
		}
		if (r == 0) {
			ok = smtpd_reply(s, RPL_RATE, NULL);
			goto out;
		}
	}
	if (may_relay(s) && s->conf->senderlimits.n != 0) {
		ok = sender_limit(s, tmp.s);
		if (ok != 2)
			goto out;
	}
	tx_reset(s);
	if (!envelope_set(&s->env.sender, tmp.s)) {
		ok = 0;
		goto out;
	}
	s->env.body = mp.body;
	s->env.ret = mp.ret;
	s->env.requiretls = mp.requiretls != 0;
	/* As the client declared it: the message goes on only with it. */
	s->env.smtputf8 = mp.smtputf8 != 0;
	if (mp.has_mtprio && may_relay(s)) {
		s->has_mtprio = true;
		s->mtprio = mp.mtprio;
	} else if (mp.has_mtprio) {
		char v[4];

		/* RFC 6710 5: a value from a client not trusted to set it. */
		v[0] = mp.mtprio < 0 ? '-' : '+';
		v[1] = (char)('0' + (mp.mtprio < 0 ? -mp.mtprio : mp.mtprio));
		v[2] = '\0';
		log_info("client=", s->conf->client, " from=<", tmp.s,
		    "> mt-priority=", v, " ignored=\"not a relay or "
		    "authenticated client\"");
	}
	if (mp.envid != NULL) {
		struct zs envid = ZS_INIT;
		int set = copy0(&envid, mp.envid, mp.envidlen) &&
		    envelope_set(&s->env.envid, envid.s);

		zs_free(&envid);
		if (!set) {
			ok = 0;
			goto out;
		}
	}
	smtpd_enter(s, ST_MAIL);
	ok = smtpd_reply(s, RPL_SENDER_OK, NULL);
out:
	s->logarg = NULL;
	zs_free(&tmp);
	return ok;
}

/* RFC 5321 4.5.1: "<postmaster>" without a domain must be accepted. */
static bool
is_postmaster(const char *p, size_t n)
{
	return n >= 12 && strncasecmp(p, "<postmaster>", 12) == 0;
}

/*
 * In a local domain, with control/localusers, is the local part a user or
 * an alias? Matched as zr-local matches: in lower case, and "user+ext" as
 * "user" when it has no entry of its own.
 */
static int
local_user_ok(const struct smtpd_session *s, const struct zs *addr)
{
	const struct smtpd_conf *c = s->conf;
	size_t at = addr_at(addr->s, addr->len), n, i, off;
	char name[ADDR_LOCAL_MAX + 1];
	int pass;

	if (c->nlocalusers == 0 || at >= addr->len ||
	    !smtpd_path_listed(c->localdomains.s, c->nlocaldomains,
	    addr->s + at + 1, addr->len - at - 1))
		return 1;
	n = at < sizeof name ? at : sizeof name - 1;
	for (i = 0; i < n; i++)
		name[i] = (char)(addr->s[i] >= 'A' && addr->s[i] <= 'Z' ?
		    addr->s[i] + 32 : addr->s[i]);
	name[n] = '\0';
	/* RFC 5321 4.5.1: postmaster is always there. */
	if (strcmp(name, "postmaster") == 0)
		return 1;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, off = 0; i < c->nlocalusers; i++) {
			if (strcmp(c->localusers.s + off, name) == 0)
				return 1;
			off += strlen(c->localusers.s + off) + 1;
		}
		if (strchr(name, '+') == NULL)
			break;
		*strchr(name, '+') = '\0';
	}
	return 0;
}

static int
smtpd_do_rcpt(struct smtpd_session *s, const char *arg, size_t n)
{
	struct smtpd_path path;
	struct smtpd_rcptparam rp;
	struct zs addr = ZS_INIT, orcpt = ZS_INIT;
	size_t at = path_start(arg, n, "TO:"), used, i, dom;
	int ok;

	if (at == 0)
		return smtpd_reply(s, RPL_TOSYNTAX, NULL);
	if (is_postmaster(arg + at, n - at)) {
		used = 12;
		if (!zs_cats(&addr, "postmaster@") ||
		    !zs_cat(&addr, &s->conf->me) || !zs_0(&addr))
			return 0;
		path.route = 0;
	} else {
		used = smtpd_path_parse(arg + at, n - at, &path);
		if (used == 0 || path.len == 0)
			return smtpd_reply(s, utf8_valid(arg, n) ?
			    RPL_TOSYNTAX : RPL_UTF8, NULL);
		if (!copy0(&addr, path.addr, path.len))
			return 0;
	}
	s->logarg = addr.s;
	at += used;
	if (!(s->flags & SESS_ESMTP) && strspn(arg + at, " ") != n - at) {
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	}
	/* A UTF-8 recipient in a transaction begun without SMTPUTF8. */
	if (!s->env.smtputf8 && !utf8_ascii(arg, n)) {
		ok = smtpd_reply(s, RPL_BADBYTE, NULL);
		goto out;
	}
	switch (smtpd_param_rcpt(arg + at, n - at, &rp)) {
	case PARAM_OK:
		break;
	case PARAM_UNKNOWN:
		ok = smtpd_reply(s, RPL_PARAM, NULL);
		goto out;
	default:
		ok = smtpd_reply(s, RPL_SYNTAX, NULL);
		goto out;
	}
	if (s->env.nrcpt >= s->conf->maxrcpt) {
		ok = smtpd_reply(s, RPL_TOOMANYRCPT, NULL);
		goto out;
	}
	if (!may_relay(s) && !is_postmaster(arg + at - used, used)) {
		/*
		 * Routing a domain check cannot see is refused outright. A
		 * source route is not that: it was dropped, and the mailbox
		 * is what is checked and stored (RFC 5321 4.1.1.3, C).
		 */
		path.addr = addr.s;
		path.len = addr.len;
		if (smtpd_path_routed(&path)) {
			ok = smtpd_reply(s, RPL_ROUTED, NULL);
			goto out;
		}
		dom = addr_at(addr.s, addr.len) + 1;
		if (!smtpd_path_listed(s->conf->localdomains.s,
		    s->conf->nlocaldomains, addr.s + dom, addr.len - dom) &&
		    !smtpd_path_listed(s->conf->relaydomains.s,
		    s->conf->nrelaydomains, addr.s + dom, addr.len - dom)) {
			ok = smtpd_reply(s, RPL_RELAY, NULL);
			goto out;
		}
	}
	if (!is_postmaster(arg + at - used, used) && !local_user_ok(s, &addr)) {
		ok = smtpd_reply(s, RPL_NOUSER, NULL);
		goto out;
	}
	/* The same recipient twice is one recipient. */
	for (i = 0; i < s->env.nrcpt; i++)
		if (strcmp(s->env.rcpt[i].addr, addr.s) == 0)
			break;
	if (i == s->env.nrcpt) {
		if (rp.orcpt != NULL && !copy0(&orcpt, rp.orcpt, rp.orcptlen)) {
			ok = 0;
			goto out;
		}
		if (!envelope_add_rcpt(&s->env, addr.s,
		    rp.orcpt != NULL ? orcpt.s : NULL, rp.notify)) {
			ok = 0;
			goto out;
		}
	}
	smtpd_enter(s, ST_RCPT);
	ok = smtpd_reply(s, RPL_RCPT_OK, NULL);
out:
	s->logarg = NULL;
	zs_free(&addr);
	zs_free(&orcpt);
	return ok;
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
		    s->helo.s, s->authuser.len ? " user=" : "",
		    s->authuser.len ? s->authuser.s : "", " from=<",
		    s->env.sender, "> to=", to.s, " size=", size,
		    " priority=", queue_prio_name(s->env.prio),
		    " result=", result);
	} else {
		size[fmt_ulong(size, d->size)] = '\0';
		code[fmt_ulong(code, (unsigned long long)r->code)] = '\0';
		log_info("client=", s->conf->client, " helo=", s->helo.s,
		    " from=<", s->env.sender, "> to=", to.s, " size=", size,
		    " result=", result, " reject=", code, " ", r->esc,
		    " reason=\"", r->text, "\"");
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
	if (!may_relay(s))
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
	if (s->conf->qualifyheaders && may_relay(s) && !qualify(h))
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
static void
msg_drop(struct smtpd_session *s)
{
	struct smtpd_msg *m = s->msg;

	if (m == NULL)
		return;
	qwrite_abort(&m->w);
	zs_free(&m->hold.held);
	free(m);
	s->msg = NULL;
	s->rating = false;
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
	m->w.sign = may_relay(s);
	memcpy(s->env.id, m->w.id, sizeof m->w.id);
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
	m->d.lfok = may_relay(s);
	m->d.raw = raw;
	s->msg = m;
	return RPL_OK;
}

/* The client went away (or timed out) in the middle of a message. 0. */
static int
msg_lost(struct smtpd_session *s, ssize_t r)
{
	int saved = errno;

	log_message(s, &s->msg->d, r == 0 ? "eof" : "error", NULL, NULL);
	msg_drop(s);
	errno = saved;
	s->eof = r == 0;
	return 0;
}

/*
 * The end of a message, from DATA or BDAT: the verdict on what the byte
 * machine saw, the commit, and the one reply; 250 only after qwrite_commit
 * made it durable. The transaction is over either way.
 */
static int
msg_end(struct smtpd_session *s)
{
	struct smtpd_msg *m = s->msg;
	struct smtpd_data *d = &m->d;
	enum smtpd_reply_id verdict;
	int ok;

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
		log_message(s, d, "rejected", NULL, &replies[verdict]);
		ok = smtpd_reply(s, verdict, NULL);
	}
	s->quietlog = false;
	free(m);
	s->msg = NULL;
	tx_reset(s);
	smtpd_enter(s, ST_READY);
	return ok;
}

/*
 * DATA: create the file, then stream the content into it through the byte
 * machine, then the end of the message.
 */
static int
smtpd_do_data(struct smtpd_session *s, const char *arg, size_t n)
{
	enum smtpd_reply_id why;
	int end = 0;

	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	/* RFC 3030 2: a message sent in chunks is not finished by DATA. */
	if (s->state == ST_BDAT) {
		tx_reset(s);
		smtpd_enter(s, ST_READY);
		return smtpd_reply(s, RPL_MIXED, NULL);
	}
	why = msg_open(s, false);
	if (why != RPL_OK)
		return smtpd_reply(s, why, NULL);
	if (!smtpd_reply(s, RPL_DATA, NULL)) {
		msg_drop(s);
		return 0;
	}
	rate_begin(s);
	while (!end) {
		ssize_t r = fill(s);
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
static int
smtpd_do_bdat(struct smtpd_session *s, const char *arg, size_t n)
{
	enum smtpd_reply_id why = RPL_OK;
	unsigned long long size, left;
	bool last;

	if (!smtpd_bdat_parse(arg, n, &size, &last)) {
		/* Without a size, nothing says where the chunk ends. */
		tx_reset(s);
		(void)(smtpd_reply(s, RPL_BDATSYNTAX, NULL) &&
		    buf_flush(&s->out));
		s->result = "bdat-syntax";
		return 0;
	}
	if (s->state == ST_GREETED)
		why = RPL_NEEDHELO;
	else if (s->state == ST_READY)
		why = RPL_NEEDMAIL;
	else if (s->state == ST_MAIL)
		why = RPL_NEEDRCPT;
	else if (s->state == ST_RCPT && (why = msg_open(s, true)) == RPL_OK)
		smtpd_enter(s, ST_BDAT);
	if (why == RPL_OK && s->conf->databytes != 0 &&
	    (s->msg->d.size > s->conf->databytes ||
	    size > s->conf->databytes - s->msg->d.size))
		why = RPL_TOOBIG;
	rate_begin(s);
	for (left = size; left > 0;) {
		ssize_t r = fill(s);
		size_t take;
		int end;

		if (r <= 0) {
			if (s->msg != NULL)
				return msg_lost(s, r);
			s->eof = r == 0;
			return 0;
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
			    &replies[why]);
		tx_reset(s);
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

static int
smtpd_do_rset(struct smtpd_session *s, const char *arg, size_t n)
{
	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	tx_reset(s);
	if (s->state != ST_GREETED)
		smtpd_enter(s, ST_READY);
	return smtpd_reply(s, RPL_OK, NULL);
}

static int
smtpd_do_noop(struct smtpd_session *s, const char *arg, size_t n)
{
	/* RFC 5321 4.1.1.9: NOOP may carry a string, which is ignored. */
	(void)arg;
	(void)n;
	return smtpd_reply(s, RPL_OK, NULL);
}

static int
smtpd_do_quit(struct smtpd_session *s, const char *arg, size_t n)
{
	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	s->quit = true;
	return smtpd_reply(s, RPL_BYE, NULL);
}

static int
smtpd_do_vrfy(struct smtpd_session *s, const char *arg, size_t n)
{
	/* RFC 5321 3.5.3: 252 says nothing about whether the user exists. */
	if (n < 2 || arg[0] != ' ')
		return smtpd_reply(s, RPL_SYNTAX, NULL);
	return smtpd_reply(s, RPL_VRFY, NULL);
}

static int
smtpd_do_help(struct smtpd_session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	return smtpd_reply(s, RPL_HELP, NULL);
}

void
smtpd_tls_restart(struct smtpd_session *s, buf_op rd, buf_op wr, void *ctx)
{
	tx_reset(s);
	s->helo.len = 0;
	s->authuser.len = 0;
	s->flags &= ~(SESS_ESMTP | SESS_AUTH);
	s->flags |= SESS_TLS;
	smtpd_enter(s, ST_GREETED);
	buf_init(&s->in, rd, s->in.fd, ctx, s->inspace, sizeof s->inspace);
	buf_init(&s->out, wr, s->out.fd, ctx, s->outspace, sizeof s->outspace);
}

static int
smtpd_do_starttls(struct smtpd_session *s, const char *arg, size_t n)
{
	size_t early;

	if (strspn(arg, " ") != n)
		return smtpd_reply(s, RPL_NOPARAM, NULL);
	if (s->flags & SESS_TLS)
		return smtpd_reply(s, RPL_TLS_ACTIVE, NULL);
	/* An extension: offered only to a client that said EHLO. */
	if (!s->conf->tls || !(s->flags & SESS_ESMTP))
		return smtpd_reply(s, RPL_TLS_NO, NULL);
	if (s->tlsops == NULL || !s->tlsops->ready(s))
		return smtpd_reply(s, RPL_TLS_TEMP, NULL);
	if (!smtpd_reply(s, RPL_TLS_READY, NULL) || !buf_flush(&s->out))
		return 0;
	/*
	 * Whatever came in plain text after STARTTLS must not be taken as
	 * if it had come through TLS (CVE-2011-0411, plaintext command
	 * injection): it is dropped with the buffer.
	 */
	early = buf_avail(&s->in);
	if (early != 0) {
		char num[FMT_ULONG];

		num[fmt_ulong(num, early)] = '\0';
		log_info("client=", s->conf->client, " starttls discarded=",
		    num);
		buf_seek(&s->in, early);
	}
	if (!s->tlsops->start(s)) {
		s->result = "tls-failed";
		return 0;
	}
	return 1;
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
 * client's answer into resp. 1: an answer; 2: the exchange is over and
 * answered (cancelled, too long, malformed); 0: fatal. The line held a
 * secret: it is wiped whatever happens.
 */
static int
auth_ask(struct smtpd_session *s, const char *challenge, struct zs *resp)
{
	int r;

	if (!reply_line(s, 334, ' ', NULL, challenge, NULL))
		return 0;
	r = read_line(s, SMTPD_SASL_MAX + 2, RPL_AUTH_LONG);
	if (r == 1) {
		if (s->line.len == 1 && s->line.s[0] == '*')
			r = smtpd_reply(s, RPL_AUTH_CANCEL, NULL) ? 2 : 0;
		else if (!zs_copyb(resp, s->line.s, s->line.len))
			r = 0;
	} else if (r == 0) {
		s->eof = true;
	}
	if (s->line.s != NULL)
		explicit_bzero(s->line.s, s->line.cap);
	s->line.len = 0;
	return r == -1 ? 0 : r;
}

/*
 * control/authfailures: failed AUTH per client address in a window, in a
 * table every zr-smtpd process shares, so that a guesser gains nothing by
 * reconnecting. take false: may this client try (1), or is it over (0);
 * take true: count one failure. -1 when the table cannot be used.
 */
static int
auth_client_limit(struct smtpd_session *s, bool take)
{
	const struct smtpd_conf *c = s->conf;
	int r;

	if (c->authfailures == 0 || !c->client_known)
		return 1;
	if (!s->qopen) {
		errno = ENOENT;
		r = -1;
	} else if (take) {
		r = ratelimit_take(s->q.rootfd, SMTPD_AUTHFAIL_FILE,
		    c->clientaddr, c->authfailures, c->authwindow,
		    (long long)time(NULL));
		/* Over the limit is no error here: the next AUTH sees it. */
		if (r == 0)
			r = 1;
	} else {
		r = ratelimit_check(s->q.rootfd, SMTPD_AUTHFAIL_FILE,
		    c->clientaddr, c->authfailures, c->authwindow,
		    (long long)time(NULL));
	}
	if (r == -1)
		warn_sys("unable to use the AUTH failure counts in ",
		    c->queuedir, "/", SMTPD_AUTHFAIL_FILE);
	return r;
}

/* A base64 initial response of RFC 4954 4: "=" stands for empty. */
static const char *
initial(const char *ir, size_t *n)
{
	if (*n == 1 && ir[0] == '=')
		*n = 0;
	return ir;
}

/*
 * AUTH PLAIN (RFC 4616) and LOGIN, with or without an initial response
 * (RFC 4954). Failures wait longer each time, and the last one closes.
 */
static int
smtpd_do_auth(struct smtpd_session *s, const char *arg, size_t n)
{
	struct zs user = ZS_INIT, pass = ZS_INIT, resp = ZS_INIT;
	const char *ir = NULL, *mech;
	size_t mlen, irlen = 0;
	bool plain;
	int r = 1, ok;

	if (s->flags & SESS_AUTH)
		return smtpd_reply(s, RPL_AUTH_AGAIN, NULL);
	if (!(s->flags & SESS_ESMTP) || !auth_configured(s))
		return smtpd_reply(s, RPL_AUTH_NO, NULL);
	/* 538 only when STARTTLS would make AUTH available. */
	if (!auth_offered(s))
		return smtpd_reply(s, s->conf->tls && !(s->flags & SESS_TLS) ?
		    RPL_AUTH_ENCRYPT : RPL_AUTH_NO, NULL);
	/* A client over its failures is not asked for anything more. */
	switch (auth_client_limit(s, false)) {
	case 0:
		(void)(smtpd_reply(s, RPL_AUTH_CLIENT, NULL) &&
		    buf_flush(&s->out));
		s->result = "auth-limit";
		return 0;
	case -1:
		return smtpd_reply(s, RPL_AUTH_TEMP, NULL);
	}
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
	/*
	 * PLAIN: one message; LOGIN: the user name ("Username:"), then the
	 * password ("Password:"). r: 1 go on, 2 answered, 3 malformed, 0
	 * fatal.
	 */
	if (ir != NULL)
		r = zs_copyb(&resp, ir, irlen);
	else
		r = auth_ask(s, plain ? "" : "VXNlcm5hbWU6", &resp);
	if (r == 1 && !(plain ?
	    sasl_plain_decode(resp.s, resp.len, &user, &pass) :
	    sasl_login_decode(resp.s, resp.len, &user)))
		r = errno == EINVAL ? 3 : 0;
	if (r == 1 && !plain) {
		resp.len = 0;
		r = auth_ask(s, "UGFzc3dvcmQ6", &resp);
		if (r == 1 && !sasl_login_decode(resp.s, resp.len, &pass))
			r = errno == EINVAL ? 3 : 0;
	}
	if (r == 3)
		r = smtpd_reply(s, RPL_AUTH_DECODE, NULL) ? 2 : 0;
	if (r != 1) {
		ok = r == 2;
		goto out;
	}
	switch (s->conf->authcheck != NULL ?
	    s->conf->authcheck(user.s, pass.s) : -1) {
	case 1:
		if (!set_authuser(s, &user)) {
			ok = 0;
			break;
		}
		s->flags |= SESS_AUTH;
		log_info("client=", s->conf->client, " auth=",
		    plain ? "PLAIN" : "LOGIN", " user=", s->authuser.s);
		ok = smtpd_reply(s, RPL_AUTH_OK, NULL);
		break;
	case 0:
		(void)auth_client_limit(s, true);
		if (++s->authfails >= SMTPD_AUTHFAIL_MAX) {
			(void)(smtpd_reply(s, RPL_AUTH_LIMIT, NULL) &&
			    buf_flush(&s->out));
			s->result = "auth-failures";
			ok = 0;
			break;
		}
		/* Guessing gets slower with each failure. */
		sleep_ms((unsigned long long)s->conf->authdelay_ms *
		    s->authfails);
		ok = smtpd_reply(s, RPL_AUTH_FAIL, NULL);
		break;
	default:
		warn_sys("unable to check a password", "");
		ok = smtpd_reply(s, RPL_AUTH_TEMP, NULL);
		break;
	}
out:
	s->logcmd = NULL;
	if (s->line.s != NULL)
		explicit_bzero(s->line.s, s->line.cap);
	s->line.len = 0;
	zs_wipe(&resp);
	zs_wipe(&pass);
	zs_free(&user);
	return ok;
}

struct smtpd_verb {
	const char *name;
	unsigned legal;		/* states in which the verb may run */
	int (*fn)(struct smtpd_session *, const char *arg, size_t n);
	size_t maxline;		/* the longest command line, CRLF included */
	bool junk;		/* does no work: counted against maxjunk */
};

static const struct smtpd_verb verbs[] = {
	/* name  legal in  handler  longest line  does no work */
	{ "EHLO", ST_ANY, smtpd_do_ehlo, SMTPD_CMD_MAX, false },
	{ "HELO", ST_ANY, smtpd_do_helo4, SMTPD_CMD_MAX, false },
	{ "MAIL", ST_READY, smtpd_do_mail, SMTPD_CMD_PARAM_MAX, false },
	{ "RCPT", ST_MAIL | ST_RCPT, smtpd_do_rcpt, SMTPD_CMD_PARAM_MAX,
	    false },
	{ "DATA", ST_RCPT | ST_BDAT, smtpd_do_data, SMTPD_CMD_MAX, false },
	/* Any state: its chunk is read even when it is refused. */
	{ "BDAT", ST_ANY, smtpd_do_bdat, SMTPD_CMD_MAX, false },
	{ "RSET", ST_ANY, smtpd_do_rset, SMTPD_CMD_MAX, true },
	{ "NOOP", ST_ANY, smtpd_do_noop, SMTPD_CMD_MAX, true },
	{ "QUIT", ST_ANY, smtpd_do_quit, SMTPD_CMD_MAX, false },
	{ "VRFY", ST_ANY, smtpd_do_vrfy, SMTPD_CMD_MAX, true },
	{ "HELP", ST_ANY, smtpd_do_help, SMTPD_CMD_MAX, true },
	{ "STARTTLS", ST_READY, smtpd_do_starttls, SMTPD_CMD_MAX, false },
	{ "AUTH", ST_READY, smtpd_do_auth, SMTPD_AUTH_LINE_MAX, false },
};

/* The reply for a verb given in a state where it is not legal. */
static int
smtpd_check_state(struct smtpd_session *s, const struct smtpd_verb *v)
{
	if (v->legal & s->state)
		return 1;
	if (s->state == ST_GREETED)
		return smtpd_reply(s, RPL_NEEDHELO, NULL) ? 0 : -1;
	if (v->fn == smtpd_do_mail)
		return smtpd_reply(s, RPL_NESTED, NULL) ? 0 : -1;
	/* STARTTLS and AUTH would change the rules in mid-transaction. */
	if (v->legal == ST_READY)
		return smtpd_reply(s, RPL_INTX, NULL) ? 0 : -1;
	if (s->state == ST_READY)
		return smtpd_reply(s, RPL_NEEDMAIL, NULL) ? 0 : -1;
	return smtpd_reply(s, RPL_NEEDRCPT, NULL) ? 0 : -1;
}

static int
dispatch(struct smtpd_session *s)
{
	const char *line = s->line.s;
	size_t n = s->line.len, i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		const struct smtpd_verb *v = &verbs[i];
		size_t k = strlen(v->name);
		int r;

		if (n < k || strncasecmp(line, v->name, k) != 0 ||
		    (n > k && line[k] != ' '))
			continue;
		/* Line length with its CRLF, as RFC 5321 4.5.3.1.4 counts. */
		if (n + 2 > v->maxline)
			return smtpd_reply(s, RPL_LINELONG, NULL);
		if (v->junk)
			s->junk++;
		r = smtpd_check_state(s, v);
		if (r != 1)
			return r == 0;
		if (!zs_0(&s->line))
			return 0;
		return v->fn(s, s->line.s + k, n - k);
	}
	return smtpd_reply(s, RPL_UNKNOWN, NULL);
}

/*
 * An early talker sends before the greeting (RFC 5321 4.3.1: the client
 * waits for it); spam engines do, real clients do not. With greetdelay the
 * greeting waits that long to give them the chance.
 */
static int
early_talker(struct smtpd_session *s)
{
	struct pollfd p = { .fd = s->in.fd, .events = POLLIN };
	int r;

	if (s->in.fd < 0)
		return 0;
	do
		r = poll(&p, 1, (int)(s->conf->greetdelay * 1000));
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return 0;
	return buf_feed(&s->in) > 0 ? 1 : -1;
}

/* Whether the early talker's first line is an HTTP request line. */
static bool
early_http(struct smtpd_session *s)
{
	const char *p = buf_peek(&s->in);
	const char *nl = memchr(p, '\n', buf_avail(&s->in));
	size_t n;

	if (nl == NULL)
		return false;
	n = (size_t)(nl - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (!zs_copyb(&s->line, p, n))
		return false;
	return smtpd_forbidden(s->line.s, s->line.len);
}

static int smtpd_do_starttls(struct smtpd_session *, const char *, size_t);

int
smtpd_serve(struct smtpd_session *s)
{
	const char *result = "quit";
	char msgs[FMT_ULONG], tls[TLS_ERR_MAX] = "";
	int code = EXIT_OK, r;
	unsigned long msgs_seen = 0;

	if (s->conf->timeoutsession != 0)
		s->deadline = now_ms() +
		    (long long)s->conf->timeoutsession * 1000;
	/* After STARTTLS in zr-smtpd: the deadline it had, not a new one. */
	if (s->conf->session_end > 0 &&
	    (s->deadline == 0 || s->conf->session_end < s->deadline))
		s->deadline = s->conf->session_end;
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
		    !zs_copys(&s->helo, s->conf->handed)) {
			result = "error";
			goto out;
		}
		(void)zs_0(&s->helo);
		s->flags |= SESS_ESMTP | SESS_HELLO;
		smtpd_enter(s, ST_READY);
		if (!smtpd_do_starttls(s, "", 0) || !buf_flush(&s->out)) {
			result = s->result != NULL ? s->result : "tls-failed";
			goto out;
		}
		r = 0;
	} else if (s->conf->smtps) {
		if (!s->conf->tls || s->tlsops == NULL || !s->tlsops->ready(s)) {
			if (!s->conf->tls)
				warn_x("implicit TLS needs control/tlscert and "
				    "control/tlskey", "");
			result = "tls-unavailable";
			code = EXIT_TEMP;
			goto out;
		}
		if (!s->tlsops->start(s)) {
			result = "tls-failed";
			goto out;
		}
		r = 0;
	} else if (!s->conf->local) {
		r = early_talker(s);
	} else {
		r = 0;	/* zr-inject -bs: a script writes all at once */
	}
	if (r != 0) {
		if (r == 1 && early_http(s)) {
			/* An HTTP client talks first: say what it is. */
			(void)(smtpd_reply(s, RPL_HTTP, NULL) &&
			    buf_flush(&s->out));
			result = "http";
		} else if (r == 1) {
			(void)(reply_line(s, replies[RPL_EARLY].code, ' ', NULL,
			    replies[RPL_EARLY].text, NULL) &&
			    buf_flush(&s->out));
			result = "early-talker";
		} else {
			result = "eof";
		}
		goto out;
	}
	/* Handed over after STARTTLS: the greeting was given before it. */
	if (s->conf->handed == NULL && !greet(s)) {
		result = "error";
		goto out;
	}
	while (!s->quit) {
		r = read_command(s);
		if (r == 0) {
			result = "eof";
			break;
		}
		if (r == -1 || (r == 1 && !dispatch(s))) {
			if (s->result != NULL) {
				result = s->result;	/* said and logged */
			} else if (s->eof) {
				result = "eof";
			} else if (errno == ETIMEDOUT) {
				result = "timeout";
				(void)(smtpd_reply(s, RPL_TIMEOUT, NULL) &&
				    buf_flush(&s->out));
			} else {
				result = "error";
				code = EXIT_TEMP;
				if (errno == ENOMEM)
					(void)(smtpd_reply(s, RPL_TEMP, NULL) &&
					    buf_flush(&s->out));
			}
			goto out;
		}
		if (s->badcmds >= SMTPD_BADCMD_MAX) {
			result = "errors";
			(void)(smtpd_reply(s, RPL_ERRORS, NULL) &&
			    buf_flush(&s->out));
			goto out;
		}
		/* A message accepted is work done: the count starts again. */
		if (s->msgs != msgs_seen) {
			msgs_seen = s->msgs;
			s->junk = 0;
		}
		if (s->conf->maxjunk != 0 && s->junk >= s->conf->maxjunk) {
			result = "junk";
			(void)(smtpd_reply(s, RPL_JUNK, NULL) &&
			    buf_flush(&s->out));
			goto out;
		}
	}
	if (!buf_flush(&s->out) && result[0] == 'q')
		result = "error";
out:
	msgs[fmt_ulong(msgs, s->msgs)] = '\0';
	if (s->tls != NULL && s->tlsops != NULL) {
		tls[0] = ' ';
		s->tlsops->describe(s, tls + 1, sizeof tls - 1);
	}
	log_info("end client=", s->conf->client,
	    s->conf->remotehost ? " host=" : "",
	    s->conf->remotehost ? s->conf->remotehost : "",
	    " helo=", s->helo.len ? s->helo.s : "-", tls,
	    s->authuser.len ? " user=" : "",
	    s->authuser.len ? s->authuser.s : "", " msgs=", msgs,
	    " result=", result);
	return code;
}
