/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns.h"
#include "scan.h"
#include "timeoutio.h"

/*
 * RFC 1035 4.2.1: UDP messages are 512 octets; a larger answer comes
 * truncated (TC) and then whole over TCP, up to this size.
 */
#define TCP_MAX 65535

static void pend_free(struct dns *);

static const char *const route_names[] = {
	[ROUTE_OK] = "ok", [ROUTE_TEMP] = "temporary DNS failure",
	[ROUTE_NXDOMAIN] = "no such domain", [ROUTE_NULLMX] = "null MX",
	[ROUTE_NOHOST] = "no mail host", [ROUTE_LOOP] = "mail loop",
	[ROUTE_PENDING] = "lookup under way",
};

const char *
dns_route_name(enum dns_route r)
{
	return route_names[r];
}

int
dns_server_parse(const char *line, struct dns_server *s)
{
	char host[64];
	const char *portp = NULL, *colon = strchr(line, ':');
	unsigned long long port = 53;
	size_t n;

	memset(s, 0, sizeof *s);
	if (line[0] == '[') {
		const char *end = strchr(line, ']');

		if (end == NULL || (size_t)(end - line - 1) >= sizeof host)
			return 0;
		n = (size_t)(end - line - 1);
		memcpy(host, line + 1, n);
		host[n] = '\0';
		if (end[1] == ':')
			portp = end + 2;
		else if (end[1] != '\0')
			return 0;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - line);
		if (n >= sizeof host)
			return 0;
		memcpy(host, line, n);
		host[n] = '\0';
		portp = colon + 1;
	} else {
		if (strlen(line) >= sizeof host)
			return 0;
		memcpy(host, line, strlen(line) + 1);
	}
	if (portp != NULL && (!scan_ulong_all(portp, &port) || port == 0 ||
	    port > 65535))
		return 0;
	{
		struct sockaddr_in *v4 = (struct sockaddr_in *)&s->sa;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->sa;

		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons((unsigned short)port);
			s->len = sizeof *v4;
			return 1;
		}
		if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((unsigned short)port);
			s->len = sizeof *v6;
			return 1;
		}
	}
	return 0;
}

int
dns_open(struct dns *d, const char *servers, size_t *badline)
{
	memset(d, 0, sizeof *d);
	d->wakefd = -1;
	d->timeout = 5;
	d->tries = 2;
	*badline = 0;
	if (res_ninit(&d->res) == -1) {
		errno = EIO;
		return 0;
	}
	if (servers != NULL && *servers != '\0') {
		const char *p = servers;
		size_t line = 0;

		while (*p != '\0') {
			const char *nl = strchr(p, '\n');
			size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
			char tmp[128];

			line++;
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
			    p[n - 1] == '\r'))
				n--;
			while (n > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			if (n > 0 && *p != '#') {
				if (n >= sizeof tmp || d->nservers == DNS_MAX_SERVERS)
					goto bad;
				memcpy(tmp, p, n);
				tmp[n] = '\0';
				if (!dns_server_parse(tmp, &d->server[d->nservers]))
					goto bad;
				d->nservers++;
			}
			p = nl != NULL ? nl + 1 : p + strlen(p);
			continue;
bad:
			*badline = line;
			res_nclose(&d->res);
			errno = EINVAL;
			return 0;
		}
	} else {
		int i;

		/* resolv.conf's servers, as res_ninit read them. */
		for (i = 0; i < d->res.nscount && i < DNS_MAX_SERVERS; i++) {
			memcpy(&d->server[d->nservers].sa, &d->res.nsaddr_list[i],
			    sizeof d->res.nsaddr_list[i]);
			d->server[d->nservers].len = sizeof d->res.nsaddr_list[i];
			d->nservers++;
		}
	}
	d->cache = calloc(DNS_CACHE_MAX, sizeof *d->cache);
	if (d->cache == NULL) {
		res_nclose(&d->res);
		return 0;
	}
	return 1;
}

void
dns_close(struct dns *d)
{
	size_t i;

	if (d->cache != NULL)
		for (i = 0; i < DNS_CACHE_MAX; i++)
			free(d->cache[i].answer);
	free(d->cache);
	d->cache = NULL;
	pend_free(d);
	res_nclose(&d->res);
}

/* Whether the caller asked for lookups to stop (see dns.h). */
static int
stopped(const struct dns *d)
{
	return d->stop != NULL && *d->stop;
}

/*
 * timeoutio_wait that also ends, with ECANCELED, once d->stop is set:
 * d->wakefd turns readable when that may have happened, so a signal that
 * comes before the poll is not missed. A wake for another reason drops
 * wakefd from this wait, which the caller's loop drains.
 */
static int
dns_wait(struct dns *d, int fd, short events, unsigned seconds)
{
	long long deadline = timeoutio_deadline(seconds);
	struct pollfd p[2] = { { .fd = fd, .events = events },
	    { .fd = d->wakefd, .events = POLLIN } };

	for (;;) {
		long long left = deadline - timeoutio_deadline(0);
		int r;

		if (stopped(d)) {
			errno = ECANCELED;
			return 0;
		}
		if (left <= 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		r = poll(p, 2, left > 1000000000 ? 1000000000 : (int)left);
		if (r == -1 && errno != EINTR)
			return 0;
		if (r > 0 && p[0].revents)
			return 1;	/* ready, or an error the call will report */
		if (r > 0 && p[1].revents)
			p[1].fd = -1;
	}
}

/* Send q to one server and wait for its answer; the answer's length or -1. */
static int
ask_udp(struct dns *d, const struct dns_server *s, const unsigned char *q,
    int qlen, unsigned char *ans, int max)
{
	int fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), n = -1;

	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&s->sa, s->len) == -1 ||
	    send(fd, q, (size_t)qlen, 0) != qlen)
		goto out;
	for (;;) {
		ssize_t r;

		if (!dns_wait(d, fd, POLLIN, d->timeout))
			goto out;
		r = recv(fd, ans, (size_t)max, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r < HFIXEDSZ)
			goto out;
		/* A stray datagram with another id is not our answer. */
		if (memcmp(ans, q, 2) != 0)
			continue;
		n = (int)r;
		break;
	}
out:
	close(fd);
	return n;
}

