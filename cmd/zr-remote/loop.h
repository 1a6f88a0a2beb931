/* SPDX-License-Identifier: MIT */
/*
 * loop: whether a server zr-remote reached is this host itself.
 *
 * A route (smarthosts, domainroutes, or an MX) that points back at this
 * host would send a message round until its hop count ran out. Two signs
 * tell: the address connected to is one this host's zr-smtpd listens on
 * (control/listenaddrs, when the operator lists them), or the server
 * names itself with control/me in its greeting or in the first line of
 * its EHLO or HELO reply (RFC 5321 4.2, 4.1.1.1; Postfix's check). Then
 * mail for the destination "loops back to myself", as Postfix says: the
 * connection is dropped and the mail deferred, since a misconfiguration
 * is fixed by the operator, not by bouncing the mail.
 */
#ifndef ZR_REMOTE_LOOP_H
#define ZR_REMOTE_LOOP_H

#include <stdbool.h>
#include <sys/socket.h>

#include "smtpreply.h"

/* Entries of control/listenaddrs beyond this are refused. */
#define REMOTE_SELF_MAX 64

/* One address this host listens on; port 0 stands for every port. */
struct remote_self {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network order; 4 bytes for IPv4 */
	unsigned port;
};

/* Whether the first word of reply's first line is me (without case). */
bool remote_loop_is_me(const struct smtpreply *reply, const char *me);
/*
 * One control/listenaddrs line: "192.0.2.1", "192.0.2.1:25", "::1" or
 * "[::1]:25". 1, or 0 with errno EINVAL.
 */
int remote_loop_parse(const char *line, struct remote_self *);
/* Whether the address sa (len bytes) is one of list (n entries). */
bool remote_loop_is_self(const struct sockaddr *sa, socklen_t len,
    const struct remote_self *list, size_t n);

#endif
