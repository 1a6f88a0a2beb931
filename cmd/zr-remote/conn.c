/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <strings.h>

#include "auth.h"
#include "conn.h"
#include "die.h"
#include "fmt.h"
#include "scan.h"
#include "starttls.h"
#include "wire.h"

void
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
		starttls_keep(r);
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
void
conn_deadline(struct remote *r, long long when)
{
	r->deadline = when;
	r->rto.deadline = r->wto.deadline = when;
	if (r->tls != NULL)
		r->tls->deadline = when;
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
		wire_why(r, h->key, "unable to resolve: ", gai_strerror(e));
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
		wire_why(r, h->key, "unable to connect: ",
		    wire_err(errno ? errno : ECONNREFUSED));
	freeaddrinfo(res);
	return fd;
}

/* The EXT_* bit of an EHLO line naming a plain keyword, else 0. */
static unsigned
ehlo_word(const char *l, size_t n)
{
	/* args: the keyword may be followed by parameters. */
	static const struct {
		const char *word;
		unsigned bit;
		bool args;
	} kw[] = {
		{ "PIPELINING", EXT_PIPELINING, false },
		{ "8BITMIME", EXT_8BITMIME, false },
		{ "DSN", EXT_DSN, false },
		{ "MT-PRIORITY", EXT_MTPRIORITY, true },
		{ "STARTTLS", EXT_STARTTLS, false },
		{ "REQUIRETLS", EXT_REQUIRETLS, false },
		{ "SMTPUTF8", EXT_SMTPUTF8, false },
		{ "CHUNKING", EXT_CHUNKING, false },
	};
	size_t k;

	for (k = 0; k < sizeof kw / sizeof kw[0]; k++) {
		size_t w = strlen(kw[k].word);

		if (n >= w && strncasecmp(l, kw[k].word, w) == 0 &&
		    (n == w || (kw[k].args && l[w] == ' ')))
			return kw[k].bit;
	}
	return 0;
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
		if (ehlo_word(l, n) != 0)
			r->ext |= ehlo_word(l, n);
		else if (n >= 5 && strncasecmp(l, "AUTH", 4) == 0 &&
		    (l[4] == ' ' || l[4] == '='))
			r->ext |= auth_mechs(l, n);
		else if (n >= 4 && strncasecmp(l, "SIZE", 4) == 0 &&
		    (n == 4 || l[4] == ' ')) {
			unsigned long long u = 0;

			r->ext |= EXT_SIZE;
			if (n > 5 && scan_ulongb(l + 5, n - 5, &u) == n - 5)
				r->sizemax = u;
		}
	}
}

/* "verb helohost": 1 with its reply read and in step, 0 when lost. */
static int
hello(struct remote *r, const char *verb)
{
	return wire_put(r, verb) && wire_put(r, " ") &&
	    wire_put(r, r->conf->helo) && wire_put(r, "\r\n") &&
	    buf_flush(&r->out) && wire_reply(r, verb) &&
	    !wire_unsolicited(r, verb);
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
	if (!hello(r, "EHLO"))
		return 0;
	if (r->reply.code / 100 == 2) {
		parse_ehlo(r);
		return 1;
	}
	r->ext = 0;
	r->sizemax = 0;
	if (!hello(r, "HELO"))
		return 0;
	if (r->reply.code / 100 == 2)
		return 1;
	*lost = false;
	smtpreply_text(&r->reply, t);
	wire_why(r, h->key, "HELO: ", t);
	return 0;
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
		warn_x("host=", h->key, " reason=", DIE_Q,
		    r->why.s + strlen(h->key) + 2);
	else
		wire_why(r, h->key, "mail loops back to myself", "");
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

int
conn_open(struct remote *r, const struct route_host *h)
{
	char t[SMTPREPLY_TEXT_MAX + 1];
	bool lost, quit;
	enum tls_level level = h->tls_set ? h->tls : r->conf->tlsmx;
	const char *mech = "";

	r->looped = false;
	r->dr.note = NULL;
	r->eff = level;
	starttls_policy(r, level, h->smtps, POLICY_UNREACHED, NULL);
	if (level == TLS_LEVEL_DANE && !starttls_dane(r, h))
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
	if (h->smtps && !starttls_handshake(r, h))
		goto fail;
	if (!wire_reply(r, "the greeting") ||
	    wire_unsolicited(r, "the greeting"))
		goto fail;
	if (r->reply.code / 100 != 2) {
		smtpreply_text(&r->reply, t);
		wire_why(r, h->key, "greeting: ", t);
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
	switch (starttls_offer(r, h, level)) {
	case STARTTLS_UP:
		/* RFC 3207 4.2: forget it all, EHLO again. */
		r->ext = 0;
		r->sizemax = 0;
		if (!say_hello(r, h, &lost))
			goto refused;
		break;
	case STARTTLS_PLAIN:
		break;
	case STARTTLS_LOST:
		goto fail;
	case STARTTLS_REFUSED:
		conn_close(r, true);
		return 0;
	}
	starttls_policy(r, r->cur.tls, h->smtps, policy_outcome(level,
	    r->tls != NULL), NULL);
	if (h->auth[0] != '\0' && !auth_run(r, h, &mech, &quit)) {
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
		wire_why(r, h->key, "connection lost: ", strerror(errno));
	conn_close(r, false);
	return 0;
}

/* Whether a kept connection still looks usable (no EOF, no 421 waiting). */
bool
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