static int
readall(struct dns *d, int fd, unsigned char *p, size_t n, unsigned timeout)
{
	while (n > 0) {
		ssize_t r;

		if (!dns_wait(d, fd, POLLIN, timeout))
			return 0;
		r = read(fd, p, n);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/*
 * RFC 1035 4.2.2: the query with its length in front, the answer the same
 * way. Every step has the deadline: connect too, since zr-send asks while
 * it schedules and a server that drops SYNs must not hold it for minutes.
 */
static int
ask_tcp(struct dns *d, const struct dns_server *s, const unsigned char *q,
    int qlen, unsigned char *ans, int max)
{
	int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0), n = -1, err = 0;
	unsigned char w[2 + NS_PACKETSZ], len[2];
	socklen_t elen = sizeof err;
	size_t off = 0, wlen = 2 + (size_t)qlen;

	if (fd == -1)
		return -1;
	if (qlen < 0 || (size_t)qlen > NS_PACKETSZ)
		goto out;
	w[0] = (unsigned char)(qlen >> 8);
	w[1] = (unsigned char)qlen;
	memcpy(w + 2, q, (size_t)qlen);
	if (connect(fd, (const struct sockaddr *)&s->sa, s->len) == -1) {
		if (errno != EINPROGRESS ||
		    !dns_wait(d, fd, POLLOUT, d->timeout) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
		    err != 0)
			goto out;
	}
	while (off < wlen) {
		ssize_t r;

		if (!dns_wait(d, fd, POLLOUT, d->timeout))
			goto out;
		r = write(fd, w + off, wlen - off);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			goto out;
		off += (size_t)r;
	}
	if (!readall(d, fd, len, 2, d->timeout))
		goto out;
	n = len[0] << 8 | len[1];
	if (n < HFIXEDSZ || n > max || !readall(d, fd, ans, (size_t)n, d->timeout) ||
	    memcmp(ans, q, 2) != 0)
		n = -1;
out:
	close(fd);
	return n;
}

/* The smallest TTL of the answers, or for a negative answer the SOA's. */
static unsigned
answer_ttl(ns_msg *m, int negative)
{
	unsigned ttl = DNS_NEGATIVE_TTL;
	int i, first = 1;
	ns_rr rr;

	if (!negative) {
		for (i = 0; i < ns_msg_count(*m, ns_s_an); i++)
			if (ns_parserr(m, ns_s_an, i, &rr) == 0 &&
			    (first || ns_rr_ttl(rr) < ttl)) {
				ttl = ns_rr_ttl(rr);
				first = 0;
			}
		return ttl;
	}
	for (i = 0; i < ns_msg_count(*m, ns_s_ns); i++) {
		if (ns_parserr(m, ns_s_ns, i, &rr) != 0 ||
		    ns_rr_type(rr) != ns_t_soa)
			continue;
		{
			const unsigned char *p = ns_rr_rdata(rr), *end =
			    p + ns_rr_rdlen(rr);
			char name[NS_MAXDNAME];
			int k, len;

			/* Skip MNAME and RNAME; MINIMUM is the last of 5 numbers. */
			for (k = 0; k < 2; k++) {
				len = dn_expand(ns_msg_base(*m), ns_msg_end(*m), p,
				    name, sizeof name);
				if (len < 0)
					return ttl;
				p += len;
			}
			if (end - p < 20)
				return ttl;
			ttl = ns_rr_ttl(rr);
			if (ns_get32(p + 16) < ttl)
				ttl = ns_get32(p + 16);
		}
	}
	return ttl;
}

unsigned
dns_answer_ttl(const unsigned char *p, int len, int negative)
{
	ns_msg msg;

	if (ns_initparse(p, len, &msg) != 0)
		return 0;
	return answer_ttl(&msg, negative);
}

static struct dns_cache_entry *
cache_find(struct dns *d, const char *name, int type, time_t now)
{
	size_t i;

	for (i = 0; i < DNS_CACHE_MAX; i++) {
		struct dns_cache_entry *c = &d->cache[i];

		if (c->type == type && c->expires > now &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* A slot to fill: a free or expired one, else the one expiring first. */
static struct dns_cache_entry *
cache_slot(struct dns *d, time_t now)
{
	struct dns_cache_entry *best = &d->cache[0];
	size_t i;

	for (i = 0; i < DNS_CACHE_MAX; i++) {
		struct dns_cache_entry *c = &d->cache[i];

		if (c->type == 0 || c->expires <= now)
			return c;
		if (c->expires < best->expires)
			best = c;
	}
	return best;
}

/*
 * Remember that the servers failed for name and type, for d->negttl: the
 * next messages to the domain defer at once instead of waiting for the
 * same timeouts again.
 */
static void
cache_temp(struct dns *d, const char *lname, int type, time_t now,
    const char *why)
{
	struct dns_cache_entry *c = cache_slot(d, now);

	free(c->answer);
	memset(c, 0, sizeof *c);
	memcpy(c->name, lname, strlen(lname) + 1);
	c->type = type;
	c->status = DNS_TEMP;
	c->why = why;
	/* From the end of the lookup: its timeouts may have taken longer. */
	c->expires = time(NULL) + (time_t)d->negttl;
}

/*
 * Cache a checked answer (st not DNS_TEMP) by its TTL, negative ones at most
 * negttl; for DNS_OK the entry keeps a copy of the answer. The entry, or
 * NULL when that copy could not be made (nothing is cached then).
 */
static struct dns_cache_entry *
cache_put(struct dns *d, const char *lname, int type, enum dns_status st,
    const unsigned char *ans, int len, time_t now)
{
	struct dns_cache_entry *c;
	unsigned char *keep = NULL;
	unsigned ttl;
	ns_msg msg;

	if (ns_initparse(ans, len, &msg) != 0)
		return NULL;	/* checked before: cannot happen */
	if (st == DNS_OK) {
		keep = malloc((size_t)len);
		if (keep == NULL)
			return NULL;
		memcpy(keep, ans, (size_t)len);
	}
	c = cache_slot(d, now);
	free(c->answer);
	memset(c, 0, sizeof *c);
	memcpy(c->name, lname, strlen(lname) + 1);
	c->type = type;
	c->status = st;
	ttl = answer_ttl(&msg, st != DNS_OK);
	if (st != DNS_OK && d->negttl > 0 && ttl > d->negttl)
		ttl = d->negttl;
	c->expires = now + (time_t)ttl;
	c->answer = keep;
	c->len = keep != NULL ? len : 0;
	return c;
}

/*
 * Asks the servers in turn, d->tries rounds, until one gives an answer
 * that dns_answer_check takes; ans (TCP_MAX bytes) holds it, *len its
 * length. A lookup stopped by the caller ends at once, temporary.
 */
static enum dns_status
ask_servers(struct dns *d, const unsigned char *q, int qlen,
    unsigned char *ans, const char *name, int type, int *len)
{
	enum dns_status st = DNS_TEMP;
	unsigned tries;
	size_t i;

	d->why = "no server answered";
	for (tries = 0; tries < d->tries && st == DNS_TEMP && !stopped(d);
	    tries++) {
		for (i = 0; i < d->nservers && !stopped(d); i++) {
			const char *why;

			/*
			 * Any datagram size is taken; a server that had to cut
			 * its answer says so (TC) and gives it whole over TCP.
			 */
			*len = ask_udp(d, &d->server[i], q, qlen, ans, TCP_MAX);
			if (*len > 0 && (ans[2] & 0x02))	/* TC */
				*len = ask_tcp(d, &d->server[i], q, qlen, ans,
				    TCP_MAX);
			if (*len < 0)
				continue;
			/*
			 * A malformed answer, or a failure (SERVFAIL,
			 * REFUSED), is the next server's turn and in the end
			 * temporary: never "no such domain" on its say-so.
			 */
			st = dns_answer_check(ans, *len, name, type, &why);
			if (st == DNS_TEMP) {
				d->why = why;
				continue;
			}
			break;
		}
	}
	return st;
}

static enum dns_status query_async(struct dns *, const char *lname, int type,
    ns_msg *msg);

/*
 * Answer a query from the cache or the servers. For DNS_OK, *msg is set to
 * a parsed answer whose memory the cache owns.
 */
static enum dns_status
query(struct dns *d, const char *name, int type, ns_msg *msg)
{
	unsigned char q[NS_PACKETSZ], *ans = NULL;
	char lname[DNS_NAME_MAX + 1];
	struct dns_cache_entry *c;
	time_t now = time(NULL);
	size_t i, n = strlen(name);
	int qlen, len = -1;
	enum dns_status st;

	if (n == 0 || n > DNS_NAME_MAX)
		return DNS_NXDOMAIN;
	for (i = 0; i <= n; i++)
		lname[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + 32 : name[i]);
	c = cache_find(d, lname, type, now);
	if (c != NULL) {
		d->hits++;
		if (c->status == DNS_TEMP)
			d->why = c->why;
		if (c->status == DNS_OK &&
		    ns_initparse(c->answer, c->len, msg) != 0)
			return DNS_TEMP;
		return c->status;
	}
	if (stopped(d)) {
		d->why = "lookup stopped";
		return DNS_TEMP;
	}
	if (d->async)
		return query_async(d, lname, type, msg);
	d->misses++;
	qlen = res_nmkquery(&d->res, ns_o_query, lname, ns_c_in, type, NULL, 0,
	    NULL, q, sizeof q);
	if (qlen < 0)
		return DNS_TEMP;
	ans = malloc(TCP_MAX);
	if (ans == NULL)
		return DNS_TEMP;
	st = ask_servers(d, q, qlen, ans, lname, type, &len);
	if (st == DNS_TEMP) {
		free(ans);
		/* A lookup cut short says nothing about the servers. */
		if (stopped(d))
			d->why = "lookup stopped";
		else if (d->negttl > 0)
			cache_temp(d, lname, type, now, d->why);
		return st;
	}
	c = cache_put(d, lname, type, st, ans, len, now);
	free(ans);
	if (st != DNS_OK)
		return st;
	if (c == NULL || ns_initparse(c->answer, c->len, msg) != 0)
		return DNS_TEMP;	/* out of memory */
	return st;
}

/*
 * Asynchronous queries. Each slot is one question in flight, asked of the
 * servers in the order and with the tries and timeouts of query(): over
 * UDP, then over TCP when the answer says it was cut (TC). A slot that
 * ended stays PQ_DONE, its answer readable, until the next dns_step.
 */
enum pend_state { PQ_FREE, PQ_UDP, PQ_CONNECT, PQ_WRITE, PQ_READ, PQ_DONE };

struct dns_pending {
	enum pend_state state;
	char name[DNS_NAME_MAX + 1];	/* lower case */
	int type;
	int fd;				/* -1: none (its send failed) */
	unsigned tries;
	size_t server;
	long long deadline;		/* timeoutio_deadline's clock, ms */
	unsigned char q[2 + NS_PACKETSZ];	/* TCP length, then query */
	int qlen;
	size_t off;			/* TCP: bytes written, or read */
	unsigned char *ans;		/* TCP_MAX + 2: TCP's length too */
	int len;
	enum dns_status status;		/* PQ_DONE: the outcome */
	const char *why;
};

static void
pend_close(struct dns_pending *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

static void
pend_free(struct dns *d)
{
	size_t i;

	if (d->pend == NULL)
		return;
	for (i = 0; i < DNS_PENDING_MAX; i++) {
		pend_close(&d->pend[i]);
		free(d->pend[i].ans);
	}
	free(d->pend);
	d->pend = NULL;
}

int
dns_async(struct dns *d)
{
	size_t i;

	if (d->pend == NULL) {
		d->pend = calloc(DNS_PENDING_MAX, sizeof *d->pend);
		if (d->pend == NULL)
			return 0;
		for (i = 0; i < DNS_PENDING_MAX; i++)
			d->pend[i].fd = -1;
	}
	d->async = 1;
	return 1;
}

/* The end of a query: cached as query() caches, readable until next step. */
static void
pend_done(struct dns *d, struct dns_pending *p, enum dns_status st, int len)
{
	time_t now = time(NULL);

	pend_close(p);
	p->state = PQ_DONE;
	p->status = st;
	p->len = len;
	if (st == DNS_TEMP) {
		if (d->negttl > 0)
			cache_temp(d, p->name, p->type, now, p->why);
	} else {
		(void)cache_put(d, p->name, p->type, st, p->ans, len, now);
	}
}

/* Ask the current server over UDP; a failure to send waits for nothing. */
static void
pend_send(struct dns *d, struct dns_pending *p)
{
	const struct dns_server *s = &d->server[p->server];

	pend_close(p);
	p->state = PQ_UDP;
	p->deadline = timeoutio_deadline(d->timeout);
	p->fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (p->fd == -1 ||
	    connect(p->fd, (const struct sockaddr *)&s->sa, s->len) == -1 ||
	    send(p->fd, p->q + 2, (size_t)p->qlen, 0) != p->qlen) {
		pend_close(p);
		p->deadline = 0;	/* the next server, at the next step */
	}
}

/* This server failed or was silent: the next one, the next try, or the end. */
static void
pend_next(struct dns *d, struct dns_pending *p)
{
	if (++p->server == d->nservers) {
		p->server = 0;
		p->tries++;
	}
	if (p->tries >= d->tries || d->nservers == 0)
		pend_done(d, p, DNS_TEMP, 0);
	else
		pend_send(d, p);
}

/* An answer of len bytes in p->ans: believed, or the next server's turn. */
static void
pend_answer(struct dns *d, struct dns_pending *p, int len)
{
	const char *why;
	enum dns_status st = dns_answer_check(p->ans, len, p->name, p->type,
	    &why);

	if (st == DNS_TEMP) {
		p->why = why;
		pend_next(d, p);
		return;
	}
	pend_done(d, p, st, len);
}

/* RFC 1035 4.2.2: the same question over TCP, with its length in front. */
static void
pend_tcp(struct dns *d, struct dns_pending *p)
{
	const struct dns_server *s = &d->server[p->server];

	pend_close(p);
	p->off = 0;
	p->deadline = timeoutio_deadline(d->timeout);
	p->fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (p->fd == -1) {
		pend_next(d, p);
		return;
	}
	if (connect(p->fd, (const struct sockaddr *)&s->sa, s->len) == 0)
		p->state = PQ_WRITE;
	else if (errno == EINPROGRESS)
		p->state = PQ_CONNECT;
	else
		pend_next(d, p);
}

/* Whether fd is ready for events now. */
static int
ready(int fd, short events)
{
	struct pollfd pf = { .fd = fd, .events = events };

	return poll(&pf, 1, 0) == 1;
}

/* Move one query on as far as it goes without waiting. */
static void
pend_advance(struct dns *d, struct dns_pending *p)
{
	ssize_t r;
	int err = 0;
	socklen_t elen = sizeof err;

	switch (p->state) {
	case PQ_UDP:
		if (p->fd == -1)
			break;
		for (;;) {
			r = recv(p->fd, p->ans, TCP_MAX, MSG_DONTWAIT);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK))
				break;
			if (r < HFIXEDSZ) {
				pend_next(d, p); /* refused, or no answer */
				return;
			}
			/* A stray datagram with another id is not ours. */
			if (memcmp(p->ans, p->q + 2, 2) != 0)
				continue;
			if (p->ans[2] & 0x02)	/* TC: ask over TCP */
				pend_tcp(d, p);
			else
				pend_answer(d, p, (int)r);
			return;
		}
		break;
	case PQ_CONNECT:
		if (!ready(p->fd, POLLOUT))
			break;
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err,
		    &elen) == -1 || err != 0) {
			pend_next(d, p);
			return;
		}
		p->state = PQ_WRITE;
		p->deadline = timeoutio_deadline(d->timeout);
		/* FALLTHROUGH */
	case PQ_WRITE:
		while (p->off < 2 + (size_t)p->qlen) {
			r = write(p->fd, p->q + p->off,
			    2 + (size_t)p->qlen - p->off);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1 && errno == EAGAIN)
				break;
			if (r <= 0) {
				pend_next(d, p);
				return;
			}
			p->off += (size_t)r;
		}
		if (p->off < 2 + (size_t)p->qlen)
			break;
		p->state = PQ_READ;
		p->off = 0;
		p->deadline = timeoutio_deadline(d->timeout);
		/* FALLTHROUGH */
	case PQ_READ:
		for (;;) {
			/* Two bytes of length, then that many of answer. */
			size_t want = p->off < 2 ? 2 :
			    2 + (size_t)(p->ans[0] << 8 | p->ans[1]);

			if (p->off >= 2 && (want - 2 < HFIXEDSZ)) {
				pend_next(d, p);
				return;
			}
			if (p->off == want) {
				memmove(p->ans, p->ans + 2, want - 2);
				if (memcmp(p->ans, p->q + 2, 2) != 0)
					pend_next(d, p);
				else
					pend_answer(d, p, (int)(want - 2));
				return;
			}
			r = read(p->fd, p->ans + p->off, want - p->off);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1 && errno == EAGAIN)
				break;
			if (r <= 0) {
				pend_next(d, p);
				return;
			}
			p->off += (size_t)r;
			p->deadline = timeoutio_deadline(d->timeout);
		}
		break;
	case PQ_FREE:
	case PQ_DONE:
		return;
	}
	if (p->state != PQ_DONE && timeoutio_deadline(0) >= p->deadline)
		pend_next(d, p);
}

