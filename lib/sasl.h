/* SPDX-License-Identifier: MIT */
/*
 * sasl: the AUTH PLAIN (RFC 4616) and LOGIN mechanisms' messages, both
 * ways. Decoding refuses anything malformed (EINVAL): bad base64, NUL
 * bytes where none may be, over-long fields.
 */
#ifndef ZR_SASL_H
#define ZR_SASL_H

#include <stddef.h>

#include "zs.h"

/* RFC 4616 2: each of authzid, authcid and passwd is at most 255 octets. */
#define SASL_FIELD_MAX 255

/* base64 of "authzid NUL user NUL password" (authzid empty). */
int sasl_plain_encode(const char *user, const char *pass, struct zs *out);
/*
 * Decode a PLAIN response into user and pass (each NUL-terminated). An
 * authzid, when given, must equal the user (we do not act for others).
 */
int sasl_plain_decode(const char *b64, size_t n, struct zs *user,
    struct zs *pass);
/* One base64 field of LOGIN (a user name or a password), decoded. */
int sasl_login_decode(const char *b64, size_t n, struct zs *out);

#endif
