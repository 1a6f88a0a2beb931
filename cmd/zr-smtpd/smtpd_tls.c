/* SPDX-License-Identifier: MIT */
/*
 * smtpd_tls: TLS in this process, with OpenSSL: zr-smtpd-tls's way
 * (smtpd_tls_here). Nothing else in zr-smtpd calls OpenSSL, so the plain
 * zr-smtpd, which does not link this file, carries none of it.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "die.h"
#include "smtpd.h"
#include "tls.h"

/* The server context, made at the first need: OpenSSL starts here. */
static int
tls_ready(struct smtpd_session *s)
{
	const struct smtpd_conf *c = s->conf;
	struct tls_opts o = {
		.cert = c->tlscert.s,
		.key = c->tlskey.s,
		.ciphers = c->tlsciphers.len != 0 ? c->tlsciphers.s : NULL,
		.min_proto = c->tls_min,
		.max_proto = c->tls_max,
	};
	char err[TLS_ERR_MAX];

	if (s->tlsctx != NULL)
		return 1;
	s->tlsctx = tls_server_ctx(&o, err, sizeof err);
	if (s->tlsctx == NULL) {
		warn_x("unable to set up TLS: ", err);
		return 0;
	}
	return 1;
}

/*
 * The handshake, then a session that knows nothing the client said before
 * it (RFC 3207 4.2): no HELO name, no transaction, no AUTH; EHLO again.
 * What the server knows of the client's address (SESS_RELAY) stays.
 */
static int
tls_start(struct smtpd_session *s)
{
	char err[TLS_ERR_MAX];

	s->tls = tls_accept(s->tlsctx, s->in.fd, s->out.fd,
	    (unsigned)s->conf->timeout, err, sizeof err);
	if (s->tls == NULL) {
		log_info("client=", s->conf->client, " tls=failed reason=",
		    DIE_Q, err);
		return 0;
	}
	smtpd_tls_restart(s, tls_read, tls_write, s->tls);
	/* The session's deadlines now bound the TLS layer's waits. */
	s->iotimeout = &s->tls->timeout;
	return 1;
}

static void
tls_describe_session(const struct smtpd_session *s, char *out, size_t n)
{
	tls_describe(s->tls, out, n);
}

static void
tls_free(struct smtpd_session *s)
{
	tls_close(s->tls);
	s->tls = NULL;
	SSL_CTX_free(s->tlsctx);
	s->tlsctx = NULL;
}

const struct smtpd_tlsops smtpd_tls_here = {
	.ready = tls_ready,
	.start = tls_start,
	.describe = tls_describe_session,
	.free = tls_free,
};