static struct dns_pending *
pend_find(struct dns *d, const char *lname, int type)
{
	size_t i;

	for (i = 0; i < DNS_PENDING_MAX; i++)
		if (d->pend[i].state != PQ_FREE && d->pend[i].type == type &&
		    strcmp(d->pend[i].name, lname) == 0)
			return &d->pend[i];
	return NULL;
}

/* query() without waiting: the answer of a slot that ended, or a new slot. */
static enum dns_status
query_async(struct dns *d, const char *lname, int type, ns_msg *msg)
{
	struct dns_pending *p = pend_find(d, lname, type);
	size_t i;

	if (p != NULL) {
		if (p->state != PQ_DONE)
			return DNS_PENDING;
		if (p->status == DNS_TEMP)
			d->why = p->why;
		if (p->status == DNS_OK &&
		    ns_initparse(p->ans, p->len, msg) != 0)
			return DNS_TEMP;
		return p->status;
	}
	for (i = 0; i < DNS_PENDING_MAX && d->pend[i].state != PQ_FREE; i++)
		;
	if (i == DNS_PENDING_MAX) {
		d->starved = 1;	/* asked again once a slot frees */
		return DNS_PENDING;
	}
	p = &d->pend[i];
	if (p->ans == NULL && (p->ans = malloc(TCP_MAX + 2)) == NULL)
		return DNS_TEMP;
	p->qlen = res_nmkquery(&d->res, ns_o_query, lname, ns_c_in, type, NULL,
	    0, NULL, p->q + 2, sizeof p->q - 2);
	if (p->qlen < 0)
		return DNS_TEMP;
	d->misses++;
	p->q[0] = (unsigned char)(p->qlen >> 8);
	p->q[1] = (unsigned char)p->qlen;
	memcpy(p->name, lname, strlen(lname) + 1);
	p->type = type;
	p->tries = 0;
	p->server = 0;
	p->why = "no server answered";
	if (d->nservers == 0)
		pend_done(d, p, DNS_TEMP, 0);
	else
		pend_send(d, p);
	return DNS_PENDING;
}

