/* SPDX-License-Identifier: MIT */
/*
 * hdrqual: addresses without a domain in a header section get one, as
 * Postfix's append_at_myorigin and sendmail do for local submissions.
 *
 * The fields qualified are those that hold mailboxes: From, Sender,
 * Reply-To, To, Cc, Bcc and their Resent- forms (RFC 5322 3.6.2, 3.6.3,
 * 3.6.6). A mailbox is an addr-spec alone ("root", "root (Cron Daemon)")
 * or an angle address ("Root <root>"); display names, comments, quoted
 * strings and groups are copied as they are, and so is anything this
 * scanner does not recognise as a mailbox without a domain: it only ever
 * inserts "@domain", never removes or reorders a byte.
 * Fields are raw bytes with LF line ends, continuation lines included.
 */
#ifndef ZR_HDRQUAL_H
#define ZR_HDRQUAL_H

#include <stdbool.h>
#include <stddef.h>

#include "zs.h"

/* Whether a field called name (n bytes) holds mailboxes to qualify. */
bool hdrqual_name(const char *name, size_t n);
/*
 * Append the field value p (n bytes, after the colon) to out, with
 * "@domain" after each mailbox that has none. 1, or 0 (ENOMEM).
 */
int hdrqual_value(const char *p, size_t n, const char *domain,
    struct zs *out);
/*
 * Append the header section p (n bytes: whole fields, without the blank
 * line) to out with the fields of hdrqual_name qualified. 1, or 0.
 */
int hdrqual_section(const char *p, size_t n, const char *domain,
    struct zs *out);

/*
 * The end of the quoted string or (nested) comment that opens at p[i],
 * '"' or '(': the index just past its closing character, or 0 when it is
 * not closed within n bytes. A backslash quotes the byte after it. The
 * one reading of these for every scanner of address fields.
 */
size_t hdrqual_span_end(const char *p, size_t n, size_t i);

#endif
