/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "control.h"
#include "die.h"
#include "fmt.h"
#include "starttls.h"
#include "wire.h"

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
void
starttls_keep(struct remote *r)
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

void
starttls_free(struct remote *r)
{
	size_t i;

	for (i = 0; i < REMOTE_SESSIONS; i++)
		if (r->sess[i].s != NULL)
			SSL_SESSION_free(r->sess[i].s);
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
void
starttls_policy(struct remote *r, enum tls_level level, bool smtps,
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
int
starttls_handshake(struct remote *r, const struct route_host *h)
{
	char err[TLS_ERR_MAX];
	struct remote_sess *e;
	struct tls_check chk = { .level = r->eff,
	    .fingerprint = h->fingerprint, .tlsa = r->dr.usable,
	    .ntlsa = r->eff == TLS_LEVEL_DANE ? r->dr.nusable : 0 };

	if (!tls_ready(r, err, sizeof err)) {
		wire_why(r, h->key, "TLS: ", err);
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
		wire_why(r, h->key, "TLS: ", err);
		starttls_policy(r, r->cur.tls, r->cur.smtps, "failed",
		    tls_reason_word(chk.reason));
		return 0;
	}
	buf_init(&r->in, tls_read, r->fd, r->tls, r->inspace, NET_BUF);
	buf_init(&r->out, tls_write, r->fd, r->tls, r->outspace, NET_BUF);
	tls_describe(r->tls, r->tlsinfo, sizeof r->tlsinfo);
	return 1;
}

/*
 * At tls=dane, what the TLSA records make of the connection (RFC 7672
 * 2.2): r->eff becomes dane, encrypt or may; verify instead of the last
 * two when MTA-STS enforce holds for the host (sts_enforce). 0 with why
 * set when the host is to be skipped: its TLSA records cannot be known
 * now.
 */
int
starttls_dane(struct remote *r, const struct route_host *h)
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
		wire_why(r, h->key, "DANE: ", r->dr.why);
		starttls_policy(r, TLS_LEVEL_DANE, false, "failed",
		    "tlsa-lookup");
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

enum starttls_result
starttls_offer(struct remote *r, const struct route_host *h,
    enum tls_level level)
{
	char t[SMTPREPLY_TEXT_MAX + 1];

	if (h->smtps || level == TLS_LEVEL_NONE)
		return STARTTLS_PLAIN;
	if (!(r->ext & EXT_STARTTLS) && level != TLS_LEVEL_MAY) {
		wire_why(r, h->key, "STARTTLS not offered, and tls=",
		    tls_level_name(level));
		starttls_policy(r, r->cur.tls, false, "failed", "no-starttls");
		return STARTTLS_REFUSED;
	}
	if (!(r->ext & EXT_STARTTLS))
		return STARTTLS_PLAIN;
	if (!wire_put(r, "STARTTLS\r\n") || !buf_flush(&r->out) ||
	    !wire_reply(r, "STARTTLS"))
		return STARTTLS_LOST;
	if (r->reply.code == 220) {
		/*
		 * RFC 3207 4.2: what came before the handshake cannot be
		 * trusted; a server that sent more than its reply is not
		 * talked to further.
		 */
		if (r->in.start != r->in.end) {
			wire_why(r, h->key, "STARTTLS: ",
			    "data after the 220, before TLS");
			return STARTTLS_LOST;
		}
		return starttls_handshake(r, h) ? STARTTLS_UP : STARTTLS_LOST;
	}
	smtpreply_text(&r->reply, t);
	if (level != TLS_LEVEL_MAY) {
		wire_why(r, h->key, "STARTTLS refused: ", t);
		starttls_policy(r, r->cur.tls, false, "failed",
		    "starttls-refused");
		return STARTTLS_REFUSED;
	}
	/* may: nothing was negotiated; go on plain. */
	warn_x("host=", h->key, " tls=may reply=", DIE_Q, t, " reason=", DIE_Q,
	    "STARTTLS refused, going on without TLS");
	return STARTTLS_PLAIN;
}
