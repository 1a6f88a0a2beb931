/* SPDX-License-Identifier: MIT */
/*
 * pwhash: salted, slow password hashes for control/passwords.
 *
 * Format: "$pbkdf2-sha256$ITERATIONS$SALT$HASH", SALT and HASH in base64,
 * a 16-byte salt from getrandom(2) and a 32-byte PBKDF2-HMAC-SHA256 key
 * (OpenSSL). Verification compares in constant time.
 */
#ifndef ZR_PWHASH_H
#define ZR_PWHASH_H

#include <stddef.h>

#include "zs.h"

/* Iterations of new hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
#define PWHASH_ITERATIONS 600000
/* Fewer than this in a stored hash is refused as too weak to trust. */
#define PWHASH_MIN_ITERATIONS 1000
#define PWHASH_MAX_ITERATIONS 10000000

/* Hash n bytes of password with a fresh salt; append the text to out. */
int pwhash_make(const char *password, size_t n, unsigned long iterations,
    struct zs *out);
/*
 * 1 when password matches the stored hash, 0 when it does not, -1 when the
 * stored text is not a hash this module makes (errno EINVAL) or on error.
 */
int pwhash_check(const char *password, size_t n, const char *stored);

#endif