size_t
dns_pollfds(const struct dns *d, struct pollfd *pf, size_t max)
{
	size_t i, n = 0;

	for (i = 0; d->pend != NULL && i < DNS_PENDING_MAX && n < max; i++) {
		const struct dns_pending *p = &d->pend[i];

		if (p->state == PQ_FREE || p->state == PQ_DONE || p->fd == -1)
			continue;
		pf[n].fd = p->fd;
		pf[n].events = p->state == PQ_UDP || p->state == PQ_READ ?
		    POLLIN : POLLOUT;
		pf[n++].revents = 0;
	}
	return n;
}

long long
dns_wait_ms(const struct dns *d)
{
	long long now = timeoutio_deadline(0), w = -1;
	size_t i;

	for (i = 0; d->pend != NULL && i < DNS_PENDING_MAX; i++) {
		const struct dns_pending *p = &d->pend[i];
		long long left = p->deadline - now;

		if (p->state == PQ_DONE && d->starved)
			return 0;	/* its slot frees at the next step */
		if (p->state == PQ_FREE || p->state == PQ_DONE)
			continue;
		if (left < 0)
			left = 0;
		if (w == -1 || left < w)
			w = left;
	}
	return w;
}

size_t
dns_step(struct dns *d)
{
	size_t i, n = 0;

	if (d->pend == NULL)
		return 0;
	for (i = 0; i < DNS_PENDING_MAX; i++)
		if (d->pend[i].state == PQ_DONE) {
			d->pend[i].state = PQ_FREE;
			if (d->starved)
				n++;
		}
	d->starved = 0;
	for (i = 0; i < DNS_PENDING_MAX; i++) {
		struct dns_pending *p = &d->pend[i];

		if (p->state == PQ_FREE || p->state == PQ_DONE)
			continue;
		pend_advance(d, p);
		if (p->state == PQ_DONE)
			n++;
	}
	return n;
}

