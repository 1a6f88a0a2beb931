/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <unistd.h>

#include <strings.h>

#include "base64.h"
#include "control.h"
#include "data.h"
#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "loop.h"
#include "mtasts.h"
#include "remote.h"
#include "requiretls.h"
#include "sasl.h"
#include "scan.h"
#include "job.h"
#include "secrets.h"
#include "timeoutio.h"
#include "tls.h"

/* Content is read from the file in pieces of this size. */
#define DATA_PIECE 65536
#define NET_BUF 65536

/* A recipient without a record (enum job_letter is never 0). */
#define L_NONE 0

/* The outcome of one transaction attempt. */
enum tx_result {
	TX_DONE,	/* results are final for this job */
	TX_RETRY,	/* a reused connection was dead: reconnect, same host */
	TX_NEXTHOST	/* this host failed before taking anything */
};

struct result {
	char *rl;		/* a letter per recipient, L_NONE: left out */
	struct zs *rt;		/* a text per recipient */
	size_t n;
	char ml;
	struct zs mt;
};

/*
 * A level or protocol that cannot be read is an error, not a default: a
 * typo in a security setting must not quietly weaken it.
 */
static int
conf_bad(struct zs *s, const char *file, const char *what)
{
	warn_x("control/", file, ": ", what, ": ", s->s);
	zs_free(s);
	errno = EINVAL;
	return 0;
}

static int
conf_dnssec(struct remote_conf *c)
{
	struct dane d;

	if (!dane_conf(&d)) {
		if (errno == EINVAL)
			warn_x("control/dnssec: neither trust nor no");
		return 0;
	}
	c->dnssec = d.trust;
	return 1;
}

/* r and s from control_readline(file): the protocol, 0 for the default. */
static int
conf_proto(int r, struct zs *s, const char *file, int *proto)
{
	*proto = 0;
	if (r == -1) {
		zs_free(s);
		return 0;
	}
	if (r == 1 && (*proto = tls_proto_parse(s->s)) == 0)
		return conf_bad(s, file, "unknown protocol");
	return 1;
}

static int
conf_tls(struct remote_conf *c)
{
	struct zs s = ZS_INIT;
	int r;

	c->tlsmx = TLS_LEVEL_MAY;
	c->ciphers[0] = '\0';
	r = control_readline("tlsmx", &s);
	if (r == -1)
		goto fail;
	if (r == 1 && !tls_level_parse(s.s, &c->tlsmx))
		return conf_bad(&s, "tlsmx", "unknown level");
	/*
	 * A pin belongs to one host, and MX hosts listen on port 25, not
	 * on an implicit TLS port: neither can be the default for all.
	 */
	if (r == 1 && (c->tlsmx == TLS_LEVEL_FINGERPRINT ||
	    c->tlsmx == TLS_LEVEL_SMTPS))
		return conf_bad(&s, "tlsmx", "not a default level");
	r = control_readline("tlsclientciphers", &s);
	if (r == -1)
		goto fail;
	if (r == 1 && s.len >= sizeof c->ciphers)
		return conf_bad(&s, "tlsclientciphers", "too long");
	if (r == 1)
		memcpy(c->ciphers, s.s, s.len + 1);
	r = control_readline("tlsclientminproto", &s);
	if (!conf_proto(r, &s, "tlsclientminproto", &c->minproto))
		return 0;
	r = control_readline("tlsclientmaxproto", &s);
	if (!conf_proto(r, &s, "tlsclientmaxproto", &c->maxproto))
		return 0;
	zs_free(&s);
	return 1;
fail:
	zs_free(&s);
	return 0;
}

/* The name this host's zr-smtpd greets with, as it finds it. */
static int
load_me(struct remote_conf *c)
{
	struct zs s = ZS_INIT;
	int r = control_readline("me", &s);

	if (r == -1) {
		zs_free(&s);
		return 0;
	}
	c->me[0] = '\0';
	if (r == 1 && s.len < sizeof c->me)
		memcpy(c->me, s.s, s.len + 1);
	else if (r == 0 && gethostname(c->me, sizeof c->me) == -1)
		c->me[0] = '\0';
	c->me[sizeof c->me - 1] = '\0';
	zs_free(&s);
	return 1;
}

/* control/listenaddrs: where this host's own zr-smtpd listens. */
static int
load_self(struct remote_conf *c)
{
	struct zs s = ZS_INIT;
	size_t n = 0, i, off = 0;
	int ok = control_readlines("listenaddrs", &s, &n) != -1;

	c->nself = 0;
	if (ok && n > REMOTE_SELF_MAX) {
		errno = EINVAL;
		ok = 0;
	}
	for (i = 0; ok && i < n; i++) {
		ok = remote_loop_parse(s.s + off, &c->self[i]);
		if (!ok)
			warn_x("control/listenaddrs: not an address: ", s.s + off);
		off += strlen(s.s + off) + 1;
	}
	if (ok)
		c->nself = n;
	zs_free(&s);
	return ok;
}

int
remote_conf_load(struct remote_conf *c)
{
	struct zs s = ZS_INIT;
	unsigned long long u;
	int r;

	r = control_readline("helohost", &s);
	if (r == 0)
		r = control_readline("me", &s);
	if (r == -1) {
		zs_free(&s);
		return 0;
	}
	if (r == 0 || s.len == 0 || s.len >= sizeof c->helo ||
	    !envelope_value_ok(s.s, s.len) || memchr(s.s, ' ', s.len))
		memcpy(c->helo, "localhost", 10);
	else
		memcpy(c->helo, s.s, s.len + 1);
	zs_free(&s);
	if (!load_me(c) || !load_self(c))
		return 0;
	if (control_readulong("timeoutconnect", &u, 60) == -1)
		return 0;
	c->timeoutconnect = u == 0 || u > 86400 ? 60 : (unsigned)u;
	if (control_readulong("timeoutremote", &u, 1200) == -1)
		return 0;
	c->timeoutremote = u == 0 || u > 86400 ? 1200 : (unsigned)u;
	/* Whether journals are synced before a report (job.h). */
	if (control_readulong("syncresults", &u, 0) == -1)
		return 0;
	c->syncresults = u != 0;
	if (control_readulong("timeouttransaction", &u, 600) == -1)
		return 0;
	c->timeouttransaction = u == 0 || u > 86400 ? 600 : (unsigned)u;
	if (control_readulong("timeouttoken", &u, OAUTH_TIMEOUT_DEFAULT) == -1)
		return 0;
	c->timeouttoken = u == 0 || u > 3600 ? OAUTH_TIMEOUT_DEFAULT :
	    (unsigned)u;
	if (!conf_dnssec(c))
		return 0;
	return conf_tls(c) && mtasts_conf(c);
}

/* Connection. */

static struct remote_sess *
sess_slot(struct remote *r, const struct route_host *h, bool any)
{
	size_t i;

	for (i = 0; i < REMOTE_SESSIONS; i++) {
		struct remote_sess *e = &r->sess[i];

		/* A resumed session skips the name check: same name only. */
		if (e->s != NULL && e->level == h->tls &&
		    strcmp(e->key, h->key) == 0 &&
		    strcmp(e->mxname, h->mxname) == 0 &&
		    strcmp(e->fingerprint, h->fingerprint) == 0)
			return e;
	}
	if (!any)
		return NULL;
	i = r->nextsess;
	r->nextsess = (r->nextsess + 1) % REMOTE_SESSIONS;
	return &r->sess[i];
}

/*
 * Keep the session for the next connection to this host at this level:
 * resumption skips a full handshake. Taken at the end, because TLS 1.3
 * tickets arrive after the handshake.
 */
