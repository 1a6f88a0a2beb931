/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authcheck.h"
#include "control.h"
#include "die.h"
#include "fmt.h"
#include "hops.h"
#include "queue.h"
#include "scan.h"
#include "smtpd.h"

static int
fail(struct smtpd_conf *c, const char *what)
{
	int saved = errno;

	c->err.len = 0;
	if (!zs_cats(&c->err, what) || !zs_0(&c->err))
		c->err.len = 0;
	errno = saved;
	return 0;
}

/*
 * tcp-environ(5)'s ${PROTO}NAME, else TCPNAME (a server that sets no
 * PROTO); NULL when neither is set.
 */
static const char *
proto_env(const char *name)
{
	const char *proto = getenv("PROTO"), *v = NULL;
	char var[32];

	if (proto != NULL && strlen(proto) <= 16 &&
	    fmt_snprintf(var, sizeof var, "%s%s", proto, name) != -1)
		v = getenv(var);
	if (v == NULL && fmt_snprintf(var, sizeof var, "TCP%s", name) != -1)
		v = getenv(var);
	return v;
}

/*
 * tcp-environ(5) names the client ${PROTO}REMOTEIP (TCP, or TCP6 for some
 * IPv6 servers); systemd's Accept=yes names it REMOTE_ADDR; inetd without
 * tcp-env names it nowhere, and the socket tells.
 */
static void
find_client(struct smtpd_conf *c)
{
	const char *ip = proto_env("REMOTEIP");
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;

	if (ip == NULL)
		ip = getenv("REMOTE_ADDR");
	if (ip == NULL && getpeername(0, (struct sockaddr *)&sa, &len) == 0) {
		const void *a = NULL;

		if (sa.ss_family == AF_INET)
			a = &((struct sockaddr_in *)&sa)->sin_addr;
		else if (sa.ss_family == AF_INET6)
			a = &((struct sockaddr_in6 *)&sa)->sin6_addr;
		if (a != NULL && inet_ntop(sa.ss_family, a, c->clientbuf,
		    sizeof c->clientbuf) != NULL)
			ip = c->clientbuf;
	}
	/* Only a well-formed address reaches a log line or an envelope. */
	if (ip != NULL && strlen(ip) < sizeof c->clientbuf &&
	    cidr_addr_parse(ip, c->clientaddr)) {
		c->client = ip;
		c->client_known = true;
	} else {
		c->client = "unknown";
		c->client_known = false;
		memset(c->clientaddr, 0, sizeof c->clientaddr);
	}
}

/* ${PROTO}LOCALIP, else TCPLOCALIP: the address the client reached. */
static const char *
find_local(void)
{
	const char *ip = proto_env("LOCALIP");
	unsigned char a[CIDR_ADDR_SIZE];

	if (ip == NULL || strlen(ip) >= 64 || !cidr_addr_parse(ip, a))
		return NULL;
	return ip;
}

/* tcp-environ(5): host names "can contain arbitrary characters". */
static const char *
sane_host(const char *h)
{
	size_t i, n;

	if (h == NULL)
		return NULL;
	n = strlen(h);
	if (n == 0 || n > 255)
		return NULL;
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-'))
			return NULL;
	return h;
}

static int
read_nets(struct smtpd_conf *c)
{
	struct zs lines = ZS_INIT;
	size_t count, i, off = 0;
	int r = control_readlines("relaynets", &lines, &count);

	if (r <= 0) {
		zs_free(&lines);
		return r == 0;
	}
	c->relaynets = calloc(count ? count : 1, sizeof *c->relaynets);
	if (c->relaynets == NULL) {
		zs_free(&lines);
		return 0;
	}
	for (i = 0; i < count; i++) {
		if (!cidr_parse(lines.s + off, &c->relaynets[i])) {
			zs_free(&lines);
			return 0;
		}
		off += strlen(lines.s + off) + 1;
	}
	c->nrelaynets = count;
	zs_free(&lines);
	return 1;
}

/*
 * control/NAME as up to max numbers, blanks between them, into num (*got
 * of them); *rest points at what follows in line. -1, 0 or 1 as
 * control_readline says.
 */
static int
read_numbers(const char *name, struct zs *line, unsigned long long *num,
    size_t max, size_t *got, const char **rest)
{
	int r = control_readline(name, line);
	const char *s;
	size_t k;

	*got = 0;
	if (r <= 0)
		return r;
	s = line->s;
	while (*got < max && (k = scan_ulong(s, &num[*got])) > 0) {
		s += k;
		s += strspn(s, " \t");
		++*got;
	}
	*rest = s;
	return 1;
}

