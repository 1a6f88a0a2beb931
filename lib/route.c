/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fmt.h"
#include "route.h"
#include "scan.h"

void
route_init(struct route_table *t)
{
	memset(t, 0, sizeof *t);
}

static void
set_free(struct route_set *s)
{
	free(s->domain);
	free(s->host);
	memset(s, 0, sizeof *s);
}

void
route_free(struct route_table *t)
{
	size_t i;

	set_free(&t->smart);
	for (i = 0; i < t->ndom; i++)
		set_free(&t->dom[i]);
	free(t->dom);
	for (i = 0; i < t->nsnd; i++)
		set_free(&t->snd[i]);
	free(t->snd);
	route_init(t);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > ROUTE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == ':' || c == '_'))
			return 0;
	}
	return 1;
}

int
route_host_parse(struct route_host *h, const char *p, size_t n)
{
	unsigned long long port = ROUTE_PORT_DEFAULT;
	const char *name, *colon = NULL;
	size_t nlen, i;
	int v6 = 0;

	if (n > 0 && p[0] == '[') {
		const char *end = memchr(p, ']', n);

		if (end == NULL)
			return 0;
		name = p + 1;
		nlen = (size_t)(end - name);
		v6 = 1;
		if ((size_t)(end + 1 - p) < n) {
			if (end[1] != ':')
				return 0;
			colon = end + 1;
		}
		if (memchr(name, ':', nlen) == NULL)
			return 0;
	} else {
		name = p;
		colon = memchr(p, ':', n);
		nlen = colon != NULL ? (size_t)(colon - p) : n;
		if (memchr(name, ':', nlen) != NULL)
			return 0;
	}
	if (!name_ok(name, nlen))
		return 0;
	if (colon != NULL) {
		size_t plen = n - (size_t)(colon + 1 - p);

		if (plen == 0 || scan_ulongb(colon + 1, plen, &port) != plen ||
		    port == 0 || port > 65535)
			return 0;
	}
	for (i = 0; i < nlen; i++)
		h->name[i] = lower(name[i]);
	h->name[nlen] = '\0';
	h->port = (unsigned)port;
	return fmt_snprintf(h->key, sizeof h->key, v6 ? "[%s]:%u" : "%s:%u",
	    h->name, h->port) != -1;
}

static int
add_host(struct route_set *s, const struct route_host *h)
{
	struct route_host *n = realloc(s->host, (s->nhost + 1) * sizeof *n);

	if (n == NULL)
		return 0;
	s->host = n;
	s->host[s->nhost++] = *h;
	return 1;
}

