/* SPDX-License-Identifier: MIT */
/*
 * starttls: TLS on zr-remote's connections: the client context (made at
 * the first TLS connection from control/tlsca, tlsclientcert, tlsclientkey
 * and the cipher and protocol settings), the handshake, STARTTLS as the
 * host's level asks for it, DANE's verdict on the level, the T record's
 * policy= and outcome=, and the sessions kept for resumption.
 */
#ifndef ZR_REMOTE_STARTTLS_H
#define ZR_REMOTE_STARTTLS_H

#include <stdbool.h>

#include "remote.h"

/*
 * The T record's policy= and outcome= (policy.h) for the configured level;
 * at dane, with what the TLSA lookup found.
 */
void starttls_policy(struct remote *, enum tls_level level, bool smtps,
    const char *outcome, const char *reason);
/*
 * At tls=dane, what the TLSA records make of the connection (RFC 7672
 * 2.2): r->eff becomes dane, encrypt or may; verify instead of the last
 * two when MTA-STS enforce holds for the host. 0 with why set when the
 * host is to be skipped: its TLSA records cannot be known now.
 */
int starttls_dane(struct remote *, const struct route_host *h);
/* The handshake on r->fd; 1, or 0 with why set. */
int starttls_handshake(struct remote *, const struct route_host *h);
/* What STARTTLS came to. */
enum starttls_result {
	STARTTLS_UP,		/* in TLS: the caller says EHLO again */
	STARTTLS_PLAIN,		/* not asked for, or refused at tls=may */
	STARTTLS_LOST,		/* the connection broke; why set */
	STARTTLS_REFUSED	/* the level cannot be met; why set, QUIT */
};

/*
 * STARTTLS on a connection greeted in the clear (RFC 3207), as level
 * asks: required at encrypt and above, tried at may, not at none, and
 * never after implicit TLS (h->smtps).
 */
enum starttls_result starttls_offer(struct remote *,
    const struct route_host *h, enum tls_level level);
/* Keep the connection's session for the next one to the same host. */
void starttls_keep(struct remote *);
/* Free the kept sessions. */
void starttls_free(struct remote *);
#endif