static void
sess_keep(struct remote *r)
{
	SSL_SESSION *ss = tls_session(r->tls);
	struct remote_sess *e;

	if (ss == NULL)
		return;
	if (!SSL_SESSION_is_resumable(ss)) {
		SSL_SESSION_free(ss);
		return;
	}
	e = sess_slot(r, &r->cur, true);
	if (e->s != NULL)
		SSL_SESSION_free(e->s);
	memcpy(e->key, r->cur.key, sizeof e->key);
	memcpy(e->mxname, r->cur.mxname, sizeof e->mxname);
	memcpy(e->fingerprint, r->cur.fingerprint, sizeof e->fingerprint);
	e->level = r->cur.tls;
	e->s = ss;
}

static void
sess_free(struct remote *r)
{
	size_t i;

	for (i = 0; i < REMOTE_SESSIONS; i++)
		if (r->sess[i].s != NULL)
			SSL_SESSION_free(r->sess[i].s);
}

static void
conn_close(struct remote *r, bool quit)
{
	if (r->fd == -1)
		return;
	if (quit) {
		/* Polite, not required: a short wait for 221 at most. */
		r->rto.seconds = 2;
		if (r->tls != NULL)
			r->tls->timeout = 2;
		if (buf_puts(&r->out, "QUIT\r\n") && buf_flush(&r->out))
			(void)smtpreply_read(&r->in, &r->reply);
		r->rto.seconds = r->conf->timeoutremote;
	}
	if (r->tls != NULL) {
		sess_keep(r);
		tls_close(r->tls);
		r->tls = NULL;
	}
	close(r->fd);
	r->fd = -1;
	r->key[0] = '\0';
	r->out.end = 0;
	r->in.start = r->in.end = 0;
}

/*
 * control/timeouttransaction: every wait from now on ends by when (0:
 * none). A per-read timeout alone lets a server that sends a byte a second
 * hold the delivery for ever.
 */
static void
deadline_set(struct remote *r, long long when)
{
	r->deadline = when;
	r->rto.deadline = r->wto.deadline = when;
	if (r->tls != NULL)
		r->tls->deadline = when;
}

/* An error number in words; ETIME is the transaction's deadline. */
static const char *
err_text(int e)
{
	return e == ETIME ? "control/timeouttransaction reached" :
	    strerror(e);
}

static void
set_why(struct remote *r, const char *host, const char *a, const char *b)
{
	r->why.len = 0;
	if (zs_cats(&r->why, host) && zs_cats(&r->why, ": ") &&
	    zs_cats(&r->why, a) && zs_cats(&r->why, b))
		zs_0(&r->why);
	else
		r->why.len = 0;
	warn_x(r->why.len ? r->why.s : "out of memory");
}

static int
connect_to(struct remote *r, const struct route_host *h)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[FMT_ULONG + 1];
	int e, fd = -1;

	port[fmt_ulong(port, h->port)] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	e = getaddrinfo(h->name, port, &hints, &res);
	if (e == EAI_NONAME) {
		/* A name in a control file: resolved only because it is one. */
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		e = getaddrinfo(h->name, port, &hints, &res);
	}
	if (e != 0) {
		set_why(r, h->key, "unable to resolve: ", gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int one = 1, err = 0;
		socklen_t len = sizeof err;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1)
			continue;
		/* Pipelined commands are small: Nagle must not hold them. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			if (!timeoutio_wait_until(fd, POLLOUT,
			    r->conf->timeoutconnect, r->deadline))
				err = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == -1)
				err = errno;
			if (err == 0)
				break;
			errno = err;
		}
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	if (fd == -1)
		set_why(r, h->key, "unable to connect: ",
		    err_text(errno ? errno : ECONNREFUSED));
	freeaddrinfo(res);
	return fd;
}

/* Read a reply; 1, or 0 when the connection is lost (why set). */
static int
get_reply(struct remote *r, const char *what)
{
	int g = smtpreply_read(&r->in, &r->reply);

	if (g == 1) {
		if (r->reply.mixed || r->reply.malformed || r->reply.overflow) {
			char t[SMTPREPLY_TEXT_MAX + 1];

			smtpreply_text(&r->reply, t);
			warn_x(r->key, ": odd reply to ", what,
			    r->reply.overflow ? " (too long)" :
			    r->reply.malformed ? " (no code)" :
			    " (codes differ; the last counts)", ": ", t);
		}
		return 1;
	}
	if (g == -1 && errno == ETIME)
		set_why(r, r->key, "control/timeouttransaction reached "
		    "waiting for the reply to ", what);
	else
		set_why(r, r->key, "connection lost waiting for the reply to ",
		    g == 0 ? what : strerror(errno));
	return 0;
}

/*
 * Whether the server said something that no command of ours asked for.
 * Called when every reply asked for has been read: replies are taken
 * strictly in step with commands (RFC 5321 4.1.1; RFC 2920 3.1 for a
 * pipelined group), so bytes arriving now would be taken for the reply to
 * the next command, and every reply after it for the wrong one. When so,
 * it is logged with what came and why is set; the caller drops the
 * connection without QUIT. Only what is here now is seen: a reply that
 * arrives later is caught at the next check.
 */
static bool
unsolicited(struct remote *r, const char *after)
{
	char what[SMTPREPLY_LINE_MAX], c;
	size_t got = 0, n, i;
	const char *p;

	if (r->in.start == r->in.end) {
		if (r->tls != NULL) {
			/* WANT_READ: nothing, or only a late session ticket. */
			if (SSL_peek_ex(r->tls->ssl, &c, 1, &got) != 1)
				return false;
		} else if (recv(r->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 1) {
			/* Nothing, or EOF: the next read sees that. */
			return false;
		}
		if (buf_feed(&r->in) <= 0)
			return false;
	}
	/* The first line of what came, cleaned for the log. */
	p = buf_peek(&r->in);
	n = buf_avail(&r->in);
	for (i = 0; i < n && i < 80 && p[i] != '\r' && p[i] != '\n'; i++)
		what[i] = p[i] >= ' ' && p[i] <= '~' ? p[i] : '?';
	what[i] = '\0';
	r->why.len = 0;
	if (zs_cats(&r->why, r->key) && zs_cats(&r->why, ": unsolicited ") &&
	    zs_cats(&r->why, "reply after ") && zs_cats(&r->why, after) &&
	    zs_cats(&r->why, ": ") && zs_cats(&r->why, what) &&
	    zs_0(&r->why))
		warn_x(r->why.s, "; connection dropped");
	else
		set_why(r, r->key, "unsolicited reply after ", after);
	return true;
}

static int
put(struct remote *r, const char *s)
{
	return buf_puts(&r->out, s);
}

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
		if (!put(r, " NOTIFY="))
			return 0;
		for (k = 0; k < sizeof w / sizeof w[0]; k++) {
			if (!(er->notify & w[k].bit))
				continue;
			if ((!first && !put(r, ",")) || !put(r, w[k].word))
				return 0;
			first = 0;
		}
	}
	if (er->orcpt != NULL && (!put(r, " ORCPT=") || !put(r, er->orcpt)))
		return 0;
	r->dsn_passed = 1;
	return 1;
}

