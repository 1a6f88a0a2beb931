/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "mtasts.h"
#include "remote.h"
#include "requiretls.h"

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
	/* BDAT where offered only with 1: not faster here (zr-remote(8)). */
	if (control_readulong("remotebdat", &u, 0) == -1)
		return 0;
	c->bdat = u != 0;
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
