/* SPDX-License-Identifier: MIT */
/*
 * dns: MX routing through the system's libresolv, with a cache.
 *
 * Queries are built with res_nmkquery and answers parsed with ns_initparse
 * and ns_parserr; the module sends them itself (UDP, then TCP when the
 * answer is truncated) so that servers may be any IPv4 or IPv6 address
 * and port, as control/dnsservers allows ("IP", "IP:port", "[IPv6]:port").
 * Without that file the servers of /etc/resolv.conf are used.
 *
 * Answers are cached by their TTL (negative ones by the SOA minimum) in a
 * bounded table, so that many messages to one domain cost one lookup.
 * With negttl set, negative answers are kept at most that long, and
 * temporary failures of the servers (no answer, SERVFAIL, a malformed
 * answer) that long too, so that a domain whose DNS is down costs one
 * lookup per negttl, not one per message; without it temporary failures
 * are not cached.
 *
 * A caller that must never wait (zr-send's loop) sets the module
 * asynchronous (dns_async): then a lookup not in the cache sends its query
 * and returns DNS_PENDING at once; the caller polls dns_pollfds, calls
 * dns_step on readiness or after dns_wait_ms, and asks again. A query
 * answered stays readable as such until the next dns_step, so a caller
 * that asks again after each step sees every answer once, even one the
 * cache does not keep (a TTL of 0, a failure with negttl 0). dns_route
 * is then a state machine (struct dns_routeq): MX, then the addresses of
 * each host, one query at a time, every step resumed where it stopped.
 * Every answer is checked whole
 * before it is believed or cached (dns_answer_check): one that is
 * malformed, or answers another question, counts as a temporary failure,
 * never as "no such domain" or "no such record".
 */
#ifndef ZR_DNS_H
#define ZR_DNS_H

#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "status.h"
#include "zs.h"

#define DNS_NAME_MAX 255
#define DNS_MAX_SERVERS 8
#define DNS_CACHE_MAX 1024
/* Aliases followed in one answer (RFC 1034 3.6.2 chains are short). */
#define DNS_CHAIN_MAX 8
/* A negative answer without an SOA is remembered this long. */
#define DNS_NEGATIVE_TTL 60

/*
 * What the server said, not a verdict: NXDOMAIN and NODATA are answers that
 * the caller turns into a ZR_PERM or a fallback, so DNS_TEMP stays its own.
 */
enum dns_status {
	DNS_OK,		/* an answer with records */
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_NODATA,	/* the name exists, without records of that type */
	DNS_TEMP,	/* SERVFAIL, timeout, no server: try later */
	DNS_PENDING	/* asynchronous: asked; ask again after dns_step */
};

/* Queries in flight at once, when asynchronous. */
#define DNS_PENDING_MAX 64
struct dns_pending;		/* a query in flight (dns.c) */