/* "AUTH PLAIN LOGIN" or the older "AUTH=PLAIN LOGIN": the mechanisms. */
static unsigned
parse_auth(const char *l, size_t n)
{
	unsigned ext = 0;
	size_t i = 5;

	while (i < n) {
		size_t a;

		while (i < n && l[i] == ' ')
			i++;
		a = i;
		while (i < n && l[i] != ' ')
			i++;
		if (i - a == 5 && strncasecmp(l + a, "PLAIN", 5) == 0)
			ext |= EXT_AUTH_PLAIN;
		else if (i - a == 5 && strncasecmp(l + a, "LOGIN", 5) == 0)
			ext |= EXT_AUTH_LOGIN;
		else if (i - a == 7 && strncasecmp(l + a, "XOAUTH2", 7) == 0)
			ext |= EXT_AUTH_XOAUTH2;
		else if (i - a == 11 &&
		    strncasecmp(l + a, "OAUTHBEARER", 11) == 0)
			ext |= EXT_AUTH_OAUTHBEARER;
	}
	return ext;
}

static void
parse_ehlo(struct remote *r)
{
	unsigned i;

	r->ext = 0;
	r->sizemax = 0;
	for (i = 1;; i++) {
		size_t n;
		const char *l = smtpreply_line(&r->reply, i, &n);

		if (l == NULL)
			break;
		if (n == 10 && strncasecmp(l, "PIPELINING", 10) == 0)
			r->ext |= EXT_PIPELINING;
		else if (n == 8 && strncasecmp(l, "8BITMIME", 8) == 0)
			r->ext |= EXT_8BITMIME;
		else if (n == 3 && strncasecmp(l, "DSN", 3) == 0)
			r->ext |= EXT_DSN;
		else if (n >= 11 && strncasecmp(l, "MT-PRIORITY", 11) == 0 &&
		    (n == 11 || l[11] == ' '))
			r->ext |= EXT_MTPRIORITY;
		else if (n == 8 && strncasecmp(l, "STARTTLS", 8) == 0)
			r->ext |= EXT_STARTTLS;
		else if (n == 10 && strncasecmp(l, "REQUIRETLS", 10) == 0)
			r->ext |= EXT_REQUIRETLS;
		else if (n == 8 && strncasecmp(l, "SMTPUTF8", 8) == 0)
			r->ext |= EXT_SMTPUTF8;
		else if (n >= 5 && strncasecmp(l, "AUTH", 4) == 0 &&
		    (l[4] == ' ' || l[4] == '='))
			r->ext |= parse_auth(l, n);
		else if (n >= 4 && strncasecmp(l, "SIZE", 4) == 0 &&
		    (n == 4 || l[4] == ' ')) {
			unsigned long long u = 0;

			r->ext |= EXT_SIZE;
			if (n > 5 && scan_ulongb(l + 5, n - 5, &u) == n - 5)
				r->sizemax = u;
		}
	}
}

/*
 * EHLO, else HELO. 1 when greeted; 0 with why set, the connection closed
 * when the server refused (quit) and left open to be closed when lost.
 */
static int
say_hello(struct remote *r, const struct route_host *h, bool *lost)
{
	char t[SMTPREPLY_TEXT_MAX + 1];

	*lost = true;
	if (!put(r, "EHLO ") || !put(r, r->conf->helo) || !put(r, "\r\n") ||
	    !buf_flush(&r->out) || !get_reply(r, "EHLO"))
		return 0;
	if (unsolicited(r, "EHLO"))
		return 0;
	if (r->reply.code / 100 == 2) {
		parse_ehlo(r);
		return 1;
	}
	r->ext = 0;
	r->sizemax = 0;
	if (!put(r, "HELO ") || !put(r, r->conf->helo) || !put(r, "\r\n") ||
	    !buf_flush(&r->out) || !get_reply(r, "HELO"))
		return 0;
	if (unsolicited(r, "HELO"))
		return 0;
	if (r->reply.code / 100 == 2)
		return 1;
	*lost = false;
	smtpreply_text(&r->reply, t);
	set_why(r, h->key, "HELO: ", t);
	return 0;
}

static int
tls_ready(struct remote *r, char *err, size_t errlen)
{
	struct tls_opts o;
	struct zs ca = ZS_INIT, cert = ZS_INIT, key = ZS_INIT;
	int ok = 0;

	if (r->ctx != NULL)
		return 1;
	memset(&o, 0, sizeof o);
	if (!zs_cats(&ca, control_dir()) || !zs_cats(&ca, "/tlsca") ||
	    !zs_0(&ca) || !zs_cats(&cert, control_dir()) ||
	    !zs_cats(&cert, "/tlsclientcert") || !zs_0(&cert) ||
	    !zs_cats(&key, control_dir()) ||
	    !zs_cats(&key, "/tlsclientkey") || !zs_0(&key)) {
		if (fmt_snprintf(err, errlen, "out of memory") == -1)
			err[0] = '\0';
		goto out;
	}
	/* control/tlsca replaces the system's store; it does not add to it. */
	o.cafile = access(ca.s, F_OK) == 0 ? ca.s : NULL;
	o.cert = access(cert.s, F_OK) == 0 ? cert.s : NULL;
	o.key = access(key.s, F_OK) == 0 ? key.s : NULL;
	if ((o.cert == NULL) != (o.key == NULL)) {
		if (fmt_snprintf(err, errlen, "control/tlsclientcert and "
		    "control/tlsclientkey go together") == -1)
			err[0] = '\0';
		goto out;
	}
	o.ciphers = r->conf->ciphers[0] ? r->conf->ciphers : NULL;
	o.min_proto = r->conf->minproto;
	o.max_proto = r->conf->maxproto;
	r->ctx = tls_client_ctx(&o, err, errlen);
	ok = r->ctx != NULL;
out:
	zs_free(&ca);
	zs_free(&cert);
	zs_free(&key);
	return ok;
}

/*
 * The T record's policy= and outcome= (policy.h) for the configured level;
 * at dane, with what the TLSA lookup found.
 */
static void
set_policy(struct remote *r, enum tls_level level, bool smtps,
    const char *outcome, const char *reason)
{
	(void)policy_fmt(r->policy, sizeof r->policy, level, smtps, outcome,
	    reason);
	r->outcome = outcome;
	r->reason = reason;
	if (level == TLS_LEVEL_DANE && r->dr.note != NULL)
		(void)policy_note(r->policy, sizeof r->policy, "dane",
		    r->dr.note);
	/* DANE fell back, and an MTA-STS policy asked for verify. */
	if (level == TLS_LEVEL_DANE && r->eff == TLS_LEVEL_VERIFY)
		(void)policy_note(r->policy, sizeof r->policy, "mta-sts",
		    "enforce");
}

/* The handshake on r->fd; 1, or 0 with why set. */
static int
start_tls(struct remote *r, const struct route_host *h)
{
	char err[TLS_ERR_MAX];
	struct remote_sess *e;
	struct tls_check chk = { .level = r->eff,
	    .fingerprint = h->fingerprint, .tlsa = r->dr.usable,
	    .ntlsa = r->eff == TLS_LEVEL_DANE ? r->dr.nusable : 0 };

	if (!tls_ready(r, err, sizeof err)) {
		set_why(r, h->key, "TLS: ", err);
		return 0;
	}
	/*
	 * TLSA records may have changed since: no shortcut past them, nor
	 * past the name check that MTA-STS asks for when DANE falls back.
	 */
	e = r->cur.tls == TLS_LEVEL_DANE ? NULL :
	    sess_slot(r, &r->cur, false);
	/* An MX host is known by its name (RFC 7672 3.2.2), not its address. */
	r->tls = tls_connect(r->ctx, r->fd, h->mxname[0] ? h->mxname : h->name,
	    &chk, e != NULL ? e->s : NULL, r->conf->timeoutremote,
	    r->deadline, err, sizeof err);
	if (r->tls == NULL) {
		set_why(r, h->key, "TLS: ", err);
		set_policy(r, r->cur.tls, r->cur.smtps, "failed",
		    tls_reason_word(chk.reason));
		return 0;
	}
	buf_init(&r->in, tls_read, r->fd, r->tls, r->inspace, NET_BUF);
	buf_init(&r->out, tls_write, r->fd, r->tls, r->outspace, NET_BUF);
	tls_describe(r->tls, r->tlsinfo, sizeof r->tlsinfo);
	return 1;
}

