/* SPDX-License-Identifier: MIT */
/*
 * lib/dns against a real server: a private dnsmasq on 127.0.0.1 at a free
 * port, answering for .test names only (no upstream, no other address);
 * then the parsing of answers on hand-made messages, large and malformed,
 * that no well-behaved server would send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "../lib/tap.h"

static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/*
 * Whether dnsmasq (pid) holds UDP port p within about 5 s: it does when
 * the port cannot be bound and it still runs; it exits when its bind
 * failed.
 */
static int
dnsmasq_up(pid_t pid, int p)
{
	int i;

	for (i = 0; i < 250; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)p),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_DGRAM, 0), taken;

		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		taken = fd != -1 &&
		    bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1;
		if (fd != -1)
			close(fd);
		if (taken)
			return waitpid(pid, NULL, WNOHANG) == 0;
		usleep(20000);
	}
	return 0;
}


/* The number in "h12.eq.test". */
static unsigned
host_index(const char *h)
{
	unsigned v = 0;

	for (h++; *h >= '0' && *h <= '9'; h++)
		v = v * 10 + (unsigned)(*h - '0');
	return v;
}

static const char *
ip(const struct dns_addr *a, char *buf, size_t n)
{
	const void *p = a->sa.ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr;

	return inet_ntop(a->sa.ss_family, p, buf, (socklen_t)n);
}


/* A DNS message built by hand (RFC 1035 4.1). */
struct msg {
	unsigned char b[65536];
	size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
	if (m->n < sizeof m->b)
		m->b[m->n++] = (unsigned char)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, unsigned long v)
{
	put16(m, (unsigned)(v >> 16));
	put16(m, (unsigned)(v & 0xffff));
}

/* A name as labels, uncompressed. */
static void
putname(struct msg *m, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot != NULL ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned)l);
		while (l-- > 0)
			put8(m, (unsigned char)*name++);
		if (*name == '.')
			name++;
	}
	put8(m, 0);
}

/* Header and one question; the counts of the other sections as given. */
static void
start(struct msg *m, unsigned flags, const char *q, unsigned qtype,
    unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
	putname(m, q);
	put16(m, qtype);
	put16(m, 1);
}

/* A record's fixed part, owner given as a pointer to offset ptr. */
static size_t
rr(struct msg *m, unsigned ptr, unsigned type, unsigned class)
{
	put16(m, 0xc000 | ptr);
	put16(m, type);
	put16(m, class);
	put32(m, 300);
	put16(m, 0);		/* rdlength, set by rr_end */
	return m->n;
}

static void
rr_end(struct msg *m, size_t at)
{
	size_t len = m->n - at;

	m->b[at - 2] = (unsigned char)(len >> 8);
	m->b[at - 1] = (unsigned char)len;
}

static void
mx_rr(struct msg *m, unsigned pref, const char *host)
{
	size_t at = rr(m, 12, 15, 1);

	put16(m, pref);
	putname(m, host);
	rr_end(m, at);
}

static enum dns_status
check(const struct msg *m, const char *name, int type)
{
	const char *why = NULL;
	enum dns_status st = dns_answer_check(m->b, (int)m->n, name, type,
	    &why);

	if (st == DNS_TEMP && why == NULL)
		return DNS_OK;	/* a temporary answer must say why */
	return st;
}

/* Whether m, an MX answer for bad.test, is a temporary failure. */
static int
refused(const struct msg *m)
{
	return check(m, "bad.test", 15) == DNS_TEMP;
}

/* Whether the MX parser refuses m as a whole rather than skip a record. */
static int
unreadable(const struct msg *m)
{
	struct dns_mx mx[8];
	size_t n = 0;

	return !dns_answer_mx(m->b, (int)m->n, mx, 8, &n);
}