/* Whether a name is one of the first n of chain, case aside (RFC 4343). */
static int
in_chain(const char (*chain)[NS_MAXDNAME], size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(chain[i], name) == 0)
			return 1;
	return 0;
}

/* Whether rdata at p (n bytes) is exactly one name, expanded into out. */
static int
rdata_name(const ns_msg *m, const unsigned char *p, size_t n, char *out,
    size_t outlen)
{
	int k = dn_expand(ns_msg_base(*m), ns_msg_end(*m), p, out, (int)outlen);

	return k > 0 && (size_t)k == n;
}

/* Whether the data of a record of type t is well formed. */
static int
rdata_ok(const ns_msg *m, const ns_rr *rr, int t)
{
	char name[NS_MAXDNAME];
	const unsigned char *p = ns_rr_rdata(*rr);
	size_t n = ns_rr_rdlen(*rr);

	switch (t) {
	case ns_t_mx:
		return n >= 3 && rdata_name(m, p + 2, n - 2, name, sizeof name);
	case ns_t_cname:
		return rdata_name(m, p, n, name, sizeof name);
	case ns_t_a:
		return n == 4;
	case ns_t_aaaa:
		return n == 16;
	case ns_t_tlsa:
		return n >= 3;	/* usage, selector, matching type, data */
	}
	return 1;
}

