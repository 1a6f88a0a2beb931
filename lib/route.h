/* SPDX-License-Identifier: MIT */
/*
 * route: where mail for a domain goes, from control/domainroutes and
 * control/smarthosts, and which host of a set to try first.
 *
 *   smarthosts:    host[:port] [key=value ...]
 *   domainroutes:  domain host[:port] [key=value ...]
 *   senderroutes:  sender host[:port] [key=value ...]
 *
 * Keys: priority=N, weight=N, and for the SMTP client tls=LEVEL (none,
 * may, encrypt, verify, fingerprint, smtps, dane), fingerprint=sha256:HEX
 * (with tls=fingerprint and only then), mx=NAME (the host is that MX
 * host's address: control/tlsmx applies, SNI and verify use the name,
 * DANE looks up its TLSA records and MTA-STS matches it to the policy's
 * patterns; zr-send writes it in a job's host lines, a file's line may
 * not carry it), auth=NAME (credentials in control/smarthost-secrets) and
 * authplain=yes (credentials may go out without TLS). A host is an IP
 * literal or a name; IPv6 is written in brackets ("[::1]:2525").
 * tls=smtps (implicit TLS) may be written with a second tls= that checks
 * the certificate, tls=verify or tls=fingerprint; any other two tls= that
 * differ conflict and the line is refused. Defaults: port 25 (465 with
 * tls=smtps), priority 10, weight 1, tls=may, no auth. A domain is
 * exact ("example.com") or, with a leading dot, its subdomains
 * (".example.com"); several lines for one domain make one host set.
 * Lookup order: exact domain, then the closest ".parent" line, then the
 * smart hosts; with none of them there is no route (MX routing is another
 * module's job). A sender is a full address ("app@example.com"), a domain
 * ("@example.com") or its subdomains ("@.example.com"); lines for one
 * sender make one set, and route_find_sender takes the first set, in the
 * file's order, that matches (callers decide what it overrides).
 *
 * Within a set the lowest priority number is tried first; hosts of equal
 * priority share messages by weight, with smooth weighted round robin so
 * that the shares are exact over any run, not only on average. A host
 * marked down (route_mark_down) goes to the end of the order until its
 * time is up, so other messages skip it but nothing is left without a
 * host to try.
 *
 * A table owns all its memory; route_free releases it. A parse error
 * leaves the caller's table untouched and says file and line in err.
 */
#ifndef ZR_ROUTE_H
#define ZR_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "tls.h"
#include "zs.h"

#define ROUTE_PORT_DEFAULT 25
#define ROUTE_PRIO_DEFAULT 10
#define ROUTE_WEIGHT_DEFAULT 1
#define ROUTE_WEIGHT_MAX 1000000
#define ROUTE_PRIO_MAX 65535
/* Host as written: a domain (RFC 5321 4.5.3.1.2) or an address literal. */
#define ROUTE_NAME_MAX 255
/* "[name]:port" */
#define ROUTE_KEY_MAX (ROUTE_NAME_MAX + 8)
/* RFC 8314 3.3: submission over implicit TLS; smtps hosts default to it. */
#define ROUTE_PORT_SMTPS 465
/* "sha256:" and 32 bytes in hex, optionally with a colon between bytes. */
#define ROUTE_FP_MAX (7 + 64 + 31)
/* A name in control/smarthost-secrets. */
#define ROUTE_AUTH_MAX 64

struct route_host {
	char name[ROUTE_NAME_MAX + 1];	/* without brackets */
	char key[ROUTE_KEY_MAX + 1];	/* "name:port" or "[v6]:port" */
	unsigned port;
	unsigned prio;
	unsigned weight;
	enum tls_level tls;		/* tls=; TLS_LEVEL_MAY by default;
					   with smtps: ENCRYPT, VERIFY or
					   FINGERPRINT, the check */
	bool tls_set;			/* whether tls= was written */
	bool smtps;			/* tls=smtps: TLS from byte one */
	bool authplain;			/* authplain=yes */
	bool mx;			/* from MX records: control/tlsmx */
	char mxname[ROUTE_NAME_MAX + 1];	/* mx=: the MX host's name */
	bool sts_enforce;		/* MTA-STS enforce, in zr-remote; no
					   key: verify if DANE falls back */
	char fingerprint[ROUTE_FP_MAX + 1];	/* with tls=fingerprint */
	char auth[ROUTE_AUTH_MAX + 1];	/* auth=NAME, or "" */
	long long cw;			/* round-robin state */
	long long down_until;		/* seconds since the epoch; 0: up */
};

struct route_set {
	char *domain;			/* NULL for the smart hosts; for a
					   sender route, the sender as
					   written, in lower case */
	struct route_host *host;
	size_t nhost;
};

struct route_table {
	struct route_set smart;		/* nhost 0 when there are none */
	struct route_set *dom;
	size_t ndom;
	struct route_set *snd;		/* control/senderroutes, in order */
	size_t nsnd;
};

/* What route_parse reads: which file's line format. */
enum route_file { ROUTE_SMARTHOSTS, ROUTE_DOMAINROUTES, ROUTE_SENDERROUTES };

void route_init(struct route_table *);
void route_free(struct route_table *);
/*
 * Parse the text of a file (n bytes) into t, which must be freshly
 * initialised, in the format of kind (an enum route_file: 0 smart hosts,
 * 1 domain routes, 2 sender routes).
 * 1, or 0 with errno (EINVAL: err says "file:line: what").
 */
int route_parse(struct route_table *t, const char *file, const char *p,
    size_t n, int kind, struct zs *err);
/*
 * Read control/smarthosts, control/domainroutes and control/senderroutes
 * into a new table and, only when all are sound, replace *t with it (down
 * marks carry over).
 */
int route_load(struct route_table *t, struct zs *err);
/* The host set for a domain (n bytes), or NULL when there is no route. */
struct route_set *route_find(struct route_table *, const char *domain,
    size_t n);
/*
 * The sender route for an envelope sender (n bytes, no brackets), or NULL:
 * the first set of control/senderroutes whose sender matches. The null
 * sender matches none.
 */
struct route_set *route_find_sender(struct route_table *, const char *sender,
    size_t n);
/*
 * The order to try the hosts of s in at time now: indices into s->host,
 * written to order (room for s->nhost). Advances the round robin.
 */
size_t route_order(struct route_set *s, long long now, size_t *order);
/* Mark the host with this key down until the time given, in every set. */
void route_mark_down(struct route_table *, const char *key, long long until);
/* Clear a down mark (the host answered). */
void route_mark_up(struct route_table *, const char *key);
/* Parse "host[:port]" or "[v6][:port]" (n bytes) into h's name/port/key. */
int route_host_parse(struct route_host *h, const char *p, size_t n);
/*
 * Parse "host[:port] [key=value ...]" (n bytes, no line end) into h, with
 * the keys of a smarthosts line and their defaults. 1, or 0 with what
 * saying why and w, wn the word at fault (wn 0 when there is none).
 */
int route_host_line(struct route_host *h, const char *p, size_t n,
    const char **what, const char **w, size_t *wn);
/*
 * Append h as a line route_host_line reads back: the key, then tls=
 * (twice for smtps with a check; for an MX host mx= instead) and, when
 * set, fingerprint=, auth= and authplain=yes (no priority, weight).
 */
int route_host_fmt(const struct route_host *h, struct zs *out);

#endif
