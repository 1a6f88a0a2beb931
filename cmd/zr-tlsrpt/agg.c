/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

/* Grow an array of *n elements of size sz by one, zeroed. */
static void *
grow(void *a, size_t *n, size_t sz)
{
	size_t bytes;
	char *p;

	if (__builtin_add_overflow(*n, 1, &bytes) ||
	    __builtin_mul_overflow(bytes, sz, &bytes)) {
		errno = EOVERFLOW;
		return NULL;
	}
	p = realloc(a, bytes);
	if (p == NULL)
		return NULL;
	memset(p + *n * sz, 0, sz);
	++*n;
	return p;
}

/* Whether the NUL-ended list l (n items) holds s. */
static int
list_has(const struct zs *l, size_t n, const char *s)
{
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(l->s + off, s) == 0)
			return 1;
		off += strlen(l->s + off) + 1;
	}
	return 0;
}

static int
list_add(struct zs *l, size_t *n, const char *s, size_t len)
{
	if (!zs_catb(l, s, len) || !zs_catc(l, '\0'))
		return 0;
	++*n;
	return 1;
}

static struct agg_domain *
domain_of(struct agg *a, const char *name)
{
	struct agg_domain *d;
	size_t i;

	for (i = 0; i < a->nd; i++)
		if (strcmp(a->d[i].name, name) == 0)
			return &a->d[i];
	d = grow(a->d, &a->nd, sizeof *d);
	if (d == NULL)
		return NULL;
	a->d = d;
	d = &a->d[a->nd - 1];
	memcpy(d->name, name, strlen(name) + 1);
	return d;
}

/* A new policy's mx-host: an MTA-STS policy's own mx patterns. */
static int
policy_init(struct agg_policy *p, const struct tlsrpt_rec *r)
{
	size_t i, off = 0;

	p->type = r->type;
	if (r->type == TLSRPT_TLSA)
		memcpy(p->mxkey, r->mx, strlen(r->mx) + 1);
	if (!zs_catb(&p->strings, r->strings.s, r->strings.len))
		return 0;
	p->nstrings = r->nstrings;
	for (i = 0; r->type == TLSRPT_STS && i < r->nstrings; i++) {
		const char *s = r->strings.s + off;

		off += strlen(s) + 1;
		if (strncmp(s, "mx: ", 4) == 0 && p->nmx < AGG_MX_MAX &&
		    !list_add(&p->mx, &p->nmx, s + 4, strlen(s + 4)))
			return 0;
	}
	return 1;
}

static struct agg_policy *
policy_of(struct agg_domain *d, const struct tlsrpt_rec *r)
{
	struct agg_policy *p;
	size_t i;

	for (i = 0; i < d->np; i++) {
		p = &d->p[i];
		if (p->type == r->type && p->nstrings == r->nstrings &&
		    p->strings.len == r->strings.len &&
		    (r->strings.len == 0 ||
		    memcmp(p->strings.s, r->strings.s, r->strings.len) == 0) &&
		    (r->type != TLSRPT_TLSA || strcmp(p->mxkey, r->mx) == 0))
			return p;
	}
	p = grow(d->p, &d->np, sizeof *p);
	if (p == NULL)
		return NULL;
	d->p = p;
	p = &d->p[d->np - 1];
	if (!policy_init(p, r)) {
		zs_free(&p->strings);
		zs_free(&p->mx);
		d->np--;
		return NULL;
	}
	return p;
}

int
agg_add(struct agg *a, const struct tlsrpt_rec *r)
{
	struct agg_domain *d = domain_of(a, r->domain);
	struct agg_policy *p = d != NULL ? policy_of(d, r) : NULL;
	struct agg_fail *f;
	size_t i;

	if (p == NULL)
		return 0;
	/* STS names its hosts by pattern; the others by the hosts seen. */
	if (r->type != TLSRPT_STS && p->nmx < AGG_MX_MAX &&
	    !list_has(&p->mx, p->nmx, r->mx) &&
	    !list_add(&p->mx, &p->nmx, r->mx, strlen(r->mx)))
		return 0;
	if (strcmp(r->result, "success") == 0) {
		p->ok++;
		return 1;
	}
	p->failed++;
	for (i = 0; i < p->nf; i++) {
		f = &p->f[i];
		if (strcmp(f->result, r->result) == 0 &&
		    strcmp(f->mx, r->mx) == 0 && strcmp(f->ip, r->ip) == 0) {
			f->n++;
			return 1;
		}
	}
	f = grow(p->f, &p->nf, sizeof *f);
	if (f == NULL) {
		p->failed--;
		return 0;
	}
	p->f = f;
	f = &p->f[p->nf - 1];
	memcpy(f->result, r->result, strlen(r->result) + 1);
	memcpy(f->mx, r->mx, strlen(r->mx) + 1);
	memcpy(f->ip, r->ip, strlen(r->ip) + 1);
	f->n = 1;
	return 1;
}

