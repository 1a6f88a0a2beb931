/* SPDX-License-Identifier: MIT */
/*
 * dane: what the TLSA records of an MX host ask of a connection to it
 * (RFC 7672 2.2, RFC 6698), looked up through lib/dns with the DO bit.
 *
 * The AD bit is believed only when control/dnssec says "trust" of the
 * servers in control/dnsservers; without it every verdict is DANE_MAY.
 * A trusted server that gives no AD bit for the root zone, which is
 * signed, does not validate: that is logged once and every verdict is
 * DANE_MAY from then on, rather than deferring all signed domains.
 *
 * Verdicts: DANE_TLSA (usable records: TLS required, checked against
 * them), DANE_ENCRYPT (records, none usable: TLS required, unchecked,
 * RFC 7672 2.2), DANE_MAY (no secure records: opportunistic TLS) and
 * DANE_DEFER (the lookup failed where the zone is signed, or the DNS
 * servers did not answer at all: try later).
 * note is one word for the log: tlsa, unusable, no-tlsa, insecure,
 * untrusted, not-validating, no-name, lookup-failed.
 */
#ifndef ZR_REMOTE_DANE_H
#define ZR_REMOTE_DANE_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "tls.h"

enum dane_verdict { DANE_TLSA, DANE_ENCRYPT, DANE_MAY, DANE_DEFER };

struct dane {
	bool trust;			/* control/dnssec: trust */
	bool opened;			/* dns set up */
	bool checked;			/* the root asked once */
	bool validating;		/* and it came back with AD */
	struct dns dns;
};

struct dane_result {
	enum dane_verdict verdict;
	const char *note;
	char why[160];			/* at DANE_DEFER */
	struct dns_tlsa rec[DNS_TLSA_MAX];
	struct tls_tlsa usable[DNS_TLSA_MAX];	/* pointing into rec */
	size_t nusable;
};

/*
 * Read control/dnssec; the DNS servers (control/dnsservers) are set up at
 * the first lookup. 1, or 0 with errno (EINVAL: a value other than trust
 * or no).
 */
int dane_conf(struct dane *);
/* The verdict for host (an MX host name) at port, also in r. */
enum dane_verdict dane_lookup(struct dane *, const char *host, unsigned port,
    struct dane_result *);
void dane_close(struct dane *);
/* Whether a TLSA record is one zr uses (RFC 7672 3.1: usages 2 and 3). */
bool dane_usable(const struct dns_tlsa *);

#endif