enum dns_status
dns_answer_check(const unsigned char *p, int len, const char *name, int type,
    const char **why)
{
	char chain[DNS_CHAIN_MAX][NS_MAXDNAME];
	size_t nchain = 1, sect, n;
	int rcode, k, found = 0;
	ns_msg m;
	ns_rr rr;

	if (len < HFIXEDSZ || ns_initparse(p, len, &m) != 0) {
		*why = "malformed DNS answer (a record runs past the end)";
		return DNS_TEMP;
	}
	/* The name as the parser gives names: without a final dot. */
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		n--;
	if (n >= NS_MAXDNAME) {
		*why = "DNS name too long";
		return DNS_TEMP;
	}
	memcpy(chain[0], name, n);
	chain[0][n] = '\0';
	/* RFC 1035 4.1.1: a response to a standard query, with its question. */
	if (!ns_msg_getflag(m, ns_f_qr) ||
	    ns_msg_getflag(m, ns_f_opcode) != ns_o_query ||
	    ns_msg_count(m, ns_s_qd) != 1 || ns_parserr(&m, ns_s_qd, 0, &rr) ||
	    strcasecmp(ns_rr_name(rr), chain[0]) != 0 ||
	    (int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in) {
		*why = "DNS answer to another question";
		return DNS_TEMP;
	}
	rcode = ns_msg_getflag(m, ns_f_rcode);
	if (rcode != ns_r_noerror && rcode != ns_r_nxdomain) {
		*why = "DNS server failure";
		return DNS_TEMP;
	}
	/*
	 * Every record must expand (no pointer out of the message, no loop,
	 * no name over 255 octets): one that does not is a sign of a broken
	 * or forged answer, and skipping it could turn "these hosts" into
	 * "no host" and a permanent failure.
	 */
	for (sect = ns_s_an; sect <= ns_s_ar; sect++)
		for (k = 0; k < ns_msg_count(m, (ns_sect)sect); k++) {
			int t;

			if (ns_parserr(&m, (ns_sect)sect, k, &rr) != 0) {
				*why = "malformed DNS answer (a bad name)";
				return DNS_TEMP;
			}
			if (sect != ns_s_an)
				continue;
			t = (int)ns_rr_type(rr);
			if (t != type && t != ns_t_cname)
				continue;	/* RRSIG and such: unused */
			if (ns_rr_class(rr) != ns_c_in) {
				*why = "DNS answer of another class";
				return DNS_TEMP;
			}
			/* The name asked for, or an alias on the way to it. */
			if (!in_chain((const char (*)[NS_MAXDNAME])chain,
			    nchain, ns_rr_name(rr))) {
				*why = "DNS answer for another name";
				return DNS_TEMP;
			}
			if (!rdata_ok(&m, &rr, t)) {
				*why = "malformed DNS answer (bad record data)";
				return DNS_TEMP;
			}
			if (t == type) {
				found = 1;
				continue;
			}
			if (nchain == DNS_CHAIN_MAX) {
				*why = "DNS answer with too long a CNAME chain";
				return DNS_TEMP;
			}
			(void)dn_expand(ns_msg_base(m), ns_msg_end(m),
			    ns_rr_rdata(rr), chain[nchain++], NS_MAXDNAME);
		}
	if (rcode == ns_r_nxdomain)
		return DNS_NXDOMAIN;
	return found ? DNS_OK : DNS_NODATA;
}

/* Whether a goes before b: by preference, then by the draw among equals. */
static int
mx_before(const struct dns_mx *a, const struct dns_mx *b)
{
	return a->pref < b->pref || (a->pref == b->pref && a->draw < b->draw);
}

int
dns_answer_mx(const unsigned char *p, int len, struct dns_mx *out, size_t max,
    size_t *n)
{
	ns_msg msg;
	int k;

	*n = 0;
	if (ns_initparse(p, len, &msg) != 0)
		return 0;
	/*
	 * All records are read and the best max kept, in order: an answer
	 * may hold more than max, and the best need not come first. Each
	 * gets a random draw that orders equal preferences (RFC 5321 5.1),
	 * which also makes the choice among equals at the cut a fair one.
	 */
	for (k = 0; k < ns_msg_count(msg, ns_s_an); k++) {
		struct dns_mx t;
		ns_rr rr;
		size_t j;

		if (ns_parserr(&msg, ns_s_an, k, &rr) != 0)
			return 0;
		if (ns_rr_type(rr) != ns_t_mx)
			continue;
		if (ns_rr_rdlen(rr) < 3 || !rdata_name(&msg,
		    ns_rr_rdata(rr) + 2, ns_rr_rdlen(rr) - 2u, t.host,
		    sizeof t.host))
			return 0;
		t.pref = ns_get16(ns_rr_rdata(rr));
		t.draw = arc4random();
		if (max == 0 || (*n == max && !mx_before(&t, &out[max - 1])))
			continue;
		if (*n < max)
			++*n;
		for (j = *n - 1; j > 0 && mx_before(&t, &out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	return 1;
}

enum dns_status
dns_mx(struct dns *d, const char *domain, struct dns_mx *out, size_t max,
    size_t *n)
{
	enum dns_status st;
	ns_msg msg;

	*n = 0;
	st = query(d, domain, ns_t_mx, &msg);
	if (st != DNS_OK)
		return st;
	if (!dns_answer_mx(ns_msg_base(msg), (int)(ns_msg_end(msg) -
	    ns_msg_base(msg)), out, max, n)) {
		d->why = "malformed DNS answer";
		return DNS_TEMP;
	}
	return *n > 0 ? DNS_OK : DNS_NODATA;
}

int
dns_answer_addrs(const unsigned char *p, int len, int type,
    struct dns_addr *out, size_t max, size_t *n)
{
	ns_msg msg;
	int k;

	if (ns_initparse(p, len, &msg) != 0)
		return 0;
	for (k = 0; k < ns_msg_count(msg, ns_s_an) && *n < max; k++) {
		struct dns_addr *a = &out[*n];
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, k, &rr) != 0 ||
		    (int)ns_rr_type(rr) != type)
			continue;
		memset(a, 0, sizeof *a);
		if (type == ns_t_a && ns_rr_rdlen(rr) == 4) {
			struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;

			v4->sin_family = AF_INET;
			memcpy(&v4->sin_addr, ns_rr_rdata(rr), 4);
			a->len = sizeof *v4;
		} else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;

			v6->sin6_family = AF_INET6;
			memcpy(&v6->sin6_addr, ns_rr_rdata(rr), 16);
			a->len = sizeof *v6;
		} else {
			continue;
		}
		++*n;
	}
	return 1;
}

static enum dns_status
addrs_of(struct dns *d, const char *host, int type, struct dns_addr *out,
    size_t max, size_t *n)
{
	ns_msg msg;
	enum dns_status st = query(d, host, type, &msg);

	/* msg points into the cache: read it before the next query. */
	if (st != DNS_OK)
		return st;
	if (!dns_answer_addrs(ns_msg_base(msg), (int)(ns_msg_end(msg) -
	    ns_msg_base(msg)), type, out, max, n))
		return DNS_TEMP;
	return DNS_OK;
}

enum dns_status
dns_addrs(struct dns *d, const char *host, struct dns_addr *out, size_t max,
    size_t *n)
{
	enum dns_status a, aaaa;

	*n = 0;
	a = addrs_of(d, host, ns_t_a, out, max, n);
	if (a == DNS_NXDOMAIN)
		return a;
	aaaa = addrs_of(d, host, ns_t_aaaa, out, max, n);
	if (*n > 0)
		return DNS_OK;
	if (a == DNS_TEMP || aaaa == DNS_TEMP)
		return DNS_TEMP;
	return aaaa == DNS_NXDOMAIN ? DNS_NXDOMAIN : DNS_NODATA;
}

int
dns_answer_txt(const unsigned char *p, int len, struct zs *out, size_t *n)
{
	ns_msg msg;
	int k;

	out->len = 0;
	*n = 0;
	if (ns_initparse(p, len, &msg) != 0)
		return 0;
	for (k = 0; k < ns_msg_count(msg, ns_s_an); k++) {
		const unsigned char *d;
		size_t dn, i = 0;
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, k, &rr) != 0)
			return 0;
		if (ns_rr_type(rr) != ns_t_txt)
			continue;
		d = ns_rr_rdata(rr);
		dn = ns_rr_rdlen(rr);
		/* RFC 1035 3.3.14: one or more <character-string>s. */
		if (dn == 0)
			return 0;
		while (i < dn) {
			size_t sl = d[i];

			if (sl > dn - i - 1)
				return 0;
			if (!zs_catb(out, (const char *)d + i + 1, sl))
				return 0;
			i += 1 + sl;
		}
		if (!zs_catc(out, '\0'))
			return 0;
		++*n;
	}
	return 1;
}

enum dns_status
dns_txt(struct dns *d, const char *name, struct zs *out, size_t *n)
{
	enum dns_status st;
	ns_msg msg;

	out->len = 0;
	*n = 0;
	st = query(d, name, ns_t_txt, &msg);
	if (st != DNS_OK)
		return st;
	if (!dns_answer_txt(ns_msg_base(msg), (int)(ns_msg_end(msg) -
	    ns_msg_base(msg)), out, n)) {
		d->why = "malformed DNS answer (a TXT record)";
		return DNS_TEMP;
	}
	return *n > 0 ? DNS_OK : DNS_NODATA;
}