/* The output space held a secret: it goes as soon as it is sent. */
static int
put_secret(struct remote *r, const char *a, const struct zs *b)
{
	int ok = put(r, a) && buf_put(&r->out, b->s, b->len) &&
	    put(r, "\r\n") && buf_flush(&r->out);

	memset(r->outspace, 0, NET_BUF);
	return ok;
}

static void
wipe(struct zs *z)
{
	if (z->s != NULL)
		memset(z->s, 0, z->cap);
	zs_free(z);
}

/*
 * One OAuth2 exchange with token t: 235, or the final reply otherwise.
 * RFC 7628 3.2.3: a 334 carries the server's error; the client ends the
 * exchange with a dummy response (%x01 for OAUTHBEARER, empty for
 * XOAUTH2, as Google and Microsoft document it) and gets the 535.
 * 1 with the reply in r->reply; 0 when the connection broke.
 */
static int
oauth_try(struct remote *r, const struct route_host *h, bool bearer,
    const char *user, const struct zs *t, const char *cmd)
{
	struct zs b = ZS_INIT;
	int ok = 0;

	if (!oauth_response(bearer, user, h->name, h->port, t, &b))
		goto out;
	if (!put_secret(r, cmd, &b) ||
	    !get_reply(r, bearer ? "AUTH OAUTHBEARER" : "AUTH XOAUTH2"))
		goto out;
	if (r->reply.code == 334) {
		if (unsolicited(r, "AUTH") || !put(r, bearer ? "AQ==\r\n" :
		    "\r\n") || !buf_flush(&r->out) ||
		    !get_reply(r, "the OAuth2 error challenge"))
			goto out;
	}
	ok = !unsolicited(r, "AUTH");
out:
	wipe(&b);
	return ok;
}

/*
 * AUTH OAUTHBEARER when offered, else XOAUTH2, with the token of the
 * program spec names; a refused token (535) is renewed once and tried
 * again on the same connection, since the cached one may have been
 * revoked before its time. As do_auth.
 */
static int
do_oauth(struct remote *r, const struct route_host *h, const char *user,
    const char *spec, const char **mech, bool *quit)
{
	struct zs t = ZS_INIT, why = ZS_INIT;
	char txt[SMTPREPLY_TEXT_MAX + 1];
	bool bearer = (r->ext & EXT_AUTH_OAUTHBEARER) != 0;
	const char *cmd = bearer ? "AUTH OAUTHBEARER " : "AUTH XOAUTH2 ";
	int again, ok = 0;

	*mech = bearer ? "OAUTHBEARER" : "XOAUTH2";
	for (again = 0; again < 2; again++) {
		if (!oauth_token(&r->oauth, h->auth, spec,
		    r->conf->timeouttoken, again > 0, &t, &why)) {
			set_why(r, h->key, "AUTH: ", why.len > 0 ? why.s :
			    "token program: out of memory");
			goto out;
		}
		if (!oauth_try(r, h, bearer, user, &t, cmd)) {
			*quit = false;
			goto out;
		}
		if (r->reply.code == 235) {
			ok = 1;
			goto out;
		}
		oauth_forget(&r->oauth, h->auth);
		if (r->reply.code != 535)
			break;
	}
	*quit = r->reply.code / 100 == 4 || r->reply.code / 100 == 5;
	smtpreply_text(&r->reply, txt);
	set_why(r, h->key, bearer ? "AUTH OAUTHBEARER failed: " :
	    "AUTH XOAUTH2 failed: ", txt);
out:
	wipe(&t);
	zs_free(&why);
	return ok;
}

/*
 * RFC 4954 AUTH with the credentials named by h->auth: PLAIN when offered,
 * else LOGIN; for a token program (oauth.h) OAUTHBEARER, else XOAUTH2.
 * 1 when authenticated, with *mech the mechanism; 0 with why set (never a
 * secret) and *quit telling whether the server is still in step for a
 * QUIT.
 */
static int
do_auth(struct remote *r, const struct route_host *h, const char **mech,
    bool *quit)
{
	struct zs user = ZS_INIT, pass = ZS_INIT, b = ZS_INIT;
	char t[SMTPREPLY_TEXT_MAX + 1];
	int g, ok = 0;
	bool oauth;

	*quit = true;
	*mech = (r->ext & EXT_AUTH_PLAIN) ? "PLAIN" : "LOGIN";
	g = secrets_find(h->auth, &user, &pass);
	if (g != 1) {
		set_why(r, h->key,
		    "no credentials: control/smarthost-secrets: ",
		    g == 0 ? "no such name (auth=)" : errno == EPERM ?
		    "readable by group or others, refused (chmod 600)" :
		    errno == EINVAL ? "malformed line" : strerror(errno));
		goto out;
	}
	oauth = oauth_is_program(pass.s);
	if (!oauth && !(r->ext & (EXT_AUTH_PLAIN | EXT_AUTH_LOGIN))) {
		set_why(r, h->key, "auth=", "set, but the server offers no "
		    "AUTH PLAIN or LOGIN");
		goto out;
	}
	if (oauth && !(r->ext & (EXT_AUTH_XOAUTH2 | EXT_AUTH_OAUTHBEARER))) {
		set_why(r, h->key, "auth=", "names a token program, but the "
		    "server offers no AUTH XOAUTH2 or OAUTHBEARER");
		goto out;
	}
	if (r->tls == NULL && !h->authplain) {
		set_why(r, h->key, "not sending credentials without TLS ",
		    "(no STARTTLS; authplain=yes would allow it)");
		goto out;
	}
	if (oauth) {
		ok = do_oauth(r, h, user.s, pass.s + 6, mech, quit);
		goto out;
	}
	if ((*mech)[0] == 'P') {
		if (!sasl_plain_encode(user.s, pass.s, &b))
			goto nomem;
		if (!put_secret(r, "AUTH PLAIN ", &b) ||
		    !get_reply(r, "AUTH PLAIN"))
			goto lost;
	} else {
		if (!put(r, "AUTH LOGIN\r\n") || !buf_flush(&r->out) ||
		    !get_reply(r, "AUTH LOGIN"))
			goto lost;
		if (r->reply.code == 334) {
			if (unsolicited(r, "AUTH LOGIN"))
				goto lost;
			if (!base64_encode((const unsigned char *)user.s,
			    user.len, &b))
				goto nomem;
			if (!put_secret(r, "", &b) ||
			    !get_reply(r, "the AUTH LOGIN user name"))
				goto lost;
			wipe(&b);
		}
		if (r->reply.code == 334) {
			if (unsolicited(r, "the AUTH LOGIN user name"))
				goto lost;
			if (!base64_encode((const unsigned char *)pass.s,
			    pass.len, &b))
				goto nomem;
			if (!put_secret(r, "", &b) ||
			    !get_reply(r, "the AUTH LOGIN password"))
				goto lost;
		}
	}
	if (unsolicited(r, "AUTH"))
		goto lost;
	if (r->reply.code == 235) {
		ok = 1;
		goto out;
	}
	/* 535 or anything else: this host is no use for this message. */
	*quit = r->reply.code / 100 == 4 || r->reply.code / 100 == 5;
	smtpreply_text(&r->reply, t);
	set_why(r, h->key, (*mech)[0] == 'P' ? "AUTH PLAIN failed: " :
	    "AUTH LOGIN failed: ", t);
	goto out;
nomem:
	set_why(r, h->key, "AUTH: ", strerror(errno));
	*quit = false;
	goto out;
lost:
	*quit = false;
out:
	wipe(&user);
	wipe(&pass);
	wipe(&b);
	return ok;
}

