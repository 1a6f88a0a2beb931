/* SPDX-License-Identifier: MIT */
/*
 * oauth: bearer tokens for AUTH XOAUTH2 and OAUTHBEARER (RFC 7628), from
 * a token program named in control/smarthost-secrets:
 *
 *	NAME USER oauth2 /path/to/program [ARG ...]
 *
 * The program runs without a shell (arguments split at blanks, no
 * quoting), with standard input and standard error on /dev/null and a
 * deadline, in a process group of its own that is killed at the deadline.
 * Its first line of output is the token (printable ASCII, at most
 * OAUTH_TOKEN_MAX bytes); an optional second line "expires_in N" gives
 * its lifetime in seconds. A token is kept in the cache, per secrets
 * name, until that lifetime or OAUTH_LIFETIME_MAX runs out, whichever is
 * first; the cache lives as long as the zr-remote process.
 *
 * Tokens are secrets: they never reach a diagnostic, and every buffer
 * that held one is wiped before it is freed. Errors are returned as text
 * in why, never holding a token.
 */
#ifndef ZR_REMOTE_OAUTH_H
#define ZR_REMOTE_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"
#include "zs.h"

/*
 * Big enough for Microsoft's access tokens (some KiB); with the user and
 * base64 the AUTH line stays under RFC 4954 4's 12288 octets.
 */
#define OAUTH_TOKEN_MAX 8192
/* Access tokens of both providers last an hour: renew before that. */
#define OAUTH_LIFETIME_MAX 3000
/* The token program's deadline when control/timeouttoken is unset. */
#define OAUTH_TIMEOUT_DEFAULT 30
/* Words of a token program line, the program included. */
#define OAUTH_ARGS_MAX 32
/* Distinct secrets names cached at once; the oldest entry makes room. */
#define OAUTH_CACHE_MAX 8

struct oauth_entry {
	char name[ROUTE_AUTH_MAX + 1];
	struct zs spec;			/* the program line it came from */
	struct zs token;
	long long expires;		/* monotonic seconds */
};

struct oauth_cache {
	struct oauth_entry e[OAUTH_CACHE_MAX];
	size_t n;
};

/* Whether a secrets "password" names a token program ("oauth2 ..."). */
bool oauth_is_program(const char *pass);
/*
 * The token for name, whose program line (after "oauth2") is spec: from
 * the cache unless fresh is set or it has run out, else from the program
 * (timeout seconds). 1 with token set; 0 with why set.
 */
int oauth_token(struct oauth_cache *, const char *name, const char *spec,
    unsigned timeout, bool fresh, struct zs *token, struct zs *why);
/* Forget name's token (the server refused it). */
void oauth_forget(struct oauth_cache *, const char *name);
void oauth_cache_free(struct oauth_cache *);
/* Zero what z holds, then free it: for tokens and passwords. */
void oauth_wipe(struct zs *z);
/*
 * The base64 initial response: XOAUTH2 (Google's and Microsoft's form)
 * when bearer is false, else OAUTHBEARER (RFC 7628 3.1) for host, port.
 * 1, or 0 with errno.
 */
int oauth_response(bool bearer, const char *user, const char *host,
    unsigned port, const struct zs *token, struct zs *out);
/*
 * The output of a token program (n bytes): 1 with token and lifetime
 * (seconds, OAUTH_LIFETIME_MAX when not stated) set; 0 with why set.
 */
int oauth_parse(const char *p, size_t n, struct zs *token,
    unsigned long long *lifetime, struct zs *why);

#endif