/* "COUNT SECONDS [relay]" */
static int
read_ratelimit(struct smtpd_conf *c)
{
	struct zs line = ZS_INIT;
	unsigned long long n[2];
	const char *rest;
	size_t got;
	int r = read_numbers("ratelimit", &line, n, 2, &got, &rest);

	if (r == 1 && (got != 2 || n[1] == 0 ||
	    (*rest != '\0' && strcmp(rest, "relay") != 0))) {
		errno = EINVAL;
		r = -1;
	} else if (r == 1) {
		c->rate_count = n[0];
		c->rate_window = n[1];
		if (*rest != '\0')
			c->rate_relay = true;
	}
	zs_free(&line);
	return r != -1;
}

/* "OCTETS [SECONDS]": the least data rate in DATA, and its window. */
static int
read_mindatarate(struct smtpd_conf *c)
{
	struct zs line = ZS_INIT;
	unsigned long long n[2];
	const char *rest;
	size_t got;
	int r = read_numbers("mindatarate", &line, n, 2, &got, &rest);

	c->mindatarate = SMTPD_MINDATARATE_DEFAULT;
	c->datawindow = SMTPD_DATAWINDOW_DEFAULT;
	if (r == 1 && (got == 0 || *rest != '\0' || n[0] > 1000000000ULL ||
	    (got == 2 && (n[1] == 0 || n[1] > 86400)))) {
		errno = EINVAL;
		r = -1;
	} else if (r == 1) {
		c->mindatarate = n[0];
		if (got == 2)
			c->datawindow = n[1];
	}
	zs_free(&line);
	return r != -1;
}

/* control/NAME as a path, NUL-terminated, into z. */
static int
control_path(struct zs *z, const char *name)
{
	return zs_copys(z, control_dir()) && zs_catc(z, '/') &&
	    zs_cats(z, name) && zs_0(z);
}

/*
 * STARTTLS is offered when control/tlscert and control/tlskey exist and
 * nobody but this user may read the key. A key that others may read is a
 * key to consider lost: say so, and offer no TLS rather than use it. Only
 * metadata is read here; OpenSSL loads the files at the first STARTTLS.
 */