static void
answers(void)
{
	struct msg *m = malloc(sizeof *m);
	struct dns_mx mx[32];
	size_t n, i, at;
	int sorted, spread, beyond;
	char host[64];

	/* 150 MX records, the best one last: it is found all the same. */
	start(m, 0x8180, "many.test", 15, 150);
	for (i = 0; i < 149; i++) {
		snprintf(host, sizeof host, "d%zu.many.test", i);
		mx_rr(m, (unsigned)(10 + i), host);
	}
	mx_rr(m, 1, "best.many.test");
	ok(check(m, "many.test", 15) == DNS_OK && m->n > 512,
	    "150 MX records (%zu bytes) are a good answer", m->n);
	ok(dns_answer_mx(m->b, (int)m->n, mx, 32, &n) && n == 32 &&
	    strcmp(mx[0].host, "best.many.test") == 0 && mx[0].pref == 1 &&
	    mx[1].pref == 10 && mx[31].pref == 40,
	    "the best 32 of 150 by preference, over the whole answer");
	for (i = 1, sorted = 1; i < n; i++)
		if (mx[i - 1].pref > mx[i].pref)
			sorted = 0;
	ok(sorted, "and sorted");

	/* 40 of equal preference, 8 kept: which 8 is left to chance. */
	start(m, 0x8180, "eq.test", 15, 40);
	for (i = 0; i < 40; i++) {
		snprintf(host, sizeof host, "h%zu.eq.test", i);
		mx_rr(m, 10, host);
	}
	for (i = 0, spread = 0, beyond = 0; i < 30; i++) {
		size_t k;

		if (!dns_answer_mx(m->b, (int)m->n, mx, 8, &n) || n != 8)
			break;
		if (strcmp(mx[0].host, "h0.eq.test") != 0)
			spread++;
		for (k = 0; k < n; k++)
			if (host_index(mx[k].host) >= 8)
				beyond = 1;
	}
	ok(i == 30 && spread > 0 && beyond,
	    "equal preferences: a random pick over all 40, not the first 8");

	/* Malformed answers, each one way. */
	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 1);
	put16(m, 10);
	put16(m, 0xc000 | 0x3fff);	/* far past the end */
	rr_end(m, at);
	ok(refused(m) && unreadable(m), "a compression pointer past the end");

	start(m, 0x8180, "bad.test", 15, 1);
	at = m->n;
	put16(m, 0xc000 | (unsigned)at);	/* points at itself */
	put16(m, 15);
	put16(m, 1);
	put32(m, 300);
	put16(m, 4);
	put16(m, 10);
	put16(m, 0xc00c);
	ok(refused(m) && unreadable(m), "a compression loop");

	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 1);
	put16(m, 10);
	for (i = 0; i < 5; i++) {
		size_t k;

		put8(m, 63);
		for (k = 0; k < 63; k++)
			put8(m, 'a');
	}
	put8(m, 0);
	rr_end(m, at);
	ok(refused(m) && unreadable(m), "a name over 255 octets");

	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 1);
	put16(m, 10);
	put8(m, 64);			/* 01 in the top bits: no such label */
	for (i = 0; i < 64; i++)
		put8(m, 'a');
	put8(m, 0);
	rr_end(m, at);
	ok(refused(m) && unreadable(m), "a label over 63 octets");

	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 1);
	put16(m, 10);
	putname(m, "mx.bad.test");
	rr_end(m, at);
	m->b[at - 1] += 20;		/* rdlength past the end */
	ok(refused(m) && unreadable(m), "a record cut short");

	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 1);
	put16(m, 10);
	putname(m, "mx.bad.test");
	put16(m, 0);			/* bytes the name does not account for */
	rr_end(m, at);
	ok(refused(m) && unreadable(m), "MX data longer than its name");

	start(m, 0x8180, "bad.test", 15, 1);
	at = rr(m, 12, 15, 3);		/* CHAOS */
	put16(m, 10);
	putname(m, "mx.bad.test");
	rr_end(m, at);
	ok(refused(m), "a record of another class");

	start(m, 0x8180, "bad.test", 15, 1);
	at = m->n;
	putname(m, "other.test");
	put16(m, 15);
	put16(m, 1);
	put32(m, 300);
	put16(m, 0);
	at = m->n;
	put16(m, 10);
	putname(m, "mx.other.test");
	rr_end(m, at);
	ok(refused(m), "an MX record for another name");

	start(m, 0x8180, "other.test", 15, 1);
	mx_rr(m, 10, "mx.other.test");
	ok(refused(m), "an answer to another question");
	start(m, 0x8180, "bad.test", 1, 1);
	mx_rr(m, 10, "mx.bad.test");
	ok(refused(m), "an answer to a question of another type");
	start(m, 0x0100, "bad.test", 15, 1);
	mx_rr(m, 10, "mx.bad.test");
	ok(refused(m), "a query, not a response");
	start(m, 0x8180, "bad.test", 15, 1);
	m->b[5] = 0;			/* no question */
	ok(check(m, "bad.test", 15) == DNS_TEMP, "no question");
	start(m, 0x8182, "bad.test", 15, 0);
	ok(check(m, "bad.test", 15) == DNS_TEMP, "SERVFAIL");

	start(m, 0x8180, "bad.test", 1, 1);
	at = rr(m, 12, 1, 1);
	put16(m, 0x7f00);
	put16(m, 1);
	put8(m, 1);			/* five bytes */
	rr_end(m, at);
	ok(check(m, "bad.test", 1) == DNS_TEMP, "an A record of 5 bytes");

	/* Good answers stay good. */
	start(m, 0x8180, "Bad.Test", 15, 1);
	mx_rr(m, 10, "mx.bad.test");
	ok(check(m, "bad.test", 15) == DNS_OK, "names compare without case");
	start(m, 0x8180, "bad.test", 15, 0);
	ok(check(m, "bad.test", 15) == DNS_NODATA, "no records: NODATA");
	start(m, 0x8183, "bad.test", 15, 0);
	ok(check(m, "bad.test", 15) == DNS_NXDOMAIN, "NXDOMAIN");
	start(m, 0x8180, "alias.test", 15, 2);
	at = rr(m, 12, 5, 1);
	putname(m, "real.test");
	rr_end(m, at);
	{
		unsigned target = (unsigned)at;

		at = rr(m, target, 15, 1);
		put16(m, 10);
		putname(m, "mx.real.test");
		rr_end(m, at);
	}
	ok(check(m, "alias.test", 15) == DNS_OK &&
	    dns_answer_mx(m->b, (int)m->n, mx, 8, &n) && n == 1 &&
	    strcmp(mx[0].host, "mx.real.test") == 0,
	    "an MX record at the end of a CNAME");
	free(m);
}