int
dns_local_addrs(struct dns_addr *out, size_t max)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			out[n].len = sizeof(struct sockaddr_in);
		else if (i->ifa_addr->sa_family == AF_INET6)
			out[n].len = sizeof(struct sockaddr_in6);
		else
			continue;
		memset(&out[n].sa, 0, sizeof out[n].sa);
		memcpy(&out[n].sa, i->ifa_addr, out[n].len);
		n++;
	}
	freeifaddrs(ifa);
	return (int)n;
}

static int
same_addr(const struct dns_addr *a, const struct dns_addr *b)
{
	if (a->sa.ss_family != b->sa.ss_family)
		return 0;
	if (a->sa.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->sa)->sin_addr,
		    &((const struct sockaddr_in *)&b->sa)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)&a->sa)->sin6_addr,
	    &((const struct sockaddr_in6 *)&b->sa)->sin6_addr, 16) == 0;
}

static int
is_local(const struct dns_local *l, const char *host,
    const struct dns_addr *a)
{
	size_t i;

	if (l == NULL)
		return 0;
	if (host != NULL && l->me != NULL && strcasecmp(host, l->me) == 0)
		return 1;
	for (i = 0; a != NULL && i < l->naddr; i++)
		if (same_addr(a, &l->addr[i]))
			return 1;
	return 0;
}

enum { RQ_MX, RQ_HOST, RQ_A, RQ_AAAA, RQ_DONE };

void
dns_route_start(struct dns_routeq *r, const char *domain,
    const struct dns_local *l, size_t max)
{
	size_t n = strlen(domain);

	memset(r, 0, sizeof *r);
	r->local = l;
	r->max = max < DNS_ROUTE_TARGETS ? max : DNS_ROUTE_TARGETS;
	r->phase = RQ_MX;
	if (n > DNS_NAME_MAX) {
		r->phase = RQ_DONE;
		r->result = ROUTE_NXDOMAIN;
		return;
	}
	memcpy(r->domain, domain, n + 1);
}

static enum dns_route
route_end(struct dns *d, struct dns_routeq *r, enum dns_route res)
{
	r->phase = RQ_DONE;
	r->result = res;
	if (res == ROUTE_TEMP)
		r->why = d->why;
	return res;
}

/* After the last host: what the addresses found make of the domain. */
static enum dns_route
route_final(struct dns *d, struct dns_routeq *r)
{
	size_t i, k;

	if (r->have_local) {
		/* RFC 5321 5.1: drop this host and every MX no better. */
		for (i = k = 0; i < r->n; i++)
			if (r->out[i].pref < r->local_pref)
				r->out[k++] = r->out[i];
		r->n = k;
		if (r->n == 0)
			return route_end(d, r, ROUTE_LOOP);
	}
	if (r->n > 0)
		return route_end(d, r, ROUTE_OK);
	return route_end(d, r, r->temp ? ROUTE_TEMP : ROUTE_NOHOST);
}

static void
route_local(struct dns_routeq *r, unsigned pref)
{
	if (!r->have_local || pref < r->local_pref)
		r->local_pref = pref;
	r->have_local = 1;
}

/*
 * Host i's addresses are in (st as dns_addrs would say): take them. 1, or
 * 0 when the route ended (a domain without MX that does not exist).
 */
static int
route_host(struct dns *d, struct dns_routeq *r, enum dns_status st)
{
	const struct dns_mx *mx = &r->mx[r->i];
	size_t k;

	if (st == DNS_TEMP)
		r->temp = 1;
	if (st != DNS_OK) {
		if (st == DNS_NXDOMAIN && r->nmx == 1 &&
		    strcasecmp(r->mx[0].host, r->domain) == 0) {
			route_end(d, r, ROUTE_NXDOMAIN);
			return 0;
		}
		return 1;
	}
	for (k = 0; k < r->na; k++) {
		if (is_local(r->local, NULL, &r->addr[k])) {
			route_local(r, mx->pref);
			continue;
		}
		if (r->n == r->max)
			break;
		memcpy(r->out[r->n].host, mx->host, strlen(mx->host) + 1);
		r->out[r->n].pref = mx->pref;
		r->out[r->n].addr = r->addr[k];
		r->n++;
	}
	return 1;
}

enum dns_route
dns_route_step(struct dns *d, struct dns_routeq *r)
{
	enum dns_status st;

	for (;;) {
		switch (r->phase) {
		case RQ_MX:
			st = dns_mx(d, r->domain, r->mx, DNS_ROUTE_MX, &r->nmx);
			if (st == DNS_PENDING)
				return ROUTE_PENDING;
			if (st == DNS_TEMP)
				return route_end(d, r, ROUTE_TEMP);
			if (st == DNS_NXDOMAIN)
				return route_end(d, r, ROUTE_NXDOMAIN);
			if (st == DNS_NODATA) {
				/* RFC 5321 5.1: no MX; the domain is it. */
				r->nmx = 1;
				memcpy(r->mx[0].host, r->domain,
				    strlen(r->domain) + 1);
				r->mx[0].pref = 0;
			} else if (r->nmx == 1 && (r->mx[0].host[0] == '\0' ||
			    strcmp(r->mx[0].host, ".") == 0)) {
				/* RFC 7505 */
				return route_end(d, r, ROUTE_NULLMX);
			}
			r->i = 0;
			r->phase = RQ_HOST;
			break;
		case RQ_HOST: {
			const struct dns_mx *mx = &r->mx[r->i];

			if (r->i == r->nmx)
				return route_final(d, r);
			/*
			 * With max targets in hand, only an MX as good as the
			 * last of them can still matter (if it is this host,
			 * RFC 5321 5.1 drops them): worse ones are not looked
			 * up.
			 */
			if (r->n == r->max && r->max > 0 &&
			    mx->pref > r->out[r->max - 1].pref)
				return route_final(d, r);
			/* A stray null MX among others is skipped. */
			if (mx->host[0] == '\0' || strcmp(mx->host, ".") == 0) {
				r->i++;
				break;
			}
			if (is_local(r->local, mx->host, NULL)) {
				route_local(r, mx->pref);
				r->i++;
				break;
			}
			r->na = 0;
			r->phase = RQ_A;
			break;
		}
		case RQ_A:
			/* A, then AAAA, as dns_addrs asks. */
			st = addrs_of(d, r->mx[r->i].host, ns_t_a, r->addr,
			    DNS_ROUTE_ADDRS, &r->na);
			if (st == DNS_PENDING)
				return ROUTE_PENDING;
			r->a = st;
			if (st == DNS_NXDOMAIN) {
				if (!route_host(d, r, st))
					return r->result;
				r->i++;
				r->phase = RQ_HOST;
				break;
			}
			r->phase = RQ_AAAA;
			break;
		case RQ_AAAA:
			st = addrs_of(d, r->mx[r->i].host, ns_t_aaaa, r->addr,
			    DNS_ROUTE_ADDRS, &r->na);
			if (st == DNS_PENDING)
				return ROUTE_PENDING;
			if (r->na > 0)
				st = DNS_OK;
			else if (r->a == DNS_TEMP || st == DNS_TEMP)
				st = DNS_TEMP;
			else if (st != DNS_NXDOMAIN)
				st = DNS_NODATA;
			if (!route_host(d, r, st))
				return r->result;
			r->i++;
			r->phase = RQ_HOST;
			break;
		default:
			return r->result;
		}
	}
}

