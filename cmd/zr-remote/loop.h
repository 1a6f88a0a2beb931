/* SPDX-License-Identifier: MIT */
/*
 * loop: whether a server zr-remote reached is this host itself.
 *
 * A route (smarthosts, domainroutes, or an MX) that points back at this
 * host would send a message round until its hop count ran out. The server
 * names itself in its greeting and in the first line of its EHLO or HELO
 * reply (RFC 5321 4.2, 4.1.1.1); when that name is control/me, mail for
 * the destination "loops back to myself", as Postfix says, and the
 * connection is dropped and the mail deferred: a misconfiguration is
 * fixed by the operator, not by bouncing the mail.
 */
#ifndef ZR_REMOTE_LOOP_H
#define ZR_REMOTE_LOOP_H

#include <stdbool.h>

#include "smtpreply.h"

/* Whether the first word of reply's first line is me (without case). */
bool remote_loop_is_me(const struct smtpreply *reply, const char *me);

#endif
