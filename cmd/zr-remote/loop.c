/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "loop.h"
#include "scan.h"

bool
remote_loop_is_me(const struct smtpreply *reply, const char *me)
{
	size_t n, w, len = strlen(me);
	const char *l = smtpreply_line(reply, 0, &n);

	if (l == NULL || len == 0)
		return false;
	for (w = 0; w < n && l[w] != ' '; w++)
		;
	/* A trailing dot names the same host (RFC 1034 3.1). */
	if (w > 0 && l[w - 1] == '.')
		w--;
	return w == len && strncasecmp(l, me, len) == 0;
}

int
remote_loop_parse(const char *line, struct remote_self *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *port = NULL, *end;
	unsigned long long u = 0;
	size_t n;

	if (line[0] == '[') {
		end = strchr(line, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			goto bad;
		n = (size_t)(end - line - 1);
		line++;
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		/* One colon: an IPv4 address and a port; more: IPv6. */
		end = strchr(line, ':');
		if (end != NULL && strchr(end + 1, ':') == NULL) {
			n = (size_t)(end - line);
			port = end + 1;
		} else {
			n = strlen(line);
		}
	}
	if (n == 0 || n >= sizeof host)
		goto bad;
	memcpy(host, line, n);
	host[n] = '\0';
	if (port != NULL &&
	    (!scan_ulong_all(port, &u) || u == 0 || u > 65535))
		goto bad;
	a->port = (unsigned)u;
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = AF_INET6;
	else
		goto bad;
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

bool
remote_loop_is_self(const struct sockaddr *sa, socklen_t len,
    const struct remote_self *list, size_t n)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char addr[16];
	int family;
	unsigned port;
	size_t i;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		family = AF_INET6;
		memcpy(addr, &in6->sin6_addr, 16);
		port = ntohs(in6->sin6_port);
		/* ::ffff:a.b.c.d is the IPv4 host a.b.c.d. */
		if (memcmp(addr, mapped, 12) == 0) {
			family = AF_INET;
			memmove(addr, addr + 12, 4);
		}
	} else {
		return false;
	}
	for (i = 0; i < n; i++)
		if (list[i].family == family &&
		    memcmp(list[i].addr, addr, family == AF_INET ? 4 : 16) ==
		    0 && (list[i].port == 0 || list[i].port == port))
			return true;
	return false;
}
