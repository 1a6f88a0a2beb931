/* SPDX-License-Identifier: MIT */
/*
 * smtpd_bdat: the argument of BDAT (RFC 3030 2): "SP chunk-size [SP LAST]".
 *
 * The size is what keeps the session in step with the client: the next
 * size octets are the chunk, whatever they hold. A line this parser does
 * not take has no size to trust, so zr-smtpd closes the connection.
 */
#ifndef ZR_SMTPD_BDAT_H
#define ZR_SMTPD_BDAT_H

#include <stdbool.h>
#include <stddef.h>

/* arg, n: what follows "BDAT". 1 with *size and *last set, or 0. */
int smtpd_bdat_parse(const char *arg, size_t n, unsigned long long *size,
    bool *last);

#endif
