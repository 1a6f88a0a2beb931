/* SPDX-License-Identifier: MIT */
/*
 * sts: MTA-STS (RFC 8461) without the network: the _mta-sts TXT record,
 * the policy file, MX patterns, and the cache record zr-sts writes in
 * queue/sts/DOMAIN and zr-remote reads (its format is in zr-queue(5)).
 *
 * Everything here parses bytes handed in (from DNS, from an HTTPS peer,
 * from the queue) and owns no memory: structs are filled in place, and
 * text out goes into a caller's zs. Functions return 1 or 0 unless said
 * otherwise; a 0 from a parser leaves *why saying what was wrong.
 */
#ifndef ZR_STS_H
#define ZR_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "zs.h"

/* RFC 8461 3.1: id is 1*32 letters and digits. */
#define STS_ID_MAX 32
/* RFC 8461 3.2: max_age is at most 31557600 seconds (about a year). */
#define STS_MAX_AGE_MAX 31557600ULL
/* RFC 8461 3.3: a policy body "SHOULD" stay under 64 KB; we take no more. */
#define STS_POLICY_MAX 65536
/* mx lines kept from one policy; more than this and the policy is refused. */
#define STS_MX_MAX 32
/* A pattern is a host name, perhaps with "*." in front (RFC 8461 4.1). */
#define STS_NAME_MAX 255
/*
 * How long a cache record stands before zr-remote has zr-sts look at the
 * TXT record again (RFC 8461 5.1: a new id means a new policy). A domain
 * without a policy is looked at again after this too.
 */
#define STS_RECHECK 600
#define STS_CACHE_VERSION "zr-sts 1"

enum sts_mode { STS_NONE, STS_TESTING, STS_ENFORCE };

struct sts_policy {
	enum sts_mode mode;
	unsigned long long max_age;
	char mx[STS_MX_MAX][STS_NAME_MAX + 1];	/* lower case */
	size_t nmx;
};

/* A cache record: a policy, or the fact that the domain has none. */
struct sts_cache {
	bool have;			/* a policy (else: none known) */
	char id[STS_ID_MAX + 1];	/* its TXT id, "" without a policy */
	long long fetched;		/* when the policy was fetched */
	long long checked;		/* when the TXT record was last read */
	struct sts_policy policy;
};

/* "none", "testing", "enforce" */
const char *sts_mode_name(enum sts_mode);
/*
 * One TXT record (its strings joined, n bytes): whether it is an STSv1
 * record (RFC 8461 3.1: "v=STSv1" first, then fields "k=v" split by ";",
 * one of them id), with the id into id. 0 with *why for any other.
 */
int sts_txt_parse(const char *p, size_t n, char id[STS_ID_MAX + 1],
    const char **why);
/*
 * A policy body (n bytes; lines end in LF or CRLF, "key: value", unknown
 * keys ignored, RFC 8461 3.2): version STSv1, mode, max_age, and mx
 * unless mode is none. Every key known here appears once.
 */
int sts_policy_parse(const char *p, size_t n, struct sts_policy *,
    const char **why);
/* Whether host (an MX name, any case, final dot or not) matches a pattern. */
int sts_mx_match(const struct sts_policy *, const char *host);
/* Whether the cached policy is still in force at now (its max_age). */
int sts_cache_valid(const struct sts_cache *, long long now);
/* Append the record's text to out (zr-queue(5)). 1, or 0 (ENOMEM). */
int sts_cache_fmt(const struct sts_cache *, struct zs *out);
/* Parse a record's text (n bytes). 0 for a damaged or foreign record. */
int sts_cache_parse(const char *p, size_t n, struct sts_cache *);

#endif