int
dns_route_waits(const struct dns *d, const struct dns_routeq *r)
{
	const char *name = r->phase == RQ_MX ? r->domain : r->mx[r->i].host;
	int type = r->phase == RQ_MX ? ns_t_mx : r->phase == RQ_A ? ns_t_a :
	    ns_t_aaaa;
	char lname[DNS_NAME_MAX + 1];
	size_t i, n = strlen(name);

	if (d->pend == NULL || n > DNS_NAME_MAX ||
	    (r->phase != RQ_MX && r->phase != RQ_A && r->phase != RQ_AAAA))
		return 0;
	for (i = 0; i <= n; i++)
		lname[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + 32 : name[i]);
	for (i = 0; i < DNS_PENDING_MAX; i++) {
		const struct dns_pending *p = &d->pend[i];

		if (p->state != PQ_FREE && p->state != PQ_DONE &&
		    p->type == type && strcmp(p->name, lname) == 0)
			return 1;
	}
	return 0;
}

enum dns_route
dns_route(struct dns *d, const char *domain, const struct dns_local *l,
    struct dns_target *out, size_t max, size_t *n)
{
	struct dns_routeq *r = malloc(sizeof *r);
	enum dns_route res;

	*n = 0;
	if (r == NULL) {
		d->why = "out of memory";
		return ROUTE_TEMP;
	}
	dns_route_start(r, domain, l, max);
	res = dns_route_step(d, r);
	if (res == ROUTE_OK) {
		*n = r->n;
		memcpy(out, r->out, r->n * sizeof *out);
	}
	free(r);
	return res;
}

/*
 * RFC 6891 6.1.2: an OPT record at the end of the query, for 1232 octets
 * over UDP (the DNS flag day 2020 size), with DO (RFC 3225 3) so that a
 * validating server says AD. res_nmkquery knows nothing of EDNS0.
 */
static int
add_opt(unsigned char *q, int qlen, size_t max)
{
	static const unsigned char opt[11] = {
		0, 0, 41, 1232 >> 8, 1232 & 0xff, 0, 0, 0x80, 0, 0, 0
	};

	if (qlen < HFIXEDSZ || (size_t)qlen + sizeof opt > max)
		return -1;
	memcpy(q + qlen, opt, sizeof opt);
	q[11] = 1;	/* ARCOUNT: this record alone */
	q[10] = 0;
	return qlen + (int)sizeof opt;
}

enum dns_status
dns_query_ad(struct dns *d, const char *name, int type, unsigned char **msg,
    int *len, int *ad)
{
	unsigned char q[NS_PACKETSZ], *ans;
	enum dns_status st;
	int qlen, n = -1;

	*ad = 0;
	if (msg != NULL)
		*msg = NULL;
	if (strlen(name) == 0 || strlen(name) > DNS_NAME_MAX)
		return DNS_NXDOMAIN;
	qlen = res_nmkquery(&d->res, ns_o_query, name, ns_c_in, type, NULL, 0,
	    NULL, q, sizeof q);
	if (qlen < 0 || (qlen = add_opt(q, qlen, sizeof q)) < 0)
		return DNS_TEMP;
	ans = malloc(TCP_MAX);
	if (ans == NULL)
		return DNS_TEMP;
	st = ask_servers(d, q, qlen, ans, name, type, &n);
	if (st != DNS_TEMP) {
		*ad = (ans[3] & 0x20) != 0;	/* RFC 4035 3.2.3 */
		if (len != NULL)
			*len = n;
	}
	if (msg != NULL && st != DNS_TEMP)
		*msg = ans;
	else
		free(ans);
	return st;
}

int
dns_answer_tlsa(const unsigned char *p, int len, struct dns_tlsa *out,
    size_t max, size_t *n)
{
	ns_msg m;
	ns_rr rr;
	int k;

	*n = 0;
	if (ns_initparse(p, len, &m) != 0)
		return 0;
	for (k = 0; k < ns_msg_count(m, ns_s_an) && *n < max; k++) {
		const unsigned char *d;
		size_t dl;

		if (ns_parserr(&m, ns_s_an, k, &rr) != 0)
			return 0;
		if (ns_rr_type(rr) != ns_t_tlsa)
			continue;
		d = ns_rr_rdata(rr);
		dl = ns_rr_rdlen(rr);
		if (dl < 3 || dl - 3 > DNS_TLSA_DATA_MAX)
			continue;	/* left out: unusable, not an error */
		out[*n].usage = d[0];
		out[*n].selector = d[1];
		out[*n].mtype = d[2];
		out[*n].len = dl - 3;
		memcpy(out[*n].data, d + 3, dl - 3);
		(*n)++;
	}
	return 1;
}

enum dns_status
dns_tlsa(struct dns *d, const char *name, struct dns_tlsa *out, size_t max,
    size_t *n, int *ad)
{
	unsigned char *msg = NULL;
	int len = 0;
	enum dns_status st = dns_query_ad(d, name, ns_t_tlsa, &msg, &len, ad);

	*n = 0;
	if (st == DNS_OK && !dns_answer_tlsa(msg, len, out, max, n))
		st = DNS_TEMP;
	free(msg);
	return st;
}
