/* SPDX-License-Identifier: MIT */
/*
 * auth: zr-remote's RFC 4954 AUTH with the credentials that
 * control/smarthost-secrets holds for a host's auth= name: PLAIN or
 * LOGIN with a password, OAUTHBEARER or XOAUTH2 with a token program's
 * token (oauth.h). Secrets are wiped from memory once sent.
 */
#ifndef ZR_REMOTE_AUTH_H
#define ZR_REMOTE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "remote.h"

/* The EXT_AUTH_* bits of an EHLO line "AUTH PLAIN LOGIN" or "AUTH=...". */
unsigned auth_mechs(const char *l, size_t n);
/*
 * AUTH as h->auth names it: 1 when authenticated, with *mech the
 * mechanism; 0 with why set (never a secret) and *quit telling whether
 * the server is still in step for a QUIT.
 */
int auth_run(struct remote *, const struct route_host *h, const char **mech,
    bool *quit);
#endif