/*
 * A server whose UDP answers say "truncated" and whose TCP port takes no
 * connection: its accept queue is full (listen backlog 0, one connection
 * made and never accepted), so the kernel drops further SYNs and a
 * connect without a deadline would wait minutes.
 */
static void
tcp_deadline(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int u = socket(AF_INET, SOCK_DGRAM, 0), l = -1, c = -1;
	char servers[64];
	struct dns d;
	struct dns_mx mx[4];
	size_t n, bad;
	time_t t0;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u == -1 || bind(u, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    getsockname(u, (struct sockaddr *)&sa, &len) == -1 ||
	    (l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(l, 0) == -1 || (c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&sa, sizeof sa) == -1) {
		ok(0, "a TCP connect that hangs is cut at the timeout (setup)");
		return;
	}
	pid = fork();
	if (pid == 0) {
		unsigned char b[512];
		struct sockaddr_in from;

		alarm(30);	/* never outlives a test that went wrong */
		for (;;) {
			socklen_t fl = sizeof from;
			ssize_t r = recvfrom(u, b, sizeof b, 0,
			    (struct sockaddr *)&from, &fl);

			if (r < 12)
				continue;
			b[2] = 0x83;	/* QR, TC, RD */
			b[3] = 0x80;
			sendto(u, b, (size_t)r, 0, (struct sockaddr *)&from, fl);
		}
	}
	snprintf(servers, sizeof servers, "127.0.0.1:%d\n",
	    ntohs(sa.sin_port));
	dns_open(&d, servers, &bad);
	d.timeout = 1;
	d.tries = 1;
	t0 = time(NULL);
	ok(dns_mx(&d, "tc.test", mx, 4, &n) == DNS_TEMP &&
	    time(NULL) - t0 <= 3,
	    "a TCP connect that hangs is cut at the timeout (%lld s)",
	    (long long)(time(NULL) - t0));
	dns_close(&d);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(c);
	close(l);
	close(u);
}

/* Milliseconds on a monotonic clock. */
static long long
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One query read from u, within 2 s: its length (0: none), id and peer. */
static size_t
take_query(int u, unsigned char *b, size_t max, struct sockaddr_in *from)
{
	struct pollfd pf = { .fd = u, .events = POLLIN };
	socklen_t fl = sizeof *from;
	ssize_t r;

	if (poll(&pf, 1, 2000) != 1)
		return 0;
	r = recvfrom(u, b, max, 0, (struct sockaddr *)from, &fl);
	return r < 12 ? 0 : (size_t)r;
}

/*
 * Poll d's descriptors (at most ms) and step both routes once; the time
 * the steps took (ms), poll's wait aside.
 */
static long long
turn(struct dns *d, struct dns_routeq *a, struct dns_routeq *b, int ms,
    enum dns_route *ra, enum dns_route *rb)
{
	struct pollfd pf[DNS_PENDING_MAX];
	size_t n = dns_pollfds(d, pf, DNS_PENDING_MAX);
	long long t;

	(void)poll(pf, n, ms);
	t = mono_ms();
	dns_step(d);
	if (*ra == ROUTE_PENDING)
		*ra = dns_route_step(d, a);
	if (b != NULL && *rb == ROUTE_PENDING)
		*rb = dns_route_step(d, b);
	return mono_ms() - t;
}

/*
 * Asynchronous lookups against a server played here, on a UDP socket:
 * nothing waits, two routes to one domain share one query, an MX answer
 * with a TTL of 0 (which the cache keeps for no time) carries the route on
 * all the same, and a silent server costs its timeout without a wait.
 */
static void
async_route(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, from;
	socklen_t len = sizeof sa;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct dns_routeq *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct msg *m = malloc(sizeof *m);
	unsigned char q[512];
	char servers[64], buf[64];
	enum dns_route ra, rb;
	struct dns d;
	size_t n, bad, at;
	long long t0, slow = 0, t;
	int i;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u == -1 || a == NULL || b == NULL || m == NULL ||
	    bind(u, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    getsockname(u, (struct sockaddr *)&sa, &len) == -1) {
		ok(0, "asynchronous lookups (setup)");
		return;
	}
	snprintf(servers, sizeof servers, "127.0.0.1:%d\n",
	    ntohs(sa.sin_port));
	dns_open(&d, servers, &bad);
	ok(dns_async(&d), "dns_async");
	d.timeout = 1;
	d.tries = 1;

	t0 = mono_ms();
	dns_route_start(a, "async.test", NULL, 16);
	dns_route_start(b, "ASYNC.test", NULL, 16);
	ra = dns_route_step(&d, a);
	rb = dns_route_step(&d, b);
	ok(ra == ROUTE_PENDING && rb == ROUTE_PENDING && mono_ms() - t0 < 100,
	    "two routes of one domain are pending at once, without a wait");
	ok(dns_route_waits(&d, a) && dns_route_waits(&d, b),
	    "both wait for the query in flight");
	n = take_query(u, q, sizeof q, &from);
	{
		struct pollfd pf = { .fd = u, .events = POLLIN };

		ok(n > 0 && poll(&pf, 1, 100) == 0,
		    "and cost one query between them");
	}
	/* The MX answer, with a TTL of 0. */
	start(m, 0x8180, "async.test", 15, 1);
	at = rr(m, 12, 15, 1);
	m->b[at - 6] = m->b[at - 5] = m->b[at - 4] = m->b[at - 3] = 0;
	put16(m, 10);
	putname(m, "mx.async.test");
	rr_end(m, at);
	memcpy(m->b, q, 2);
	sendto(u, m->b, m->n, 0, (struct sockaddr *)&from, sizeof from);
	for (i = 0; i < 50 && (ra == ROUTE_PENDING || rb == ROUTE_PENDING);
	    i++) {
		struct sockaddr_in f2;
		size_t qn;

		t = turn(&d, a, b, 20, &ra, &rb);
		if (t > slow)
			slow = t;
		/* Each address query of mx.async.test: 127.0.0.9 or nothing. */
		while ((qn = 0, 1)) {
			struct pollfd pf = { .fd = u, .events = POLLIN };

			if (poll(&pf, 1, 0) != 1 ||
			    (qn = take_query(u, q, sizeof q, &f2)) == 0)
				break;
			if (q[qn - 3] == 1) {	/* A */
				start(m, 0x8180, "mx.async.test", 1, 1);
				at = rr(m, 12, 1, 1);
				put8(m, 127);
				put8(m, 0);
				put8(m, 0);
				put8(m, 9);
				rr_end(m, at);
			} else {
				start(m, 0x8180, "mx.async.test", 28, 0);
			}
			memcpy(m->b, q, 2);
			sendto(u, m->b, m->n, 0, (struct sockaddr *)&f2,
			    sizeof f2);
		}
	}
	ok(ra == ROUTE_OK && rb == ROUTE_OK && a->n == 1 && b->n == 1 &&
	    strcmp(ip(&a->out[0].addr, buf, sizeof buf), "127.0.0.9") == 0 &&
	    strcmp(a->out[0].host, "mx.async.test") == 0,
	    "both routes end with the MX host's address, through a TTL of 0");

	/* A server that never answers: the timeout, not a wait. */
	t0 = mono_ms();
	dns_route_start(a, "silent.test", NULL, 16);
	ra = dns_route_step(&d, a);
	for (i = 0; i < 200 && ra == ROUTE_PENDING; i++) {
		t = turn(&d, a, NULL, 50, &ra, &rb);
		if (t > slow)
			slow = t;
	}
	t = mono_ms() - t0;
	ok(ra == ROUTE_TEMP && a->why != NULL &&
	    strcmp(a->why, "no server answered") == 0 && t >= 900 && t < 3000,
	    "a silent server: temporary, after its timeout (%lld ms)", t);
	ok(!dns_route_waits(&d, a), "an ended route waits for nothing");
	ok(slow < 20, "no step waited (longest %lld ms)", slow);
	ok(dns_wait_ms(&d) == -1, "and nothing is left in flight");
	dns_close(&d);
	close(u);
	free(a);
	free(b);
	free(m);
}

int
main(void)
{
	char port[16], servers[64], portarg[32];
	struct dns d;
	struct dns_mx mx[8];
	struct dns_addr addrs[8];
	struct dns_target t[16];
	struct dns_local local = { 0 };
	struct dns_addr me;
	size_t n, bad;
	pid_t pid;
	int p = free_port(), i, spread, tries_left = 0;
	char buf[64];

	if (access("/usr/sbin/dnsmasq", X_OK) != 0) {
		printf("1..0 # SKIP dnsmasq is not installed\n");
		return 0;
	}
	plan(63);
	/*
	 * The free port may be taken by another test before dnsmasq binds
	 * it; dnsmasq then exits, and it is started again on another.
	 */
again:
	snprintf(port, sizeof port, "%d", p);
	snprintf(portarg, sizeof portarg, "--port=%d", p);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "dnsmasq", "--keep-in-foreground",
		    "--listen-address=127.0.0.1", "--bind-interfaces",
		    "--no-resolv", "--no-hosts", "--local-ttl=300",
		    "--local=/test/",
		    "--pid-file=", "--user=", portarg,
		    "--mx-host=multi.test,mx2.multi.test,20",
		    "--mx-host=multi.test,mx1.multi.test,10",
		    "--host-record=mx1.multi.test,127.0.0.2",
		    "--host-record=mx2.multi.test,127.0.0.3,::3",
		    "--mx-host=eq.test,a.eq.test,10",
		    "--mx-host=eq.test,b.eq.test,10",
		    "--host-record=a.eq.test,127.0.0.4",
		    "--host-record=b.eq.test,127.0.0.5",
		    "--host-record=implicit.test,127.0.0.6",
		    "--dns-rr=null.test,15,000000",
		    "--address=/nx.test/",
		    "--server=/fail.test/127.0.0.1#9",
		    "--mx-host=loop.test,self.loop.test,10",
		    "--host-record=self.loop.test,127.0.0.1",
		    "--mx-host=half.test,self.loop.test,10",
		    "--mx-host=half.test,mx1.multi.test,20",
		    "--mx-host=backup.test,self.loop.test,20",
		    "--mx-host=backup.test,mx1.multi.test,10",
		    "--mx-host=nohost.test,gone.nx.test,10",
		    NULL };
		int devnull = open("/dev/null", 1);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execv("/usr/sbin/dnsmasq", argv);
		_exit(127);
	}
	if (!dnsmasq_up(pid, p) && ++tries_left < 5) {
		p = free_port();
		goto again;
	}
	snprintf(servers, sizeof servers, "# test server\n127.0.0.1:%s\n", port);
	ok(dns_open(&d, servers, &bad), "dns_open with control/dnsservers text");
	d.timeout = 1;
	d.tries = 1;
	/* Wait for dnsmasq to answer (a deadline, not a fixed sleep). */
	for (i = 0; i < 100; i++) {
		if (dns_mx(&d, "multi.test", mx, 8, &n) == DNS_OK)
			break;
		usleep(50000);
	}
	ok(i < 100 && n == 2, "dnsmasq answers");
	ok(strcmp(mx[0].host, "mx1.multi.test") == 0 && mx[0].pref == 10 &&
	    strcmp(mx[1].host, "mx2.multi.test") == 0 && mx[1].pref == 20,
	    "MX records come sorted by preference");
	ok(dns_addrs(&d, "mx2.multi.test", addrs, 8, &n) == DNS_OK && n == 2 &&
	    strcmp(ip(&addrs[0], buf, sizeof buf), "127.0.0.3") == 0 &&
	    strcmp(ip(&addrs[1], buf, sizeof buf), "::3") == 0,
	    "A then AAAA addresses");
	ok(dns_route(&d, "multi.test", NULL, t, 16, &n) == ROUTE_OK && n == 3 &&
	    strcmp(ip(&t[0].addr, buf, sizeof buf), "127.0.0.2") == 0 &&
	    t[0].pref == 10 && t[1].pref == 20, "route: MX hosts in order");
	ok(dns_route(&d, "multi.test", NULL, t, 2, &n) == ROUTE_OK && n == 2,
	    "route: a cap on addresses tried");
	for (i = 0, spread = 0; i < 40; i++)
		if (dns_route(&d, "eq.test", NULL, t, 16, &n) == ROUTE_OK &&
		    n == 2 && strcmp(t[0].host, "a.eq.test") == 0)
			spread++;
	ok(spread > 5 && spread < 35,
	    "equal preferences are shuffled (%d of 40 first)", spread);
	ok(dns_route(&d, "implicit.test", NULL, t, 16, &n) == ROUTE_OK &&
	    n == 1 && strcmp(t[0].host, "implicit.test") == 0 &&
	    strcmp(ip(&t[0].addr, buf, sizeof buf), "127.0.0.6") == 0,
	    "no MX: the domain's own address (implicit MX)");
	ok(dns_route(&d, "null.test", NULL, t, 16, &n) == ROUTE_NULLMX,
	    "a null MX (RFC 7505)");
	ok(dns_route(&d, "nx.test", NULL, t, 16, &n) == ROUTE_NXDOMAIN,
	    "NXDOMAIN");
	ok(dns_route(&d, "nohost.test", NULL, t, 16, &n) == ROUTE_NOHOST,
	    "an MX whose host does not exist");
	ok(dns_route(&d, "fail.test", NULL, t, 16, &n) == ROUTE_TEMP,
	    "a server failure is temporary");

	memset(&me, 0, sizeof me);
	((struct sockaddr_in *)&me.sa)->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1",
	    &((struct sockaddr_in *)&me.sa)->sin_addr);
	me.len = sizeof(struct sockaddr_in);
	local.addr = &me;
	local.naddr = 1;
	ok(dns_route(&d, "loop.test", &local, t, 16, &n) == ROUTE_LOOP,
	    "the only MX is this host: a loop");
	ok(dns_route(&d, "half.test", &local, t, 16, &n) == ROUTE_LOOP,
	    "this host is the best MX: a loop (worse MX are not tried)");
	ok(dns_route(&d, "backup.test", &local, t, 16, &n) == ROUTE_OK &&
	    n == 1 && t[0].pref == 10,
	    "this host is a backup MX: only better ones are tried");
	local.addr = NULL;
	local.naddr = 0;
	local.me = "mx1.multi.test";
	ok(dns_route(&d, "multi.test", &local, t, 16, &n) == ROUTE_LOOP,
	    "control/me names the best MX: a loop");

	{
		unsigned long long h = d.hits, m = d.misses;

		for (i = 0; i < 100; i++)
			dns_route(&d, "multi.test", NULL, t, 16, &n);
		ok(d.misses == m && d.hits >= h + 100,
		    "100 more lookups of one domain: all from the cache");
	}
	{
		unsigned long long m = d.misses;

		dns_route(&d, "nx.test", NULL, t, 16, &n);
		ok(d.misses == m, "a negative answer is cached too");
		dns_route(&d, "fail.test", NULL, t, 16, &n);
		ok(d.misses > m, "a temporary failure is not cached");
	}
	{
		unsigned long long m;
		struct timespec pause = { 0, 20 * 1000 * 1000 };
		time_t t0;

		d.negttl = 1;
		dns_route(&d, "fail.test", NULL, t, 16, &n);
		m = d.misses;
		ok(dns_route(&d, "fail.test", NULL, t, 16, &n) == ROUTE_TEMP &&
		    d.misses == m, "with negttl, a temporary failure is cached");
		for (t0 = time(NULL); d.misses == m && time(NULL) - t0 < 5;
		    nanosleep(&pause, NULL))
			dns_route(&d, "fail.test", NULL, t, 16, &n);
		ok(d.misses == m + 1, "for negttl only: then it is asked again");
		d.negttl = 0;
	}
	{
		volatile sig_atomic_t halt = 1;
		unsigned long long m = d.misses;

		d.stop = &halt;
		ok(dns_route(&d, "stop.test", NULL, t, 16, &n) == ROUTE_TEMP &&
		    d.misses == m, "with stop set, no lookup is even begun");
		d.stop = NULL;
		ok(dns_route(&d, "multi.test", NULL, t, 16, &n) == ROUTE_OK,
		    "and the cache is as it was once it is clear");
	}
	ok(dns_route(&d, "MULTI.Test", NULL, t, 16, &n) == ROUTE_OK,
	    "names are case-insensitive (and hit the cache)");

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	{
		unsigned long long m = d.misses;

		ok(dns_route(&d, "multi.test", NULL, t, 16, &n) == ROUTE_OK &&
		    d.misses == m, "with the server gone, the cache still answers");
		ok(dns_route(&d, "other.test", NULL, t, 16, &n) == ROUTE_TEMP,
		    "a name not cached defers when no server answers");
	}
	dns_close(&d);

	{
		struct dns_server s;
		char a[64];

		ok(dns_server_parse("127.0.0.1:5353", &s) &&
		    ntohs(((struct sockaddr_in *)&s.sa)->sin_port) == 5353,
		    "IP:port");
		ok(dns_server_parse("[::1]:5353", &s) &&
		    s.sa.ss_family == AF_INET6 &&
		    ntohs(((struct sockaddr_in6 *)&s.sa)->sin6_port) == 5353,
		    "[IPv6]:port");
		ok(dns_server_parse("::1", &s) &&
		    ntohs(((struct sockaddr_in6 *)&s.sa)->sin6_port) == 53,
		    "a bare IPv6 address, port 53");
		ok(!dns_server_parse("dns.example:53", &s) &&
		    !dns_server_parse("127.0.0.1:0", &s) &&
		    !dns_server_parse("127.0.0.1:70000", &s) &&
		    !dns_server_parse("[::1", &s),
		    "names, bad ports and broken brackets are refused");
		(void)a;
	}
	ok(!dns_open(&d, "127.0.0.1\nnot-an-ip\n", &bad) && bad == 2 &&
	    errno == EINVAL, "a bad control/dnsservers line is named");
	answers();
	tcp_deadline();
	async_route();
	return done();
}