struct dns_server {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct dns_cache_entry {
	char name[DNS_NAME_MAX + 1];	/* lower case */
	int type;
	enum dns_status status;
	time_t expires;
	unsigned char *answer;		/* the raw message, for DNS_OK */
	int len;
	const char *why;		/* for DNS_TEMP: why, as d->why */
};

struct dns {
	struct dns_server server[DNS_MAX_SERVERS];
	size_t nservers;
	unsigned timeout;		/* seconds per try */
	unsigned tries;			/* rounds over the servers */
	unsigned negttl;		/* seconds, see above; 0: none */
	/*
	 * For a caller that must stop at once (a signal): while *stop is
	 * set every lookup fails for now (DNS_TEMP, not cached), one in
	 * progress included. wakefd (-1: none) turns readable when *stop
	 * may have been set, as a self-pipe does; it is polled, never read.
	 */
	volatile sig_atomic_t *stop;
	int wakefd;
	int async;			/* see dns_async */
	struct dns_pending *pend;	/* DNS_PENDING_MAX slots, async only */
	int starved;			/* a query found no free slot */
	struct __res_state res;
	struct dns_cache_entry *cache;	/* DNS_CACHE_MAX slots */
	unsigned long long hits, misses;
	const char *why;		/* after DNS_TEMP: why, for the log */
};

struct dns_mx {
	char host[DNS_NAME_MAX + 1];
	unsigned pref;
	unsigned draw;			/* random: orders equal preferences */
};

struct dns_addr {
	struct sockaddr_storage sa;	/* port 0: the caller sets it */
	socklen_t len;
};

/* One address to try for a domain: which MX host, at what preference. */
struct dns_target {
	char host[DNS_NAME_MAX + 1];
	unsigned pref;
	struct dns_addr addr;
};

/* ROUTE_OK and ROUTE_TEMP are status.h's; the rest are kinds of ZR_PERM. */
enum dns_route {
	ROUTE_OK = ZR_OK,
	ROUTE_TEMP = ZR_TEMP,	/* defer */
	ROUTE_NXDOMAIN,		/* 5.1.2: no such domain */
	ROUTE_NULLMX,		/* 5.1.10: the domain accepts no mail (RFC 7505) */
	ROUTE_NOHOST,		/* 5.1.2: neither MX nor address */
	ROUTE_LOOP,		/* 5.4.6: the best MX is this host */
	ROUTE_PENDING		/* asynchronous: step it again later */
};

/* What counts as this host, for loop detection. */
struct dns_local {
	const char *me;			/* control/me, or NULL */
	const struct dns_addr *addr;	/* this host's addresses */
	size_t naddr;
};

/*
 * Set up from the text of control/dnsservers (lines as above; NULL or
 * empty: /etc/resolv.conf). On a malformed line returns 0 with errno EINVAL
 * and *badline set to its number (from 1).
 */
int dns_open(struct dns *, const char *servers, size_t *badline);
void dns_close(struct dns *);
/* Parse one server line into s (port 53 unless given). 1 or 0. */
int dns_server_parse(const char *line, struct dns_server *s);

/*
 * Look up MX records: the best max of the whole answer, sorted by
 * preference, equal preferences in random order (RFC 5321 5.1).
 */
enum dns_status dns_mx(struct dns *, const char *domain, struct dns_mx *out,
    size_t max, size_t *n);
/* A then AAAA records of host. */
enum dns_status dns_addrs(struct dns *, const char *host,
    struct dns_addr *out, size_t max, size_t *n);
/*
 * TXT records of name: each record's strings joined, each record followed
 * by a NUL, into out (replaced); *n their number. A record whose strings
 * run past its data makes the answer malformed (DNS_TEMP).
 */
enum dns_status dns_txt(struct dns *, const char *name, struct zs *out,
    size_t *n);
/*
 * The addresses to try for mail to domain, best first (RFC 5321 5.1):
 * MX hosts by preference and their addresses; without MX, the domain's
 * own addresses; a null MX, NXDOMAIN and loops are permanent answers.
 * At most max targets are returned.
 */
enum dns_route dns_route(struct dns *, const char *domain,
    const struct dns_local *, struct dns_target *out, size_t max, size_t *n);

/* The best mail hosts of a domain: this many MX records of the answer. */
#define DNS_ROUTE_MX 32
/* Addresses taken per host; targets a route keeps at most. */
#define DNS_ROUTE_ADDRS 16
#define DNS_ROUTE_TARGETS 16

/*
 * dns_route as a state machine, for an asynchronous struct dns: start it,
 * then step it until it is no longer ROUTE_PENDING; out[0..n) are then the
 * targets and, for ROUTE_TEMP, why says why. The caller owns the struct
 * and the dns_local, which must outlive it; the fields are dns.c's. With
 * a synchronous struct dns the first step gives the answer.
 */
struct dns_routeq {
	char domain[DNS_NAME_MAX + 1];
	const struct dns_local *local;
	int phase;
	struct dns_mx mx[DNS_ROUTE_MX];
	size_t nmx, i;
	struct dns_addr addr[DNS_ROUTE_ADDRS];
	size_t na;
	enum dns_status a;		/* host i's A answer */
	unsigned local_pref;
	int have_local, temp;
	struct dns_target out[DNS_ROUTE_TARGETS];
	size_t max, n;
	enum dns_route result;
	const char *why;
};
/* Begin routing domain, for at most max targets (DNS_ROUTE_TARGETS). */
void dns_route_start(struct dns_routeq *, const char *domain,
    const struct dns_local *, size_t max);
enum dns_route dns_route_step(struct dns *, struct dns_routeq *);
/*
 * Whether the route waits for a query still in flight: stepping it again
 * before that query ends would only ask the cache the same question.
 */
int dns_route_waits(const struct dns *, const struct dns_routeq *);

/*
 * Asynchronous lookups (see the top). dns_async: 1, or 0 (ENOMEM).
 * dns_pollfds: the descriptors of the queries in flight, at most max
 * (DNS_PENDING_MAX is enough); their number. dns_wait_ms: how long the
 * caller may wait before the next dns_step, -1 for as long as it likes.
 * dns_step: reads what has come, gives up on a server whose time is up
 * (the next server or try, as the synchronous lookups do), and forgets
 * the answers of the previous step; the number of queries that ended, or
 * that may now start: when not 0, the caller asks again.
 */
int dns_async(struct dns *);
size_t dns_pollfds(const struct dns *, struct pollfd *, size_t max);
long long dns_wait_ms(const struct dns *);
size_t dns_step(struct dns *);
/*
 * The parsing of answers, on its own (for the fuzz harness and the tests).
 *
 * dns_answer_check: whether msg answers the query for name and type
 * (RFC 1035 4.1): a response to a standard query with that one question;
 * every record whole, every name within the message, without loops and
 * at most 255 octets; the records of that type (and the CNAME records on
 * the way) of class IN, owned by the name or an alias of it, with data of
 * the right shape. DNS_OK, DNS_NODATA or DNS_NXDOMAIN as the server said;
 * DNS_TEMP for a server failure or a malformed answer, *why saying which.
 *
 * dns_answer_mx: the best max MX records of an answer, as dns_mx keeps
 * them (1, or 0 when a record cannot be read); dns_answer_addrs: its
 * address records of a type; dns_answer_ttl: its caching time.
 */
enum dns_status dns_answer_check(const unsigned char *msg, int len,
    const char *name, int type, const char **why);
int dns_answer_mx(const unsigned char *msg, int len, struct dns_mx *out,
    size_t max, size_t *n);
int dns_answer_addrs(const unsigned char *msg, int len, int type,
    struct dns_addr *out, size_t max, size_t *n);
unsigned dns_answer_ttl(const unsigned char *msg, int len, int negative);
/* The TXT records of an answer, as dns_txt gives them; 0 if malformed. */
int dns_answer_txt(const unsigned char *msg, int len, struct zs *out,
    size_t *n);

/*
 * DNSSEC as a non-validating stub resolver sees it (RFC 4035 3.2, RFC
 * 6840 5.7): queries with EDNS0 and the DO bit, never cached, and the AD
 * bit of the answer, which means something only when the server
 * validates and the path to it is trusted; the caller decides whether
 * to believe it (control/dnssec).
 *
 * dns_query_ad: the status of name/type as dns_answer_check sees it, and
 * in *ad the AD bit; *msg, when not NULL, gets the answer (free it).
 */
enum dns_status dns_query_ad(struct dns *, const char *name, int type,
    unsigned char **msg, int *len, int *ad);

/* TLSA records (RFC 6698 2.1); longer data than this is left out. */
#define DNS_TLSA_MAX 8
#define DNS_TLSA_DATA_MAX 1024
struct dns_tlsa {
	unsigned char usage, selector, mtype;
	size_t len;
	unsigned char data[DNS_TLSA_DATA_MAX];
};
/*
 * The TLSA records of name ("_25._tcp.mx.example"), with the AD bit in
 * *ad. *n counts the records kept (at most max).
 */
enum dns_status dns_tlsa(struct dns *, const char *name,
    struct dns_tlsa *out, size_t max, size_t *n, int *ad);
/* The TLSA records of a checked answer; 1, or 0 on a record cut short. */
int dns_answer_tlsa(const unsigned char *msg, int len, struct dns_tlsa *out,
    size_t max, size_t *n);

/* This machine's interface addresses, into out; the count or -1. */
int dns_local_addrs(struct dns_addr *out, size_t max);
const char *dns_route_name(enum dns_route);

#endif