/*
 * The host h is this host (loop.h), for the reason given: log it, close
 * the connection (quit: politely), and leave why set. Returns 0.
 */
static int
myself(struct remote *r, const struct route_host *h, const char *a,
    const char *b, const char *c, bool quit)
{
	r->why.len = 0;
	if (zs_cats(&r->why, h->key) && zs_cats(&r->why, ": mail for ") &&
	    zs_cats(&r->why, r->dest != NULL ? r->dest : h->name) &&
	    zs_cats(&r->why, " loops back to myself (") &&
	    zs_cats(&r->why, a) && zs_cats(&r->why, b) &&
	    zs_cats(&r->why, c) && zs_catc(&r->why, ')') && zs_0(&r->why))
		warn_x(r->why.s);
	else
		set_why(r, h->key, "mail loops back to myself", "");
	r->looped = true;
	conn_close(r, quit);
	return 0;
}

/* 1 unless the address connected to is one of control/listenaddrs. */
static int
not_self_addr(struct remote *r, const struct route_host *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (r->conf->nself == 0 ||
	    getpeername(r->fd, (struct sockaddr *)&ss, &len) == -1 ||
	    !remote_loop_is_self((struct sockaddr *)&ss, len, r->conf->self,
	    r->conf->nself))
		return 1;
	return myself(r, h, h->key, " is in control/listenaddrs", "", false);
}

/* 1 unless the server's greeting or EHLO reply names it control/me. */
static int
not_myself(struct remote *r, const struct route_host *h)
{
	if (!remote_loop_is_me(&r->reply, r->conf->me))
		return 1;
	return myself(r, h, "the server greets as ", r->conf->me,
	    ", which is control/me", true);
}

/*
 * At tls=dane, what the TLSA records make of the connection (RFC 7672
 * 2.2): r->eff becomes dane, encrypt or may; verify instead of the last
 * two when MTA-STS enforce holds for the host (sts_enforce). 0 with why
 * set when the host is to be skipped: its TLSA records cannot be known
 * now.
 */
static int
dane_decide(struct remote *r, const struct route_host *h)
{
	const char *ref = h->mxname[0] ? h->mxname : h->name;
	char b[16];

	r->dane.trust = r->conf->dnssec;
	/* An address names no zone: nothing to look up. */
	if (inet_pton(AF_INET, ref, b) == 1 || inet_pton(AF_INET6, ref, b) == 1)
		ref = NULL;
	switch (dane_lookup(&r->dane, ref, h->port, &r->dr)) {
	case DANE_TLSA:
		r->eff = TLS_LEVEL_DANE;
		return 1;
	case DANE_ENCRYPT:
		r->eff = TLS_LEVEL_ENCRYPT;
		break;
	case DANE_MAY:
		r->eff = TLS_LEVEL_MAY;
		break;
	case DANE_DEFER:
		set_why(r, h->key, "DANE: ", r->dr.why);
		set_policy(r, TLS_LEVEL_DANE, false, "failed", "tlsa-lookup");
		return 0;
	}
	/*
	 * No usable TLSA set: DANE is not in force, so an MTA-STS policy in
	 * enforce mode applies again (RFC 8461 2 lets DANE win only where it
	 * applies): TLS verified against the MX name.
	 */
	if (h->sts_enforce)
		r->eff = TLS_LEVEL_VERIFY;
	return 1;
}

static int
conn_open(struct remote *r, const struct route_host *h)
{
	char t[SMTPREPLY_TEXT_MAX + 1];
	bool lost, quit;
	enum tls_level level = h->tls_set ? h->tls : r->conf->tlsmx;
	const char *mech = "";

	r->looped = false;
	r->dr.note = NULL;
	r->eff = level;
	set_policy(r, level, h->smtps, POLICY_UNREACHED, NULL);
	if (level == TLS_LEVEL_DANE && !dane_decide(r, h))
		return 0;
	r->fd = connect_to(r, h);
	if (r->fd == -1)
		return 0;
	if (!not_self_addr(r, h))
		return 0;
	memcpy(r->key, h->key, strlen(h->key) + 1);
	r->cur = *h;
	r->cur.tls = level;
	r->cur.tls_set = true;
	memcpy(r->tlsinfo, "tls=none", 9);
	r->rto.seconds = r->wto.seconds = r->conf->timeoutremote;
	buf_init(&r->in, timeoutio_read, r->fd, &r->rto, r->inspace, NET_BUF);
	buf_init(&r->out, timeoutio_write, r->fd, &r->wto, r->outspace,
	    NET_BUF);
	r->dirty = false;
	/* RFC 8314 3: implicit TLS, before the greeting. */
	if (h->smtps && !start_tls(r, h))
		goto fail;
	if (!get_reply(r, "the greeting") || unsolicited(r, "the greeting"))
		goto fail;
	if (r->reply.code / 100 != 2) {
		smtpreply_text(&r->reply, t);
		set_why(r, h->key, "greeting: ", t);
		conn_close(r, true);
		return 0;
	}
	if (!not_myself(r, h))
		return 0;
	if (!say_hello(r, h, &lost))
		goto refused;
	if (!not_myself(r, h))
		return 0;
	level = r->eff;
	if (!h->smtps && level != TLS_LEVEL_NONE) {
		if (!(r->ext & EXT_STARTTLS) && level != TLS_LEVEL_MAY) {
			set_why(r, h->key, "STARTTLS not offered, and tls=",
			    tls_level_name(level));
			set_policy(r, r->cur.tls, false, "failed",
			    "no-starttls");
			conn_close(r, true);
			return 0;
		}
		if (r->ext & EXT_STARTTLS) {
			if (!put(r, "STARTTLS\r\n") || !buf_flush(&r->out) ||
			    !get_reply(r, "STARTTLS"))
				goto fail;
			if (r->reply.code == 220) {
				/*
				 * RFC 3207 4.2: what came before the handshake
				 * cannot be trusted; a server that sent more
				 * than its reply is not talked to further.
				 */
				if (r->in.start != r->in.end) {
					set_why(r, h->key, "STARTTLS: ",
					    "data after the 220, before TLS");
					goto fail;
				}
				if (!start_tls(r, h))
					goto fail;
				/* RFC 3207 4.2: forget it all, EHLO again. */
				r->ext = 0;
				r->sizemax = 0;
				if (!say_hello(r, h, &lost))
					goto refused;
			} else if (level != TLS_LEVEL_MAY) {
				smtpreply_text(&r->reply, t);
				set_why(r, h->key, "STARTTLS refused: ", t);
				set_policy(r, r->cur.tls, false, "failed",
				    "starttls-refused");
				conn_close(r, true);
				return 0;
			} else {
				/* may: nothing was negotiated; go on plain. */
				smtpreply_text(&r->reply, t);
				warn_x(h->key, ": STARTTLS refused, going on ",
				    "without TLS (tls=may): ", t);
			}
		}
	}
	set_policy(r, r->cur.tls, h->smtps, policy_outcome(level,
	    r->tls != NULL), NULL);
	if (h->auth[0] != '\0' && !do_auth(r, h, &mech, &quit)) {
		conn_close(r, quit);
		return 0;
	}
	log_info("host=", h->key, " ", r->tlsinfo, r->policy,
	    mech[0] != '\0' ? " auth=" : "", mech);
	return 1;
refused:
	if (!lost) {
		conn_close(r, true);
		return 0;
	}
fail:
	if (r->why.len == 0)
		set_why(r, h->key, "connection lost: ", strerror(errno));
	conn_close(r, false);
	return 0;
}

