/* SPDX-License-Identifier: MIT */
/*
 * conn: zr-remote's connection to a host, from the TCP connect through
 * the greeting, EHLO (the extensions go to r->ext), STARTTLS (starttls.h)
 * and AUTH (auth.h), to QUIT. A connection that would loop back to this
 * host (loop.h) is refused here.
 */
#ifndef ZR_REMOTE_CONN_H
#define ZR_REMOTE_CONN_H

#include <stdbool.h>

#include "remote.h"

/* Connect to h and greet it; 1, or 0 with why set and no connection. */
int conn_open(struct remote *, const struct route_host *h);
/* Close the connection if open; quit: say QUIT first (a short wait). */
void conn_close(struct remote *, bool quit);
/* Whether a kept connection still looks usable (no EOF, no 421 waiting). */
bool conn_alive(struct remote *);
/*
 * control/timeouttransaction: every wait from now on ends by when (0:
 * none). A per-read timeout alone lets a server that sends a byte a second
 * hold the delivery for ever.
 */
void conn_deadline(struct remote *, long long when);
#endif
