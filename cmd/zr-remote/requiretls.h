/* SPDX-License-Identifier: MIT */
/*
 * requiretls: the two halves of RFC 8689 that zr-remote decides on.
 *
 * A message whose envelope says requiretls goes only over a connection
 * whose TLS was verified (tls=verify, tls=fingerprint, or a level above
 * them such as DANE's; MTA-STS enforce raises MX hosts to verify) to a
 * server that offers REQUIRETLS after STARTTLS, and MAIL FROM passes
 * REQUIRETLS on. When every host of a job falls short the recipients
 * fail with 5.7.30 (RFC 8689 4.2.1, 6): the sender asked for this.
 *
 * A message without it whose header has "TLS-Required: No" (RFC 8689 3)
 * asks that the recipient domain's own policy (MTA-STS) not stop it; TLS
 * is still used where the host's level says so.
 */
#ifndef ZR_REMOTE_REQUIRETLS_H
#define ZR_REMOTE_REQUIRETLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "envelope.h"
#include "tls.h"

/* Header bytes read for TLS-Required; a field beyond them is not seen. */
#define REQUIRETLS_HEADER_MAX 65536

/* Whether a level verifies the server's certificate. */
bool requiretls_level_ok(enum tls_level);
/*
 * Whether the header section of p (n bytes) has a TLS-Required field
 * whose value is No (any case, white space around it).
 */
bool requiretls_header_no(const char *p, size_t n);
/*
 * Whether the message in fd (its envelope e read) may skip the
 * recipient domain's TLS policy: TLS-Required: No, and no REQUIRETLS.
 */
bool requiretls_optional(int fd, const struct envelope *e);

#endif
