/* SPDX-License-Identifier: MIT */
/*
 * The session's input: command lines, read under the session's deadlines
 * and, in DATA and BDAT, the data rate; what no SMTP client sends is
 * refused here, before any command sees it.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "smtpd_int.h"

long long
smtpd_io_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A limit on the session was reached: 421, and the end (ETIMEDOUT). */
static bool
expire(struct smtpd_session *s, enum smtpd_reply_id id, const char *result)
{
	if (s->iotimeout != NULL)
		*s->iotimeout = (unsigned)s->conf->timeout;
	(void)smtpd_reply_close(s, id, result);
	errno = ETIMEDOUT;
	return false;
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
static bool
arm(struct smtpd_session *s, enum smtpd_wait *why)
{
	const struct smtpd_conf *c = s->conf;
	long long now = smtpd_io_now(), left = (long long)c->timeout * 1000;

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
	return true;
}

/* The data rate is measured from the 354 or BDAT on, window by window. */
void
smtpd_io_rate_begin(struct smtpd_session *s)
{
	s->rating = s->conf->mindatarate != 0;
	s->window = smtpd_io_now();
	s->winbytes = 0;
}

/* More input: flush pending replies first, so pipelined replies group. */
ssize_t
smtpd_io_fill(struct smtpd_session *s)
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

static enum smtpd_read
refused(struct smtpd_session *s, enum smtpd_reply_id id)
{
	return smtpd_reply(s, id, NULL) == STEP_NEXT ? READ_REFUSED :
	    READ_ERROR;
}

/*
 * Read one command line into s->line, CRLF removed. READ_REFUSED when the
 * line was refused and answered (toolong_id when it had more than max
 * octets with its CRLF). However long the line, at most max bytes are
 * kept.
 */
enum smtpd_read
smtpd_io_line(struct smtpd_session *s, size_t max,
    enum smtpd_reply_id toolong_id)
{
	bool toolong = false;
	size_t i;

	s->line.len = 0;
	for (;;) {
		ssize_t r = smtpd_io_fill(s);
		const char *p, *nl;
		size_t take;

		if (r <= 0)
			return r == 0 ? READ_EOF : READ_ERROR;
		p = buf_peek(&s->in);
		nl = memchr(p, '\n', (size_t)r);
		take = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)r;
		if (!toolong) {
			if (take > max - s->line.len)
				toolong = true;
			else if (!zs_catb(&s->line, p, take))
				return READ_ERROR;
		}
		buf_seek(&s->in, take);
		if (nl != NULL)
			break;
	}
	/* Before anything else: even a bare LF does not let it pass. */
	if (!toolong && smtpd_forbidden(s->line.s, s->line.len -
	    (s->line.len >= 2 && s->line.s[s->line.len - 2] == '\r' ? 2 : 1))) {
		(void)smtpd_reply_close(s, RPL_HTTP, "http");
		s->line.len = 0;
		return READ_ERROR;
	}
	if (toolong) {
		if (s->line.s != NULL)
			explicit_bzero(s->line.s, s->line.len);
		s->line.len = 0;
		return refused(s, toolong_id);
	}
	/* RFC 5321 2.3.8: lines end in CRLF; a bare LF is refused. */
	if (s->line.len < 2 || s->line.s[s->line.len - 2] != '\r') {
		s->line.len = 0;
		return refused(s, RPL_BARELF);
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
			return refused(s, RPL_BADBYTE);
		}
	}
	return READ_LINE;
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
enum smtpd_read
smtpd_io_command(struct smtpd_session *s)
{
	enum smtpd_read r = smtpd_io_line(s, SMTPD_LINE_KEEP, RPL_LINELONG);

	if (r == READ_LINE && s->conf->pipecheck &&
	    !(s->flags & SESS_HELLO) && input_waiting(s)) {
		(void)smtpd_reply_close(s, RPL_PIPELINE, "pipelining");
		return READ_ERROR;
	}
	return r;
}

/*
 * An early talker sends before the greeting (RFC 5321 4.3.1: the client
 * waits for it); spam engines do, real clients do not. With greetdelay the
 * greeting waits that long to give them the chance.
 */
enum smtpd_early
smtpd_io_early(struct smtpd_session *s)
{
	struct pollfd p = { .fd = s->in.fd, .events = POLLIN };
	int r;

	if (s->in.fd < 0)
		return EARLY_NONE;
	do
		r = poll(&p, 1, (int)(s->conf->greetdelay * 1000));
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return EARLY_NONE;
	return buf_feed(&s->in) > 0 ? EARLY_TALK : EARLY_GONE;
}

/* Whether the early talker's first line is an HTTP request line. */
bool
smtpd_io_early_http(struct smtpd_session *s)
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
