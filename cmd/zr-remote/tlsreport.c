/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "queue.h"
#include "remote.h"
#include "tlsreport.h"

void
tlsreport_job(struct remote *r, const struct job_req *j, const char *rcpts,
    bool sts)
{
	struct tlsreport *t = &r->rpt;
	const char *at = strrchr(rcpts, '@');
	struct zs rec = ZS_INIT;
	size_t i, n;
	bool mx = false;

	t->domain[0] = '\0';
	t->sts = false;
	for (i = 0; i < j->nhost; i++)
		mx = mx || j->host[i].mxname[0] != '\0';
	if (!mx || at == NULL || (n = strlen(at + 1)) == 0 ||
	    n > TLSRPT_NAME_MAX)
		return;
	for (i = 0; i <= n; i++)
		t->domain[i] = (char)(at[1 + i] >= 'A' && at[1 + i] <= 'Z' ?
		    at[1 + i] + 32 : at[1 + i]);
	if (t->domain[n - 1] == '.')
		t->domain[n - 1] = '\0';
	/* What mtasts_apply read (or had zr-sts write) a moment ago. */
	if (sts && r->conf->mtasts &&
	    queue_sts_read(&r->q, t->domain, &rec) == 1 &&
	    sts_cache_parse(rec.s, rec.len, &t->c) &&
	    sts_cache_valid(&t->c, (long long)time(NULL)) &&
	    t->c.policy.mode != STS_NONE)
		t->sts = true;
	zs_free(&rec);
}

/* RFC 8460 4.4: an MTA-STS policy-string is the policy's lines. */
static int
sts_strings(const struct sts_policy *p, struct tlsrpt_rec *x)
{
	char b[STS_NAME_MAX + 32];
	size_t i;
	int n;

	n = fmt_snprintf(b, sizeof b, "mode: %s", sts_mode_name(p->mode));
	if (!tlsrpt_rec_addstring(x, "version: STSv1", 14) || n == -1 ||
	    !tlsrpt_rec_addstring(x, b, (size_t)n))
		return 0;
	for (i = 0; i < p->nmx; i++) {
		n = fmt_snprintf(b, sizeof b, "mx: %s", p->mx[i]);
		if (n == -1 || !tlsrpt_rec_addstring(x, b, (size_t)n))
			return 0;
	}
	n = fmt_snprintf(b, sizeof b, "max_age: %llu", p->max_age);
	return n != -1 && tlsrpt_rec_addstring(x, b, (size_t)n);
}

/* RFC 8460 4.4: for DANE, the TLSA records in presentation form. */
static int
tlsa_strings(const struct dane_result *d, struct tlsrpt_rec *x)
{
	static const char hex[] = "0123456789ABCDEF";
	struct zs s = ZS_INIT;
	size_t i, k;
	int ok = 1;

	for (i = 0; ok && i < d->nusable; i++) {
		const struct tls_tlsa *a = &d->usable[i];

		s.len = 0;
		ok = zs_catulong(&s, a->usage) && zs_catc(&s, ' ') &&
		    zs_catulong(&s, a->selector) && zs_catc(&s, ' ') &&
		    zs_catulong(&s, a->mtype) && zs_catc(&s, ' ');
		for (k = 0; ok && k < a->len; k++)
			ok = zs_catc(&s, hex[a->data[k] >> 4]) &&
			    zs_catc(&s, hex[a->data[k] & 15]);
		ok = ok && tlsrpt_rec_addstring(x, s.s, s.len);
	}
	zs_free(&s);
	return ok;
}

/*
 * In testing mode nothing was enforced: what the certificate chain was
 * worth is told by the verify= word of the T record (the name was not
 * checked, so a mismatch of it goes unseen).
 */
static const char *
testing_result(const struct remote *r)
{
	const char *v = strstr(r->tlsinfo, "verify=");

	if (v == NULL || strncmp(v + 7, "ok", 2) == 0)
		return "success";
	return strstr(v, "expired") != NULL ? "certificate-expired" :
	    "certificate-not-trusted";
}

void
tlsreport_session(struct remote *r, const struct route_host *h)
{
	struct tlsreport *t = &r->rpt;
	struct tlsrpt_rec x;
	struct zs line = ZS_INIT;
	char day[TLSRPT_DAY_LEN + 1], pid[FMT_ULONG + 1], b[16];
	enum tls_level level = h->tls_set ? h->tls : r->conf->tlsmx;
	const char *res;
	int ok;

	if (t->domain[0] == '\0' || h->mxname[0] == '\0' ||
	    level == TLS_LEVEL_NONE || r->outcome == NULL ||
	    strcmp(r->outcome, POLICY_UNREACHED) == 0 ||
	    strlen(h->mxname) > TLSRPT_NAME_MAX)
		return;
	memset(&x, 0, sizeof x);
	x.t = (long long)time(NULL);
	memcpy(x.domain, t->domain, strlen(t->domain) + 1);
	for (size_t i = 0; h->mxname[i] != '\0'; i++)
		x.mx[i] = (char)(h->mxname[i] >= 'A' && h->mxname[i] <= 'Z' ?
		    h->mxname[i] + 32 : h->mxname[i]);
	if (x.mx[0] != '\0' && x.mx[strlen(x.mx) - 1] == '.')
		x.mx[strlen(x.mx) - 1] = '\0';
	if ((inet_pton(AF_INET, h->name, b) == 1 ||
	    inet_pton(AF_INET6, h->name, b) == 1) &&
	    strlen(h->name) <= TLSRPT_IP_MAX)
		memcpy(x.ip, h->name, strlen(h->name) + 1);
	if (strcmp(r->outcome, "failed") == 0)
		res = tlsrpt_result_of(r->reason);
	else if (strcmp(r->outcome, POLICY_PLAINTEXT) == 0)
		res = "starttls-not-supported";
	else
		res = "success";
	if (level == TLS_LEVEL_DANE && (r->dr.verdict == DANE_TLSA ||
	    r->dr.verdict == DANE_DEFER)) {
		x.type = TLSRPT_TLSA;
		ok = tlsa_strings(&r->dr, &x);
	} else if (t->sts && (t->c.policy.mode == STS_TESTING ||
	    sts_mx_match(&t->c.policy, x.mx))) {
		x.type = TLSRPT_STS;
		if (t->c.policy.mode == STS_TESTING &&
		    strcmp(res, "success") == 0)
			res = testing_result(r);
		ok = sts_strings(&t->c.policy, &x);
	} else {
		x.type = TLSRPT_NOPOLICY;
		ok = 1;
	}
	memcpy(x.result, res, strlen(res) + 1);
	tlsrpt_day(x.t, day);
	pid[fmt_ulong(pid, (unsigned long long)getpid())] = '\0';
	if (!ok || !tlsrpt_rec_fmt(&x, &line) ||
	    !queue_tlsrpt_append(&r->q, day, pid, line.s, line.len))
		warn_sys("unable to record a TLSRPT result in tlsrpt/", day);
	zs_free(&line);
	tlsrpt_rec_free(&x);
}
