/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "dane.h"
#include "die.h"
#include "fmt.h"
#include "zs.h"

int
dane_conf(struct dane *d)
{
	struct zs s = ZS_INIT;
	int r = control_readline("dnssec", &s);

	memset(d, 0, sizeof *d);
	if (r == -1) {
		zs_free(&s);
		return 0;
	}
	if (r == 1 && strcmp(s.s, "trust") == 0)
		d->trust = true;
	else if (r == 1 && strcmp(s.s, "no") != 0) {
		zs_free(&s);
		errno = EINVAL;
		return 0;
	}
	zs_free(&s);
	return 1;
}

void
dane_close(struct dane *d)
{
	if (d->opened)
		dns_close(&d->dns);
	d->opened = false;
}

bool
dane_usable(const struct dns_tlsa *t)
{
	static const size_t mlen[] = { 0, 32, 64 };

	/*
	 * RFC 7672 3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP.
	 * Selectors 0 and 1, matching 0 (full), 1 (SHA-256), 2 (SHA-512)
	 * with data of the length the digest has.
	 */
	if ((t->usage != 2 && t->usage != 3) || t->selector > 1 ||
	    t->mtype > 2 || t->len == 0)
		return false;
	return t->mtype == 0 || t->len == mlen[t->mtype];
}

static int
dns_ready(struct dane *d)
{
	struct zs servers = ZS_INIT;
	size_t bad = 0;
	int ok;

	if (d->opened)
		return 1;
	if (control_readfile("dnsservers", &servers) == -1 ||
	    !zs_0(&servers)) {
		zs_free(&servers);
		return 0;
	}
	ok = dns_open(&d->dns, servers.len > 0 ? servers.s : NULL, &bad);
	zs_free(&servers);
	d->opened = ok;
	return ok;
}

/*
 * Whether the trusted servers validate: the root is signed (RFC 4033).
 * -1 when they did not answer (asked again next time).
 */
static int
validating(struct dane *d)
{
	enum dns_status st;
	int ad = 0;

	if (d->checked)
		return d->validating;
	st = dns_query_ad(&d->dns, ".", ns_t_soa, NULL, NULL, &ad);
	if (st == DNS_TEMP)
		return -1;
	d->checked = true;
	d->validating = st == DNS_OK && ad;
	if (!d->validating)
		warn_x("control/dnssec says trust, but the DNS server gives "
		    "no AD bit for the root zone, which is signed: it does "
		    "not validate; tls=dane acts as tls=may");
	return d->validating;
}

static enum dane_verdict
verdict(struct dane_result *r, enum dane_verdict v, const char *note)
{
	r->verdict = v;
	r->note = note;
	return v;
}

enum dane_verdict
dane_lookup(struct dane *d, const char *host, unsigned port,
    struct dane_result *r)
{
	char name[DNS_NAME_MAX + 1];
	enum dns_status st;
	size_t n, i;
	int ad = 0, v;

	r->nusable = 0;
	r->why[0] = '\0';
	if (!d->trust)
		return verdict(r, DANE_MAY, "untrusted");
	if (host == NULL || host[0] == '\0')
		return verdict(r, DANE_MAY, "no-name");
	/* Without an answer nobody knows whether the host is signed. */
	if (!dns_ready(d) || (v = validating(d)) == -1) {
		if (fmt_snprintf(r->why, sizeof r->why, "%s", !d->opened ?
		    "unable to set up DNS (control/dnsservers)" :
		    "no DNS server answered for the root zone") == -1)
			r->why[0] = '\0';
		return verdict(r, DANE_DEFER, "lookup-failed");
	}
	if (v == 0)
		return verdict(r, DANE_MAY, "not-validating");
	/*
	 * RFC 7672 2.2.2: TLSA records count only for a host whose address
	 * records are signed; an insecure host is plain opportunistic TLS.
	 */
	st = dns_query_ad(&d->dns, host, ns_t_a, NULL, NULL, &ad);
	if (st != DNS_OK || !ad) {
		st = dns_query_ad(&d->dns, host, ns_t_aaaa, NULL, NULL, &ad);
		if (st != DNS_OK || !ad)
			return verdict(r, DANE_MAY, "insecure");
	}
	if (fmt_snprintf(name, sizeof name, "_%u._tcp.%s", port, host) == -1)
		return verdict(r, DANE_MAY, "no-name");
	st = dns_tlsa(&d->dns, name, r->rec, DNS_TLSA_MAX, &n, &ad);
	if (st == DNS_TEMP) {
		/* RFC 7672 2.2: a signed host whose TLSA cannot be known. */
		if (fmt_snprintf(r->why, sizeof r->why, "TLSA lookup for %s "
		    "failed: %s", name, d->dns.why != NULL ? d->dns.why :
		    "no answer") == -1)
			r->why[0] = '\0';
		return verdict(r, DANE_DEFER, "lookup-failed");
	}
	if (st != DNS_OK)
		return verdict(r, DANE_MAY, ad ? "no-tlsa" : "insecure");
	if (!ad)
		return verdict(r, DANE_MAY, "insecure");
	for (i = 0; i < n; i++)
		if (dane_usable(&r->rec[i])) {
			struct tls_tlsa *u = &r->usable[r->nusable++];

			u->usage = r->rec[i].usage;
			u->selector = r->rec[i].selector;
			u->mtype = r->rec[i].mtype;
			u->data = r->rec[i].data;
			u->len = r->rec[i].len;
		}
	if (r->nusable == 0)
		return verdict(r, DANE_ENCRYPT, "unusable");
	return verdict(r, DANE_TLSA, "tlsa");
}
