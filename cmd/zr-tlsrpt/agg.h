/* SPDX-License-Identifier: MIT */
/*
 * agg: a day's TLSRPT result lines (lib/tlsrpt.h) summed up per policy
 * domain, and the JSON report of one domain (RFC 8460 4).
 *
 * Within a domain, a policy is its type and its strings (for tlsa also
 * its MX host, as a TLSA set belongs to one host); each has its counts of
 * successful and failed sessions and its failure details, one per result
 * type, MX host and address. The agg owns all it holds (agg_free).
 */
#ifndef ZR_TLSRPT_AGG_H
#define ZR_TLSRPT_AGG_H

#include <stddef.h>

#include "tlsrpt.h"
#include "zs.h"

/* Distinct MX hosts named in one policy; more are counted, not named. */
#define AGG_MX_MAX 32

struct agg_fail {
	char result[TLSRPT_RESULT_MAX + 1];
	char mx[TLSRPT_NAME_MAX + 1];
	char ip[TLSRPT_IP_MAX + 1];
	unsigned long long n;
};

struct agg_policy {
	enum tlsrpt_type type;
	char mxkey[TLSRPT_NAME_MAX + 1];	/* tlsa: its host; else "" */
	struct zs strings;			/* each NUL-ended */
	size_t nstrings;
	struct zs mx;				/* mx-host values, NUL-ended */
	size_t nmx;
	unsigned long long ok, failed;
	struct agg_fail *f;
	size_t nf;
};

struct agg_domain {
	char name[TLSRPT_NAME_MAX + 1];
	struct agg_policy *p;
	size_t np;
};

struct agg {
	struct agg_domain *d;
	size_t nd;
};

/* What a report says of itself (RFC 8460 4.4). */
struct agg_meta {
	const char *org;	/* organization-name */
	const char *contact;	/* contact-info */
	const char *id;		/* report-id */
	const char *day;	/* "YYYY-MM-DD": the date-range */
};

/* Count one result line in. 1, or 0 (ENOMEM). */
int agg_add(struct agg *, const struct tlsrpt_rec *);
void agg_free(struct agg *);
/* The JSON report of domain d into out (replaced). 1, or 0 (ENOMEM). */
int agg_json(const struct agg_domain *d, const struct agg_meta *,
    struct zs *out);

#endif