static int
read_tls(struct smtpd_conf *c)
{
	struct stat st;
	bool cert, key;

	if (!control_path(&c->tlscert, "tlscert") ||
	    !control_path(&c->tlskey, "tlskey"))
		return 0;
	cert = stat(c->tlscert.s, &st) == 0;
	if (!cert && errno != ENOENT)
		return 0;
	key = stat(c->tlskey.s, &st) == 0;
	if (!key && errno != ENOENT)
		return 0;
	if (cert != key)
		warn_x(cert ? c->tlskey.s : c->tlscert.s,
		    " is missing: STARTTLS not offered");
	else if (key && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		warn_x(c->tlskey.s, " is accessible by group or others "
		    "(chmod 600): STARTTLS not offered");
	else if (key && st.st_uid != geteuid())
		warn_x(c->tlskey.s, " is not owned by this user: "
		    "STARTTLS not offered");
	else
		c->tls = cert && key;
	return 1;
}

/* "MIN [MAX]", protocol names as OpenSSL writes them (TLSv1.2). */
static int
read_tlsprotocols(struct smtpd_conf *c)
{
	struct zs line = ZS_INIT;
	char *s, *max;
	int r = control_readline("tlsprotocols", &line);

	if (r <= 0) {
		zs_free(&line);
		return r == 0;
	}
	s = line.s;
	max = s + strcspn(s, " \t");
	if (*max != '\0') {
		*max++ = '\0';
		max += strspn(max, " \t");
	}
	c->tls_min = tls_proto_parse(s);
	c->tls_max = *max != '\0' ? tls_proto_parse(max) : 0;
	r = c->tls_min != 0 && (*max == '\0' || c->tls_max != 0) &&
	    (c->tls_max == 0 || c->tls_min <= c->tls_max) &&
	    max[strcspn(max, " \t")] == '\0';
	zs_free(&line);
	if (!r)
		errno = EINVAL;
	return r;
}

/* A file holding 0 or 1; missing means def. */
static int
read_flag(const char *name, bool *flag, bool def)
{
	unsigned long long v;

	if (control_readulong(name, &v, def) == -1)
		return 0;
	if (v > 1) {
		errno = EINVAL;
		return 0;
	}
	*flag = v == 1;
	return 1;
}

/* control/mtpriority: "yes" or "no"; missing is no. */
static int
read_mtpriority(struct smtpd_conf *c)
{
	struct zs line = ZS_INIT;
	int r = control_readline("mtpriority", &line);

	c->mtpriority = r == 1 && strcmp(line.s, "yes") == 0;
	if (r == 1 && !c->mtpriority && strcmp(line.s, "no") != 0) {
		errno = EINVAL;
		r = -1;
	}
	zs_free(&line);
	return r != -1;
}

/* control/senderlimits; a bad line is named in c->err. */
static int
read_senderlimits(struct smtpd_conf *c)
{
	struct zs lines = ZS_INIT;
	size_t count = 0, bad = 0;
	int r = control_readlines("senderlimits", &lines, &count);

	if (r == 1 && !smtpd_limit_parse(&c->senderlimits, lines.s, count,
	    &bad)) {
		char what[64];

		(void)fail(c, bad != 0 && fmt_snprintf(what, sizeof what,
		    "senderlimits entry %zu", bad) != -1 ? what : "senderlimits");
		r = -1;
	} else if (r == -1) {
		(void)fail(c, "senderlimits");
	}
	zs_free(&lines);
	return r != -1;
}

/*
 * With control/localusers, the names that exist in local domains: those
 * users and the names control/localaliases defines (as zr-local sees them).
 */
static int
read_localusers(struct smtpd_conf *c)
{
	struct zs aliases = ZS_INIT;
	size_t n, i, off = 0;
	int r = control_readlines("localusers", &c->localusers,
	    &c->nlocalusers);

	if (r != 1)
		return r == 0;
	r = control_readlines("localaliases", &aliases, &n);
	for (i = 0; r == 1 && i < n; i++) {
		const char *line = aliases.s + off;
		const char *colon = strchr(line, ':');

		off += strlen(line) + 1;
		if (colon == NULL || colon == line)
			continue;
		if (!zs_catb(&c->localusers, line, (size_t)(colon - line)) ||
		    !zs_catc(&c->localusers, '\0'))
			r = -1;
		else
			c->nlocalusers++;
	}
	zs_free(&aliases);
	return r != -1;
}

/* control/me, else $TCPLOCALHOST, else the host name. */
static int
read_me(struct smtpd_conf *c)
{
	const char *v;
	char host[256];
	size_t i;
	int r;

	r = control_readline("me", &c->me);
	if (r == -1)
		return fail(c, "me");
	if (r == 0 && (v = sane_host(getenv("TCPLOCALHOST"))) != NULL) {
		if (!zs_copys(&c->me, v))
			return fail(c, "me");
	} else if (r == 0) {
		if (gethostname(host, sizeof host) == -1)
			return fail(c, "me (no host name)");
		host[sizeof host - 1] = '\0';
		if (!zs_copys(&c->me, host))
			return fail(c, "me");
	}
	/* The name goes into every reply and Received line: keep it sane. */
	for (i = 0; i < c->me.len; i++) {
		unsigned char ch = (unsigned char)c->me.s[i];

		if (ch <= 32 || ch >= 127) {
			errno = EINVAL;
			return fail(c, "me");
		}
	}
	if (!zs_0(&c->me))
		return fail(c, "me");
	return 1;
}

/* The sizes, counts and times a session is held to. */
static int
read_limits(struct smtpd_conf *c)
{
	const char *v;
	int r;

	if (control_readulong("databytes", &c->databytes,
	    SMTPD_DATABYTES_DEFAULT) == -1)
		return fail(c, "databytes");
	v = getenv("DATABYTES");
	if (v != NULL && !scan_ulong_all(v, &c->databytes)) {
		errno = EINVAL;
		return fail(c, "$DATABYTES");
	}
	if (control_readulong("maxrcpt", &c->maxrcpt,
	    SMTPD_MAXRCPT_DEFAULT) == -1)
		return fail(c, "maxrcpt");
	if (!hops_limit(&c->maxhops))
		return fail(c, "maxhops");
	if (control_readulong("timeoutsmtpd", &c->timeout,
	    SMTPD_TIMEOUT_DEFAULT) == -1)
		return fail(c, "timeoutsmtpd");
	/* poll(2) takes milliseconds in an int. */
	if (c->timeout == 0 || c->timeout > 86400) {
		errno = EINVAL;
		return fail(c, "timeoutsmtpd");
	}
	if (control_readulong("greetdelay", &c->greetdelay, 0) == -1 ||
	    c->greetdelay > 300) {
		if (errno == 0 || c->greetdelay > 300)
			errno = EINVAL;
		return fail(c, "greetdelay");
	}
	if (!read_ratelimit(c))
		return fail(c, "ratelimit");
	r = control_readulong("timeoutsession", &c->timeoutsession,
	    SMTPD_TIMEOUTSESSION_DEFAULT);
	if (r == -1 || c->timeoutsession > 604800) {
		if (r != -1)
			errno = EINVAL;
		return fail(c, "timeoutsession");
	}
	if (!read_mindatarate(c))
		return fail(c, "mindatarate");
	if (control_readulong("maxjunk", &c->maxjunk,
	    SMTPD_MAXJUNK_DEFAULT) == -1)
		return fail(c, "maxjunk");
	return 1;
}

/* AUTH: where it is offered, who must use it, how failures count. */
static int
read_auth(struct smtpd_conf *c)
{
	int r;

	if (!read_flag("authplaintext", &c->authplaintext, false))
		return fail(c, "authplaintext");
	if (!read_flag("requireauth", &c->requireauth, false))
		return fail(c, "requireauth");
	if (control_readulong("authfailures", &c->authfailures,
	    SMTPD_AUTHFAILURES_DEFAULT) == -1)
		return fail(c, "authfailures");
	r = control_readulong("authwindow", &c->authwindow,
	    SMTPD_AUTHWINDOW_DEFAULT);
	if (r == -1 || c->authwindow == 0) {
		if (r != -1)
			errno = EINVAL;
		return fail(c, "authwindow");
	}
	return 1;
}

int
smtpd_conf_load(struct smtpd_conf *c)
{
	int r;

	memset(c, 0, sizeof *c);
	c->queuedir = queue_default();
	c->debug = getenv("ZR_DEBUG") != NULL;
	find_client(c);
	c->remotehost = sane_host(getenv("TCPREMOTEHOST"));
	c->localip = find_local();
	/* qmail: set, even to the empty string, means "may relay". */
	c->relayclient = getenv("RELAYCLIENT") != NULL;
	/*
	 * zr-inject -bs: a local user's own SMTP session on a pipe, who may
	 * send anywhere already (it is sendmail); scripts write the whole
	 * session at once, so early input is no sign of a spam engine.
	 */
	c->local = getenv(SMTPD_LOCAL_ENV) != NULL;
	if (c->local)
		c->relayclient = true;

	if (!read_me(c))
		return 0;
	if (control_readlines("localdomains", &c->localdomains,
	    &c->nlocaldomains) == -1)
		return fail(c, "localdomains");
	if (control_readlines("relaydomains", &c->relaydomains,
	    &c->nrelaydomains) == -1)
		return fail(c, "relaydomains");
	if (!read_localusers(c))
		return fail(c, "localusers");
	if (!c->relayclient && !read_nets(c))
		return fail(c, "relaynets");
	if (!read_limits(c))
		return 0;
	c->pipecheck = !c->local;
	if (c->local)
		c->greetdelay = 0;
	if (!read_tls(c))
		return fail(c, "tlscert or control/tlskey");
	if (!read_tlsprotocols(c))
		return fail(c, "tlsprotocols");
	r = control_readline("tlsciphers", &c->tlsciphers);
	if (r == -1)
		return fail(c, "tlsciphers");
	if (r == 0)
		c->tlsciphers.len = 0;
	/* Off by default: a relay passes mail on as its client wrote it. */
	if (!read_flag("qualifyheaders", &c->qualifyheaders, false))
		return fail(c, "qualifyheaders");
	r = control_readline("defaultdomain", &c->defaultdomain);
	if (r == -1)
		return fail(c, "defaultdomain");
	if ((r == 0 && !zs_copyb(&c->defaultdomain, c->me.s, c->me.len)) ||
	    !zs_0(&c->defaultdomain))
		return fail(c, "defaultdomain");
	if (!read_auth(c))
		return 0;
	if (!read_mtpriority(c))
		return fail(c, "mtpriority");
	if (!read_senderlimits(c))
		return 0;
	{
		struct zs where = ZS_INIT;

		/* "priorityrules line N": which line to mend. */
		r = priorules_load(&c->prules, &where) ? 1 :
		    fail(c, where.len ? where.s : "priorityrules");
		zs_free(&where);
		if (!r)
			return 0;
	}
	c->authdelay_ms = SMTPD_AUTHDELAY_MS;
	c->authconfigured = authcheck_configured;
	c->authcheck = authcheck;
	return 1;
}

void
smtpd_conf_free(struct smtpd_conf *c)
{
	zs_free(&c->me);
	zs_free(&c->defaultdomain);
	zs_free(&c->localdomains);
	zs_free(&c->relaydomains);
	zs_free(&c->localusers);
	zs_free(&c->tlscert);
	zs_free(&c->tlskey);
	zs_free(&c->tlsciphers);
	zs_free(&c->err);
	free(c->relaynets);
	c->relaynets = NULL;
	priorules_free(&c->prules);
	smtpd_limit_free(&c->senderlimits);
}
