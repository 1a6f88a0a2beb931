/* SPDX-License-Identifier: MIT */
/*
 * utf8: well-formed UTF-8 (RFC 3629 4), for SMTPUTF8 (RFC 6531) addresses
 * and header fields.
 *
 * Well-formed means the shortest form of a scalar value: no overlong form
 * (C0, C1, E0 80..9F, F0 80..8F), no UTF-16 surrogate (ED A0..BF), nothing
 * above U+10FFFF (F4 90.., F5..FF), no lone continuation byte and no
 * sequence cut short. Nothing here allocates.
 */
#ifndef ZR_UTF8_H
#define ZR_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s (n bytes) is well-formed UTF-8; ASCII always is. */
bool utf8_valid(const char *s, size_t n);
/* Whether s (n bytes) is all ASCII: no byte of 0x80 or above. */
bool utf8_ascii(const char *s, size_t n);

#endif