/* The set named d (n bytes) in the array *v of *nv, made when missing. */
static struct route_set *
named_set(struct route_set **v, size_t *nv, const char *d, size_t n)
{
	struct route_set *s;
	size_t i, j;

	for (i = 0; i < *nv; i++) {
		const char *e = (*v)[i].domain;

		if (strlen(e) != n)
			continue;
		for (j = 0; j < n && e[j] == lower(d[j]); j++)
			;
		if (j == n)
			return &(*v)[i];
	}
	s = realloc(*v, (*nv + 1) * sizeof *s);
	if (s == NULL)
		return NULL;
	*v = s;
	s = &(*v)[*nv];
	memset(s, 0, sizeof *s);
	s->domain = malloc(n + 1);
	if (s->domain == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		s->domain[i] = lower(d[i]);
	s->domain[n] = '\0';
	(*nv)++;
	return s;
}

static struct route_set *
dom_set(struct route_table *t, const char *d, size_t n)
{
	return named_set(&t->dom, &t->ndom, d, n);
}

/* RFC 5321 4.5.3.1.1: a local part is at most 64 octets. */
#define ROUTE_LOCAL_MAX 64

/*
 * A sender of control/senderroutes: "@domain", "@.domain" or
 * "local@domain", the local part without quoting, blanks or brackets.
 */
static int
sender_ok(const char *p, size_t n)
{
	size_t at, i;

	for (at = n; at > 0 && p[at - 1] != '@'; at--)
		;
	if (at == 0 || at - 1 > ROUTE_LOCAL_MAX)
		return 0;
	for (i = 0; i + 1 < at; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == '<' || p[i] == '>' ||
		    p[i] == '"' || p[i] == '@')
			return 0;
	p += at;
	n -= at;
	/* "@.domain" is for the whole address-less form only. */
	if (n > 0 && p[0] == '.') {
		if (at != 1)
			return 0;
		p++;
		n--;
	}
	return name_ok(p, n) && memchr(p, ':', n) == NULL;
}

static int
bad(struct zs *err, const char *file, size_t line, const char *what,
    const char *w, size_t wn)
{
	err->len = 0;
	if (zs_cats(err, file) && zs_catc(err, ':') &&
	    zs_catulong(err, line) && zs_cats(err, ": ") &&
	    zs_cats(err, what) && (wn == 0 || (zs_cats(err, ": ") &&
	    zs_catb(err, w, wn > 80 ? 80 : wn))))
		zs_0(err);
	errno = EINVAL;
	return 0;
}

static size_t
word(const char *p, size_t n, size_t *i)
{
	size_t a;

	while (*i < n && (p[*i] == ' ' || p[*i] == '\t'))
		++*i;
	a = *i;
	while (*i < n && p[*i] != ' ' && p[*i] != '\t')
		++*i;
	return *i - a;
}

/* Whether a host word names its port ("a:25", "[::1]:25"). */
static int
has_port(const char *w, size_t n)
{
	const char *end;

	if (n > 0 && w[0] == '[')
		return (end = memchr(w, ']', n)) != NULL &&
		    (size_t)(end + 1 - w) < n;
	return memchr(w, ':', n) != NULL;
}

static int
is_key(const char *w, size_t klen, const char *k)
{
	return strlen(k) == klen && memcmp(w, k, klen) == 0;
}

/* "sha256:" then 32 bytes in hex, a colon allowed between bytes. */
static int
fingerprint_ok(const char *p, size_t n)
{
	size_t i, digits = 0;

	if (n > ROUTE_FP_MAX || n < 7 || memcmp(p, "sha256:", 7) != 0)
		return 0;
	for (i = 7; i < n; i++) {
		char c = lower(p[i]);

		if (c == ':' && digits % 2 == 0 && digits > 0 && i + 1 < n)
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		digits++;
	}
	return digits == 64;
}

static int
auth_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > ROUTE_AUTH_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
		    p[i] == '-' || p[i] == '_'))
			return 0;
	return 1;
}

static int
host_bad(const char **what, const char *why, const char **w, size_t *wn,
    const char *word, size_t n)
{
	*what = why;
	*w = word;
	*wn = n;
	return 0;
}

/*
 * Applies one key=value of a host line to h. Returns NULL, or what is wrong
 * with it; nlevel counts the tls= levels seen, which must agree.
 */
static const char *
host_key(struct route_host *h, const char *k, size_t klen, const char *v,
    size_t vlen, size_t *nlevel)
{
	unsigned long long u;
	enum tls_level l;
	char lv[16];

	if (is_key(k, klen, "priority") || is_key(k, klen, "weight")) {
		bool prio = is_key(k, klen, "priority");

		if (vlen == 0 || scan_ulongb(v, vlen, &u) != vlen ||
		    (prio ? u > ROUTE_PRIO_MAX :
		    u == 0 || u > ROUTE_WEIGHT_MAX))
			return "bad value";
		if (prio)
			h->prio = (unsigned)u;
		else
			h->weight = (unsigned)u;
	} else if (is_key(k, klen, "tls")) {
		if (vlen == 0 || vlen >= sizeof lv)
			return "bad value";
		memcpy(lv, v, vlen);
		lv[vlen] = '\0';
		if (!tls_level_parse(lv, &l))
			return "bad value";
		if (l == TLS_LEVEL_SMTPS)
			h->smtps = true;
		else if (*nlevel > 0 && l != h->tls)
			return "conflicting tls= keys";
		else {
			h->tls = l;
			(*nlevel)++;
		}
		h->tls_set = true;
	} else if (is_key(k, klen, "fingerprint")) {
		if (!fingerprint_ok(v, vlen))
			return "bad value";
		memcpy(h->fingerprint, v, vlen);
		h->fingerprint[vlen] = '\0';
	} else if (is_key(k, klen, "auth")) {
		if (!auth_name_ok(v, vlen))
			return "bad value";
		memcpy(h->auth, v, vlen);
		h->auth[vlen] = '\0';
	} else if (is_key(k, klen, "mx")) {
		/* zr-send names the MX host behind an address. */
		if (vlen == 0 || vlen > ROUTE_NAME_MAX || !name_ok(v, vlen))
			return "bad value";
		memcpy(h->mxname, v, vlen);
		h->mxname[vlen] = '\0';
		h->mx = true;
	} else if (is_key(k, klen, "authplain")) {
		if (vlen == 3 && memcmp(v, "yes", 3) == 0)
			h->authplain = true;
		else if (vlen == 2 && memcmp(v, "no", 2) == 0)
			h->authplain = false;
		else
			return "bad value";
	} else {
		return "unknown key";
	}
	return NULL;
}