/* Whether a kept connection still looks usable (no EOF, no 421 waiting). */
static bool
conn_alive(struct remote *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	char c;
	size_t got = 0;
	int n;

	if (r->in.start != r->in.end)
		return false;
	if (poll(&p, 1, 0) == 0)
		return true;
	if (r->tls == NULL)
		return false;
	/*
	 * Readable under TLS may be only a late TLS 1.3 session ticket: peek
	 * (the socket does not block) and count it dead only on data or EOF.
	 */
	n = SSL_peek_ex(r->tls->ssl, &c, 1, &got);
	return n != 1 && SSL_get_error(r->tls->ssl, n) == SSL_ERROR_WANT_READ;
}

/* Results. */

static int
set_text(struct zs *t, const char *a, const char *b)
{
	t->len = 0;
	return zs_cats(t, a) && zs_cats(t, b);
}

static int
reply_text(struct remote *r, struct zs *t)
{
	char s[SMTPREPLY_TEXT_MAX + 1];
	size_t n = smtpreply_text(&r->reply, s);

	t->len = 0;
	if (n == 0)
		return zs_cats(t, "(empty reply)");
	return zs_catb(t, s, n);
}

static char
msg_letter(int code)
{
	return code / 100 == 2 ? JOB_MSG_OK : code / 100 == 5 ? JOB_MSG_PERM :
	    JOB_MSG_TEMP;
}

static int
send_body(struct remote *r, int fd, size_t off)
{
	struct data_enc d;
	char *piece = malloc(DATA_PIECE);
	off_t at = (off_t)off;
	int ok = 0;

	if (piece == NULL)
		return 0;
	data_init(&d);
	for (;;) {
		ssize_t n = pread(fd, piece, DATA_PIECE, at);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		if (!data_put(&d, &r->out, piece, (size_t)n))
			goto out;
		at += n;
	}
	ok = data_end(&d, &r->out) && buf_flush(&r->out);
out:
	free(piece);
	return ok;
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
 */
enum tx_cmd { CMD_RSET, CMD_MAIL, CMD_RCPT, CMD_DATA };

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
};

static const char *const cmd_name[] = { "RSET", "MAIL", "RCPT", "DATA" };

static enum tx_cmd
tx_cmd(const struct tx *t, size_t k)
{
	if (k < t->mail)
		return CMD_RSET;
	if (k == t->mail)
		return CMD_MAIL;
	return k == t->n - 1 ? CMD_DATA : CMD_RCPT;
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

	if (!put(r, "MAIL FROM:<") || !put(r, from) || !put(r, ">"))
		return 0;
	if (r->ext & EXT_SIZE) {
		num[fmt_ulong(num, (unsigned long long)e->size)] = '\0';
		if (!put(r, " SIZE=") || !put(r, num))
			return 0;
	}
	if ((r->ext & EXT_8BITMIME) && e->body == BODY_8BITMIME &&
	    !put(r, " BODY=8BITMIME"))
		return 0;
	/* RFC 8689 4.2.1: passed on; do_job saw to it that it is offered. */
	if (e->requiretls && !put(r, " REQUIRETLS"))
		return 0;
	/* RFC 6531 3.4: likewise, do_job saw to it that it is offered. */
	if (e->smtputf8 && !put(r, " SMTPUTF8"))
		return 0;
	/* RFC 3461 4: a next hop with DSN gets the request, and reports. */
	if ((r->ext & EXT_DSN) && ((e->ret != RET_UNSET &&
	    !put(r, e->ret == RET_FULL ? " RET=FULL" : " RET=HDRS")) ||
	    (e->envid != NULL && (!put(r, " ENVID=") || !put(r, e->envid)))))
		return 0;
	/* RFC 6710 4.1: the priority goes on to a next hop that takes it. */
	if ((r->ext & EXT_MTPRIORITY) && e->has_mtprio) {
		char mt[3] = { e->mtprio < 0 ? '-' : '+', (char)('0' +
		    (e->mtprio < 0 ? -e->mtprio : e->mtprio)), '\0' };

		if (!put(r, " MT-PRIORITY=") || !put(r, mt + (mt[0] == '+')))
			return 0;
	}
	return put(r, "\r\n");
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
			ok = put(r, "RSET\r\n");
			break;
		case CMD_MAIL:
			ok = put_mail(r, t->e, from);
			r->dirty = true;
			break;
		case CMD_RCPT:
			ok = put(r, "RCPT TO:<") && put(r, t->sa) &&
			    put(r, ">") && put_dsn(r, t->e, t->sa) &&
			    put(r, "\r\n");
			t->sa += strlen(t->sa) + 1;
			break;
		case CMD_DATA:
			/* Sent alone, DATA waits for someone to deliver to. */
			if (!t->pipe && t->accepted == 0)
				return TX_NONE_ACCEPTED;
			ok = put(r, "DATA\r\n");
			break;
		}
		if (!ok)
			return tx_lost(t);
		t->sent++;
	}
	if (t->sent != before && !buf_flush(&r->out))
		return tx_lost(t);
	return TX_GO;
}

/* The receive cursor: the reply to the oldest command outstanding. */
static enum tx_stop
tx_receive(struct tx *t, struct result *res)
{
	struct remote *r = t->r;
	enum tx_cmd c = tx_cmd(t, t->got);
	size_t i;
	int code;

	if (!get_reply(r, cmd_name[c]))
		return tx_lost(t);
	t->got++;
	code = r->reply.code;
	if (c == CMD_MAIL && code / 100 != 2 && !t->pipe)
		return TX_MAIL_FAILED;
	/* When nothing is outstanding, nothing more may have come. */
	if (t->got == t->sent && unsolicited(r, cmd_name[c]))
		return TX_OUT_OF_STEP;
	switch (c) {
	case CMD_RSET:
		break;
	case CMD_MAIL:
		t->mailcode = code;
		if (code / 100 != 2 && !reply_text(r, &res->mt))
			return TX_NOMEM;
		break;
	case CMD_RCPT:
		i = t->gi++;
		/* After a refused MAIL the RCPT replies say nothing. */
		if (t->mailcode / 100 != 2)
			break;
		if (!reply_text(r, &res->rt[i]))
			return TX_NOMEM;
		switch (code / 100) {
		case 2:
			res->rl[i] = JOB_RCPT_OK;
			t->accepted++;
			break;
		case 5:
			res->rl[i] = JOB_RCPT_PERM;
			t->hard++;
			break;
		default:
			res->rl[i] = JOB_RCPT_TEMP;
		}
		break;
	case CMD_DATA:
		t->datacode = code;
		break;
	}
	return TX_GO;
}

/* The message is sent: the reply to the final dot. */
static enum tx_stop
tx_dot(struct tx *t, struct result *res)
{
	struct remote *r = t->r;

	if (!get_reply(r, "the end of the message")) {
		bool late = r->deadline > 0 &&
		    timeoutio_deadline(0) >= r->deadline;

		/* RFC 1047: the server may have taken it. */
		warn_x(r->key, ": connection lost after the final dot: ",
		    "possible duplicate of ", t->e->id);
		res->ml = JOB_MSG_TEMP;
		if (!set_text(&res->mt, "4.4.2 ", r->key) ||
		    !zs_cats(&res->mt, late ? ": no reply to the final dot "
		    "within control/timeouttransaction: possible duplicate" :
		    " connection lost after the final dot: possible duplicate"))
			return TX_NOMEM;
		conn_close(r, false);
		return TX_GO;
	}
	r->dirty = false;
	if (!reply_text(r, &res->mt))
		return TX_NOMEM;
	res->ml = r->reply.code == 0 ? JOB_MSG_TEMP : msg_letter(r->reply.code);
	/*
	 * Replies were in step up to this one, so it answers the dot and
	 * stands (taking it back would send the message twice); what came
	 * after it spoils only the connection.
	 */
	if (r->reply.code == 0 || unsolicited(r, "the end of the message"))
		conn_close(r, false);
	return TX_GO;
}