void
agg_free(struct agg *a)
{
	size_t i, k;

	for (i = 0; i < a->nd; i++) {
		for (k = 0; k < a->d[i].np; k++) {
			zs_free(&a->d[i].p[k].strings);
			zs_free(&a->d[i].p[k].mx);
			free(a->d[i].p[k].f);
		}
		free(a->d[i].p);
	}
	free(a->d);
	a->d = NULL;
	a->nd = 0;
}

/* A JSON string (RFC 8259 7): quotes, backslashes and controls escaped. */
static int
jstr(struct zs *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int ok = zs_catc(o, '"');

	for (; ok && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ok = zs_catc(o, '\\') && zs_catc(o, (char)c);
		else if (c < 0x20 || c == 0x7f)
			ok = zs_cats(o, "\\u00") && zs_catc(o, hex[c >> 4]) &&
			    zs_catc(o, hex[c & 15]);
		else
			ok = zs_catc(o, (char)c);
	}
	return ok && zs_catc(o, '"');
}

static int
jkey(struct zs *o, const char *k)
{
	return jstr(o, k) && zs_catc(o, ':');
}

/* A JSON array of the n NUL-ended strings of l. */
static int
jlist(struct zs *o, const struct zs *l, size_t n)
{
	size_t i, off = 0;
	int ok = zs_catc(o, '[');

	for (i = 0; ok && i < n; i++) {
		ok = (i == 0 || zs_catc(o, ',')) && jstr(o, l->s + off);
		off += strlen(l->s + off) + 1;
	}
	return ok && zs_catc(o, ']');
}

static int
jpolicy(struct zs *o, const struct agg_policy *p, const char *domain)
{
	size_t i;
	int ok;

	ok = zs_cats(o, "{\"policy\":{") && jkey(o, "policy-type") &&
	    jstr(o, tlsrpt_type_name(p->type));
	/* RFC 8460 4.4: no-policy-found has no policy-string. */
	if (ok && p->type != TLSRPT_NOPOLICY)
		ok = zs_catc(o, ',') && jkey(o, "policy-string") &&
		    jlist(o, &p->strings, p->nstrings);
	ok = ok && zs_catc(o, ',') && jkey(o, "policy-domain") &&
	    jstr(o, domain) && zs_catc(o, ',') && jkey(o, "mx-host") &&
	    jlist(o, &p->mx, p->nmx) && zs_cats(o, "},") &&
	    jkey(o, "summary") && zs_catc(o, '{') &&
	    jkey(o, "total-successful-session-count") &&
	    zs_catulong(o, p->ok) && zs_catc(o, ',') &&
	    jkey(o, "total-failure-session-count") &&
	    zs_catulong(o, p->failed) && zs_catc(o, '}');
	if (ok && p->nf > 0)
		ok = zs_catc(o, ',') && jkey(o, "failure-details") &&
		    zs_catc(o, '[');
	for (i = 0; ok && i < p->nf; i++) {
		const struct agg_fail *f = &p->f[i];

		ok = (i == 0 || zs_catc(o, ',')) && zs_catc(o, '{') &&
		    jkey(o, "result-type") && jstr(o, f->result) &&
		    zs_catc(o, ',') && jkey(o, "receiving-mx-hostname") &&
		    jstr(o, f->mx);
		if (ok && f->ip[0] != '\0')
			ok = zs_catc(o, ',') && jkey(o, "receiving-ip") &&
			    jstr(o, f->ip);
		ok = ok && zs_catc(o, ',') &&
		    jkey(o, "failed-session-count") &&
		    zs_catulong(o, f->n) && zs_catc(o, '}');
	}
	if (ok && p->nf > 0)
		ok = zs_catc(o, ']');
	return ok && zs_catc(o, '}');
}

int
agg_json(const struct agg_domain *d, const struct agg_meta *m,
    struct zs *o)
{
	size_t i;
	int ok;

	o->len = 0;
	/* RFC 8460 4.4: the day, as the RFC's example gives it. */
	ok = zs_catc(o, '{') && jkey(o, "organization-name") &&
	    jstr(o, m->org) && zs_catc(o, ',') && jkey(o, "date-range") &&
	    zs_catc(o, '{') && jkey(o, "start-datetime") &&
	    zs_catc(o, '"') && zs_cats(o, m->day) &&
	    zs_cats(o, "T00:00:00Z\",") && jkey(o, "end-datetime") &&
	    zs_catc(o, '"') && zs_cats(o, m->day) &&
	    zs_cats(o, "T23:59:59Z\"},") && jkey(o, "contact-info") &&
	    jstr(o, m->contact) && zs_catc(o, ',') && jkey(o, "report-id") &&
	    jstr(o, m->id) && zs_catc(o, ',') && jkey(o, "policies") &&
	    zs_catc(o, '[');
	for (i = 0; ok && i < d->np; i++)
		ok = (i == 0 || zs_catc(o, ',')) &&
		    jpolicy(o, &d->p[i], d->name);
	return ok && zs_cats(o, "]}\n");
}