/*
 * The checks across keys, once the whole line is read. Returns NULL, or
 * what is wrong with the line.
 */
static const char *
host_keys_agree(struct route_host *h, size_t nlevel)
{
	/*
	 * Implicit TLS encrypts from the first byte; what is left to say is
	 * whether the certificate is checked. none or may would pretend
	 * otherwise.
	 */
	if (h->smtps && nlevel == 0)
		h->tls = TLS_LEVEL_ENCRYPT;
	else if (h->smtps && h->tls != TLS_LEVEL_ENCRYPT &&
	    h->tls != TLS_LEVEL_VERIFY && h->tls != TLS_LEVEL_FINGERPRINT)
		return "conflicting tls= keys: smtps is always encrypted";
	if ((h->tls == TLS_LEVEL_FINGERPRINT) != (h->fingerprint[0] != '\0'))
		return h->fingerprint[0] ?
		    "fingerprint= needs tls=fingerprint" :
		    "tls=fingerprint needs fingerprint=";
	/* Credentials never go out in plain text unless the line says so. */
	if (h->auth[0] != '\0' && h->tls == TLS_LEVEL_NONE && !h->authplain)
		return "auth= with tls=none needs authplain=yes";
	return NULL;
}

int
route_host_line(struct route_host *h, const char *p, size_t n,
    const char **what, const char **w, size_t *wn)
{
	size_t i = 0, len, nlevel = 0;
	const char *hw, *why;
	size_t hlen;

	memset(h, 0, sizeof *h);
	h->prio = ROUTE_PRIO_DEFAULT;
	h->weight = ROUTE_WEIGHT_DEFAULT;
	h->tls = TLS_LEVEL_MAY;
	hlen = word(p, n, &i);
	hw = p + i - hlen;
	if (hlen == 0)
		return host_bad(what, "no host", w, wn, NULL, 0);
	if (!route_host_parse(h, hw, hlen))
		return host_bad(what, "bad host", w, wn, hw, hlen);
	while ((len = word(p, n, &i)) > 0) {
		const char *k = p + i - len, *eq = memchr(k, '=', len);
		size_t klen;

		if (eq == NULL)
			return host_bad(what, "not key=value", w, wn, k, len);
		klen = (size_t)(eq - k);
		why = host_key(h, k, klen, eq + 1, len - klen - 1, &nlevel);
		if (why != NULL)
			return host_bad(what, why, w, wn, k, len);
	}
	if ((why = host_keys_agree(h, nlevel)) != NULL)
		return host_bad(what, why, w, wn, NULL, 0);
	if (h->smtps && !has_port(hw, hlen)) {
		h->port = ROUTE_PORT_SMTPS;
		if (fmt_snprintf(h->key, sizeof h->key, h->key[0] == '[' ?
		    "[%s]:%u" : "%s:%u", h->name, h->port) == -1)
			return host_bad(what, "bad host", w, wn, hw, hlen);
	}
	return 1;
}

int
route_host_fmt(const struct route_host *h, struct zs *out)
{
	/* An MX host has no line of its own: zr-remote applies tlsmx. */
	return zs_cats(out, h->key) && (!h->mx || h->mxname[0] == '\0' ||
	    (zs_cats(out, " mx=") && zs_cats(out, h->mxname))) &&
	    (h->mx || (zs_cats(out, " tls=") &&
	    zs_cats(out, h->smtps ? "smtps" : tls_level_name(h->tls)))) &&
	    (!h->smtps || h->tls == TLS_LEVEL_ENCRYPT || (zs_cats(out,
	    " tls=") && zs_cats(out, tls_level_name(h->tls)))) &&
	    (h->fingerprint[0] == '\0' || (zs_cats(out, " fingerprint=") &&
	    zs_cats(out, h->fingerprint))) &&
	    (h->auth[0] == '\0' || (zs_cats(out, " auth=") &&
	    zs_cats(out, h->auth))) &&
	    (!h->authplain || zs_cats(out, " authplain=yes"));
}

