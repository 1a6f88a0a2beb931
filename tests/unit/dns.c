/* SPDX-License-Identifier: MIT */
/*
 * lib/dns against a real server: a private dnsmasq on 127.0.0.1 at a free
 * port, answering for .test names only (no upstream, no other address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

static const char *
ip(const struct dns_addr *a, char *buf, size_t n)
{
	const void *p = a->sa.ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr;

	return inet_ntop(a->sa.ss_family, p, buf, (socklen_t)n);
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
	int p = free_port(), i, spread;
	char buf[64];

	if (access("/usr/sbin/dnsmasq", X_OK) != 0) {
		printf("1..0 # SKIP dnsmasq is not installed\n");
		return 0;
	}
	plan(27);
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
	return done();
}