/* Every command answered: DATA's reply decides what comes next. */
static enum tx_stop
tx_finish(struct tx *t, int mfd, size_t nrcpt, struct result *res)
{
	struct remote *r = t->r;
	size_t i;

	if (t->datacode == 354 && (t->mailcode / 100 != 2 ||
	    t->accepted == 0)) {
		/* RFC 2920 3.1: nobody to deliver to, so an empty message. */
		if (!put(r, ".\r\n") || !buf_flush(&r->out) ||
		    !get_reply(r, "the end of an empty DATA"))
			return TX_LOST;
		/* Nothing was delivered; only the connection is spoilt. */
		if (unsolicited(r, "the end of an empty DATA"))
			conn_close(r, false);
	}
	if (t->mailcode / 100 != 2) {
		for (i = 0; i < nrcpt; i++)
			res->rl[i] = L_NONE;
		res->ml = msg_letter(t->mailcode) == JOB_MSG_OK ?
		    JOB_MSG_TEMP : msg_letter(t->mailcode);
		return TX_GO;
	}
	if (t->accepted == 0)
		return TX_NONE_ACCEPTED;
	if (t->datacode != 354) {
		if (!reply_text(r, &res->mt))
			return TX_NOMEM;
		res->ml = t->datacode / 100 == 5 ? JOB_MSG_PERM : JOB_MSG_TEMP;
		return TX_GO;
	}
	if (!send_body(r, mfd, t->e->data_offset)) {
		set_why(r, r->key, "connection lost while sending the "
		    "message: ", err_text(errno));
		return TX_LOST;
	}
	return tx_dot(t, res);
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
		if (set_text(&res->mt, t->hard == nrcpt ? "5.1.0 " : "4.1.0 ",
		    "no recipient was accepted"))
			return TX_DONE;
		break;
	case TX_MAIL_FAILED:
		res->ml = r->reply.code / 100 == 5 ? JOB_MSG_PERM :
		    JOB_MSG_TEMP;
		if (reply_text(r, &res->mt))
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
		ok = s == TX_OUT_OF_STEP ? set_text(&res->mt, "4.5.0 ",
		    r->why.s) : set_text(&res->mt, "4.4.2 ", r->why.len ?
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
static enum tx_result
transaction(struct remote *r, const struct envelope *e, int mfd,
    const char *from, const char *rcpts, size_t nrcpt, bool fresh,
    struct result *res)
{
	struct tx t = { .r = r, .e = e, .sa = rcpts };
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
		if (set_text(&res->mt, "5.3.4 message too big for ", r->key))
			(void)(zs_cats(&res->mt, ", whose limit is ") &&
			    zs_cats(&res->mt, num));
		return TX_DONE;
	}
	r->dsn_passed = 0;
	t.pipe = (r->ext & EXT_PIPELINING) != 0;
	t.mail = r->dirty ? 1 : 0;
	t.n = t.mail + 1 + nrcpt + 1;
	while (s == TX_GO && t.got < t.n) {
		s = tx_send(&t, from);
		if (s == TX_GO)
			s = tx_receive(&t, res);
	}
	if (s == TX_GO)
		s = tx_finish(&t, mfd, nrcpt, res);
	return tx_stopped(&t, s, nrcpt, fresh, res);
}

/* No host took the job; policy, when not empty, is the last one tried. */
static int
report_fail(struct remote *r, const struct job_req *j, enum job_letter letter,
    const char *a, const char *b, const char *policy)
{
	struct zs t = ZS_INIT, rep = ZS_INIT;
	int ok = zs_cats(&t, a) && zs_cats(&t, b);

	/* The T record's fields, without the leading space. */
	ok = job_rec(&rep, JOB_HOST, "", 0) &&
	    (policy == NULL || policy[0] == '\0' ||
	    job_rec(&rep, JOB_TLS, policy + 1, strlen(policy + 1))) &&
	    job_rec(&rep, letter, ok ? t.s : "4.3.0 out of memory",
	    ok ? t.len : 19) && job_report_send(&r->q, &r->jj, j, &rep,
	    r->report);
	zs_free(&t);
	zs_free(&rep);
	return ok;
}

static int
report(struct remote *r, const struct job_req *j, const char *host,
    struct result *res)
{
	struct zs rep = ZS_INIT, t = ZS_INIT;
	size_t i;
	int ok = zs_cats(&t, r->tlsinfo) && zs_cats(&t, r->policy) &&
	    job_rec(&rep, JOB_HOST, host, strlen(host)) &&
	    job_rec(&rep, JOB_TLS, t.s, t.len) &&
	    (!r->dsn_passed || job_rec(&rep, JOB_DSN, "", 0));

	for (i = 0; ok && i < res->n; i++)
		if (res->rl[i] != L_NONE)
			ok = job_rec(&rep, (enum job_letter)res->rl[i],
			    res->rt[i].s, res->rt[i].len);
	if (res->mt.len == 0 && !zs_cats(&res->mt, "4.3.0 out of memory"))
		ok = 0;
	ok = ok && job_rec(&rep, (enum job_letter)res->ml, res->mt.s,
	    res->mt.len) && job_report_send(&r->q, &r->jj, j, &rep,
	    r->report);
	zs_free(&rep);
	zs_free(&t);
	return ok;
}

static bool
same_host(const struct remote *r, const struct route_host *h)
{
	return strcmp(r->key, h->key) == 0 &&
	    r->cur.tls == (h->tls_set ? h->tls : r->conf->tlsmx) &&
	    r->cur.smtps == h->smtps &&
	    strcmp(r->cur.mxname, h->mxname) == 0 &&
	    strcmp(r->cur.fingerprint, h->fingerprint) == 0 &&
	    strcmp(r->cur.auth, h->auth) == 0 &&
	    r->cur.authplain == h->authplain &&
	    r->cur.sts_enforce == h->sts_enforce;
}

static int
do_job(struct remote *r, struct job_req *j)
{
	struct envelope e;
	struct result res;
	struct zs envr = ZS_INIT;
	const char *from, *rcpts;
	size_t nrcpt, i, h, short_tls = 0, short_utf8 = 0;
	int mfd = -1, ok = 0;
	bool aside;

	memset(&res, 0, sizeof res);
	envelope_init(&e);
	if (j->bad.len != 0 || j->nhost == 0)
		return report_fail(r, j, JOB_MSG_TEMP, "4.3.5 bad job: ",
		    j->bad.len != 0 ? j->bad.s : "no host line", NULL);
	/* Never through a symlink, never a FIFO: only a regular file. */
	mfd = queue_openfile(AT_FDCWD, j->file.s);
	/*
	 * Held until the report is out: a scheduler started after a crash
	 * waits for it before it reads the recorded results (zr-send(8)).
	 */
	if (mfd != -1 && j->results[0] != '\0')
		(void)flock(mfd, LOCK_SH);
	if (mfd == -1 || !envelope_read(&e, mfd)) {
		ok = report_fail(r, j, JOB_MSG_TEMP,
		    "4.3.0 unable to read the message: ", strerror(errno),
		    NULL);
		goto out;
	}
	from = j->have_from ? j->from.s : e.sender;
	if (j->nrcpt > 0) {
		rcpts = j->rcpts.s;
		nrcpt = j->nrcpt;
	} else {
		for (i = 0; i < e.nrcpt; i++)
			if (!zs_cats(&envr, e.rcpt[i].addr) ||
			    !zs_catc(&envr, '\0'))
				goto nomem;
		rcpts = envr.s;
		nrcpt = e.nrcpt;
	}
	res.n = nrcpt;
	res.rl = calloc(nrcpt, 1);
	res.rt = calloc(nrcpt, sizeof *res.rt);
	if (res.rl == NULL || res.rt == NULL)
		goto nomem;
	/* RFC 8689 4.2.2: TLS-Required: No sets the domain's policy aside. */
	aside = requiretls_optional(mfd, &e);
	if (!aside && !mtasts_apply(r->conf, j, rcpts, &r->why)) {
		ok = report_fail(r, j, JOB_MSG_TEMP, "4.7.5 ", r->why.s, NULL);
		goto out;
	}
	tlsreport_job(r, j, rcpts, !aside);
	/*
	 * A kept connection serves only a job that starts with its host, and
	 * with the same settings: a reload may have changed them.
	 */
	if (r->fd != -1 && !same_host(r, &j->host[0]))
		conn_close(r, true);
	if (r->fd != -1 && !conn_alive(r))
		conn_close(r, false);
	r->why.len = 0;
	r->looped = false;
	if (r->fd == -1)
		r->policy[0] = '\0';
	r->dest = strrchr(rcpts, '@') != NULL ? strrchr(rcpts, '@') + 1 : NULL;
	for (h = 0; h < j->nhost;) {
		bool fresh = false;
		enum tx_result t;

		/* Each host, and a kept connection's transaction, has it all. */
		deadline_set(r, timeoutio_deadline(r->conf->timeouttransaction));
		if (e.requiretls && r->fd == -1 &&
		    !requiretls_level_ok(j->host[h].tls_set ? j->host[h].tls :
		    r->conf->tlsmx)) {
			set_why(r, j->host[h].key, "REQUIRETLS needs verified "
			    "TLS, and the host's level is ", tls_level_name(
			    j->host[h].tls_set ? j->host[h].tls :
			    r->conf->tlsmx));
			short_tls++;
			h++;
			continue;
		}
		if (r->fd == -1) {
			bool up = conn_open(r, &j->host[h]);

			tlsreport_session(r, &j->host[h]);
			if (!up) {
				h++;
				continue;
			}
			fresh = true;
		}
		if (e.requiretls && (r->tls == NULL ||
		    !requiretls_level_ok(r->eff) ||
		    !(r->ext & EXT_REQUIRETLS))) {
			set_why(r, j->host[h].key, "REQUIRETLS: ", r->tls == NULL ||
			    !requiretls_level_ok(r->eff) ?
			    "the connection's TLS is not verified" :
			    "the server does not offer REQUIRETLS");
			short_tls++;
			conn_close(r, true);
			h++;
			continue;
		}
		/*
		 * RFC 6531 3.2: a message that needs SMTPUTF8 is never
		 * downgraded; a host without it is tried no further.
		 */
		if (e.smtputf8 && !(r->ext & EXT_SMTPUTF8)) {
			set_why(r, j->host[h].key, "SMTPUTF8: ",
			    "the server does not offer SMTPUTF8");
			short_utf8++;
			conn_close(r, true);
			h++;
			continue;
		}
		t = transaction(r, &e, mfd, from, rcpts, nrcpt, fresh, &res);
		if (t == TX_RETRY)
			continue;
		if (t == TX_NEXTHOST) {
			h++;
			continue;
		}
		ok = report(r, j, j->host[h].key, &res);
		goto out;
	}
	/*
	 * RFC 8689 4.2.1: when no host could take the message on its terms
	 * it fails (5.7.30), rather than wait for one that never will.
	 */
	if (e.requiretls && short_tls == j->nhost && j->nhost > 0) {
		ok = report_fail(r, j, JOB_MSG_PERM, "5.7.30 REQUIRETLS support "
		    "required: ", r->why.len ? r->why.s : "no host",
		    r->policy);
		goto out;
	}
	/*
	 * RFC 6531 3.5 and RFC 6533 3: the hosts that answered cannot take
	 * UTF-8 addresses or header fields, so the message fails (5.6.7).
	 */
	if (short_utf8 > 0 && short_utf8 + short_tls == j->nhost) {
		ok = report_fail(r, j, JOB_MSG_PERM, "5.6.7 SMTPUTF8 support "
		    "required (the message has UTF-8 addresses or header "
		    "fields and is not downgraded): ", r->why.len ? r->why.s :
		    "no host", r->policy);
		goto out;
	}
	/* RFC 3463 3.5: X.4.6 is a routing loop. */
	ok = report_fail(r, j, JOB_MSG_TEMP, r->looped ? "4.4.6 " :
	    "4.4.1 no host answered: ", r->why.len ? r->why.s : "no host",
	    r->policy);
	goto out;
nomem:
	ok = report_fail(r, j, JOB_MSG_TEMP, "4.3.0 out of memory", "", NULL);
out:
	r->dest = NULL;		/* it points into this job */
	/* A kept connection waits for the next job, and QUIT, as before. */
	deadline_set(r, 0);
	if (mfd != -1)
		close(mfd);
	for (i = 0; res.rt != NULL && i < res.n; i++)
		zs_free(&res.rt[i]);
	free(res.rt);
	free(res.rl);
	zs_free(&res.mt);
	zs_free(&envr);
	envelope_free(&e);
	return ok;
}

int
remote_run(const struct remote_conf *c, struct buf *in, struct buf *out)
{
	struct remote r;
	pid_t parent = getppid();
	int code = EXIT_OK;

	memset(&r, 0, sizeof r);
	r.conf = c;
	r.fd = -1;
	r.report = out;
	r.jj.fd = -1;
	r.jj.nosync = !c->syncresults;
	/* zr-send runs deliverers in the queue directory (zr-remote(8)). */
	if (!queue_open(&r.q, ".")) {
		warn_sys("unable to open the queue directory");
		return EXIT_TEMP;
	}
	r.inspace = malloc(NET_BUF);
	r.outspace = malloc(NET_BUF);
	if (r.inspace == NULL || r.outspace == NULL) {
		warn_sys("unable to start");
		code = EXIT_TEMP;
		goto out;
	}
	for (;;) {
		struct job_req j;
		int g;

		/*
		 * A scheduler that died cannot use another delivery: its
		 * successor hands the message out again.
		 */
		if (getppid() != parent)
			break;
		g = job_read(in, &j);
		if (g == 1 && getppid() != parent) {
			/* It died while we waited for this job. */
			job_req_free(&j);
			break;
		}
		if (g == 0)
			break;
		if (g == -1) {
			warn_sys("unable to read a job");
			code = EXIT_TEMP;
			break;
		}
		g = do_job(&r, &j);
		job_req_free(&j);
		if (!g) {
			warn_sys("unable to write a report");
			code = EXIT_TEMP;
			break;
		}
	}
	conn_close(&r, true);
out:
	sess_free(&r);
	oauth_cache_free(&r.oauth);
	dane_close(&r.dane);
	if (r.ctx != NULL)
		SSL_CTX_free(r.ctx);
	smtpreply_free(&r.reply);
	zs_free(&r.why);
	job_journal_close(&r.jj);
	queue_close(&r.q);
	free(r.inspace);
	free(r.outspace);
	return code;
}
