/* SPDX-License-Identifier: MIT */
/*
 * addr: envelope addresses (RFC 5321 4.1.2 Mailbox).
 *
 * A mailbox is Local-part "@" Domain: the local part a Dot-string or a
 * Quoted-string, the domain a dot-separated list of LDH labels or an
 * address literal in brackets. Limits from RFC 5321 4.5.3.1: local part
 * 64 octets, domain 255, path 256 (so the address itself at most 254).
 * SMTPUTF8 (RFC 6531 3.3) adds UTF-8 to local parts and domains
 * (U-labels); the limits stay in octets.
 * Nothing here allocates.
 */
#ifndef ZR_ADDR_H
#define ZR_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX 64	/* RFC 5321 4.5.3.1.1 */
#define ADDR_DOMAIN_MAX 255	/* RFC 5321 4.5.3.1.2 */
#define ADDR_PATH_MAX 256	/* RFC 5321 4.5.3.1.3, with the brackets */
#define ADDR_MAX (ADDR_PATH_MAX - 2)

/* Whether s (n bytes) is a mailbox by the grammar and limits above. */
int addr_valid(const char *s, size_t n);
/* The same, with UTF-8 allowed (RFC 6531 3.3); malformed UTF-8 is not. */
int addr_valid_utf8(const char *s, size_t n);
/* Whether s (n bytes) is a domain (LDH labels, or an address literal). */
int addr_domain_valid(const char *s, size_t n);
/*
 * The offset of the '@' that separates local part and domain (the last
 * one: a quoted local part may hold '@'), or n when there is none.
 */
size_t addr_at(const char *s, size_t n);
/*
 * The length of an obsolete source route "@d1,@d2:" at the start of s (n
 * bytes; RFC 5321 4.1.2 A-d-l), which callers drop (RFC 5321 C); 0 when
 * there is none, or when it is malformed (*bad set to 1 then).
 */
size_t addr_route_len(const char *s, size_t n, int *bad);
/*
 * Whether address a matches pattern: a full address (case-insensitive),
 * "@domain" (that domain), or "@.domain" (any subdomain of it, not the
 * domain itself). The null sender "" matches nothing.
 */
int addr_match(const char *pattern, const char *a);

#endif
