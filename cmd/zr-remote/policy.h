/* SPDX-License-Identifier: MIT */
/*
 * policy: the TLS policy that applied to a connection and how it ended,
 * as two log fields, "policy=NAME outcome=WORD", for the T record and so
 * for every delivery line that zr-send logs (as Postfix 3.11 logs them).
 *
 * NAME is the level (none, may, encrypt, verify, fingerprint, dane), or
 * smtps alone or with its check ("smtps+verify", "smtps+fingerprint").
 * WORD is one of the POLICY_* outcomes, or "failed:" and a reason word
 * (tls_reason_word, or no-starttls, starttls-refused). At dane, notes
 * follow (policy_note): dane=WHAT the TLSA lookup found, and
 * mta-sts=enforce when DANE fell back and an MTA-STS policy made it verify.
 */
#ifndef ZR_REMOTE_POLICY_H
#define ZR_REMOTE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "tls.h"

/*
 * " policy=smtps+fingerprint outcome=failed:starttls-refused" fits, and
 * " policy=dane outcome=failed:tlsa-mismatch dane=not-validating".
 */
#define POLICY_FIELDS_MAX 96

#define POLICY_UNREACHED "unreached"	/* no connection got that far */
#define POLICY_PLAINTEXT "plaintext"	/* no TLS, as the level allows */
#define POLICY_ENCRYPTED "encrypted"	/* TLS, certificate not checked */
#define POLICY_VERIFIED "verified"	/* TLS, certificate checked */

/* The policy's name for a level, with or without implicit TLS. */
const char *policy_name(enum tls_level, bool smtps, char *buf, size_t n);
/*
 * " policy=NAME outcome=WORD[:REASON]" into out (n bytes); reason may be
 * NULL. 1, or 0 when it does not fit (out is then empty).
 */
int policy_fmt(char *out, size_t n, enum tls_level, bool smtps,
    const char *outcome, const char *reason);
/* Append " key=val" to out (n bytes in all); 1, or 0 leaving it as it was. */
int policy_note(char *out, size_t n, const char *key, const char *val);
/* The outcome of a connection that got through: TLS or not, checked or not. */
const char *policy_outcome(enum tls_level, bool tls);

#endif