static int
parse_line(struct route_table *t, const char *file, size_t lineno,
    const char *p, size_t n, int kind, struct zs *err)
{
	struct route_host h;
	struct route_set *s = &t->smart;
	size_t i = 0, len;
	const char *w, *what;

	if (kind == ROUTE_SENDERROUTES) {
		len = word(p, n, &i);
		w = p + i - len;
		if (!sender_ok(w, len))
			return bad(err, file, lineno, "bad sender (an address, "
			    "@domain or @.domain)", w, len);
		s = named_set(&t->snd, &t->nsnd, w, len);
		if (s == NULL)
			return 0;
	} else if (kind == ROUTE_DOMAINROUTES) {
		len = word(p, n, &i);
		w = p + i - len;
		if (!name_ok(w[0] == '.' ? w + 1 : w, w[0] == '.' ? len - 1 :
		    len) || memchr(w, ':', len) != NULL)
			return bad(err, file, lineno, "bad domain", w, len);
		s = dom_set(t, w, len);
		if (s == NULL)
			return 0;
	}
	if (!route_host_line(&h, p + i, n - i, &what, &w, &len))
		return bad(err, file, lineno, what, w, len);
	/* mx= belongs to the hosts of MX records, never to a file's. */
	if (h.mxname[0] != '\0')
		return bad(err, file, lineno, "mx= is for MX hosts only",
		    NULL, 0);
	return add_host(s, &h);
}

int
route_parse(struct route_table *t, const char *file, const char *p, size_t n,
    int kind, struct zs *err)
{
	size_t i = 0, lineno = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t a = i, b = nl != NULL ? (size_t)(nl - p) : n;

		i = b + 1;
		lineno++;
		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' ||
		    p[b - 1] == '\r'))
			b--;
		if (a == b || p[a] == '#')
			continue;
		if (memchr(p + a, '\0', b - a) != NULL)
			return bad(err, file, lineno, "NUL byte", NULL, 0);
		if (!parse_line(t, file, lineno, p + a, b - a, kind, err))
			return 0;
	}
	return 1;
}

static void
carry_down(struct route_table *to, const struct route_table *from)
{
	size_t i, j;

	for (i = 0; i < from->smart.nhost; i++)
		if (from->smart.host[i].down_until != 0)
			route_mark_down(to, from->smart.host[i].key,
			    from->smart.host[i].down_until);
	for (i = 0; i < from->ndom; i++)
		for (j = 0; j < from->dom[i].nhost; j++)
			if (from->dom[i].host[j].down_until != 0)
				route_mark_down(to, from->dom[i].host[j].key,
				    from->dom[i].host[j].down_until);
	for (i = 0; i < from->nsnd; i++)
		for (j = 0; j < from->snd[i].nhost; j++)
			if (from->snd[i].host[j].down_until != 0)
				route_mark_down(to, from->snd[i].host[j].key,
				    from->snd[i].host[j].down_until);
}

int
route_load(struct route_table *t, struct zs *err)
{
	static const char *const files[] = {
		[ROUTE_SMARTHOSTS] = "smarthosts",
		[ROUTE_DOMAINROUTES] = "domainroutes",
		[ROUTE_SENDERROUTES] = "senderroutes",
	};
	struct route_table n;
	struct zs text = ZS_INIT;
	int i;

	route_init(&n);
	for (i = 0; i < (int)(sizeof files / sizeof files[0]); i++) {
		int r = control_readfile(files[i], &text);

		if (r == -1) {
			err->len = 0;
			if (zs_cats(err, files[i]) && zs_cats(err, ": ") &&
			    zs_cats(err, strerror(errno)))
				zs_0(err);
			goto fail;
		}
		if (r == 1 && !route_parse(&n, files[i], text.s, text.len, i,
		    err))
			goto fail;
	}
	zs_free(&text);
	carry_down(&n, t);
	route_free(t);
	*t = n;
	return 1;
fail:
	{
		int saved = errno;

		zs_free(&text);
		route_free(&n);
		errno = saved;
	}
	return 0;
}

static struct route_set *
find_dom(struct route_table *t, const char *d, size_t n)
{
	size_t i, j;

	for (i = 0; i < t->ndom; i++) {
		const char *s = t->dom[i].domain;

		if (strlen(s) != n)
			continue;
		for (j = 0; j < n && s[j] == lower(d[j]); j++)
			;
		if (j == n)
			return &t->dom[i];
	}
	return NULL;
}

struct route_set *
route_find(struct route_table *t, const char *domain, size_t n)
{
	struct route_set *s = find_dom(t, domain, n);
	size_t i;

	if (s != NULL)
		return s;
	/* ".example.com" covers a.example.com and a.b.example.com. */
	for (i = 1; i < n; i++)
		if (domain[i] == '.' && (s = find_dom(t, domain + i,
		    n - i)) != NULL)
			return s;
	return t->smart.nhost > 0 ? &t->smart : NULL;
}

struct route_set *
route_find_sender(struct route_table *t, const char *a, size_t n)
{
	size_t at, i, j;

	for (at = n; at > 0 && a[at - 1] != '@'; at--)
		;
	if (at == 0)
		return NULL;
	for (i = 0; i < t->nsnd; i++) {
		const char *e = t->snd[i].domain, *d = a;
		size_t el = strlen(e), dn = n;

		if (e[0] == '@' && e[1] == '.') {
			/* "@.example.com": a.example.com, a.b.example.com. */
			e++;
			el--;
			d = a + at;
			dn = n - at;
			if (dn < el)
				continue;
			d += dn - el;
			dn = el;
		} else if (e[0] == '@') {
			d = a + at - 1;
			dn = n - at + 1;
		}
		if (dn != el)
			continue;
		for (j = 0; j < el && e[j] == lower(d[j]); j++)
			;
		if (j == el)
			return &t->snd[i];
	}
	return NULL;
}

size_t
route_order(struct route_set *s, long long now, size_t *order)
{
	size_t n = 0, i, j, best = 0;
	unsigned top = 0;
	long long total = 0;
	int any = 0;

	/* The lowest priority number among hosts that are up. */
	for (i = 0; i < s->nhost; i++)
		if (s->host[i].down_until <= now &&
		    (!any || s->host[i].prio < top)) {
			top = s->host[i].prio;
			any = 1;
		}
	if (any) {
		/* Smooth weighted round robin among them picks the first. */
		int have = 0;

		for (i = 0; i < s->nhost; i++) {
			struct route_host *h = &s->host[i];

			if (h->down_until > now || h->prio != top)
				continue;
			h->cw += h->weight;
			total += h->weight;
			if (!have || h->cw > s->host[best].cw) {
				best = i;
				have = 1;
			}
		}
		s->host[best].cw -= total;
		order[n++] = best;
	}
	/* Then the others that are up, by priority, heavier first. */
	for (i = 0; i < s->nhost; i++) {
		const struct route_host *h = &s->host[i];

		if ((any && i == best) || h->down_until > now)
			continue;
		for (j = n; j > (any ? 1u : 0u); j--) {
			const struct route_host *o = &s->host[order[j - 1]];

			if (o->prio < h->prio || (o->prio == h->prio &&
			    o->weight >= h->weight))
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
		n++;
	}
	/* Down hosts last, by priority: better late than no host at all. */
	for (i = 0; i < s->nhost; i++) {
		const struct route_host *h = &s->host[i];

		if (h->down_until <= now)
			continue;
		for (j = n; j > 0; j--) {
			const struct route_host *o = &s->host[order[j - 1]];

			if (o->down_until <= now || o->prio <= h->prio)
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
		n++;
	}
	return n;
}

static void
mark(struct route_set *s, const char *key, long long until)
{
	size_t i;

	for (i = 0; i < s->nhost; i++)
		if (strcmp(s->host[i].key, key) == 0)
			s->host[i].down_until = until;
}

void
route_mark_down(struct route_table *t, const char *key, long long until)
{
	size_t i;

	mark(&t->smart, key, until);
	for (i = 0; i < t->ndom; i++)
		mark(&t->dom[i], key, until);
	for (i = 0; i < t->nsnd; i++)
		mark(&t->snd[i], key, until);
}

void
route_mark_up(struct route_table *t, const char *key)
{
	route_mark_down(t, key, 0);
}
