/* SPDX-License-Identifier: MIT */
/*
 * headers: the header section of a message handed to zr-inject.
 *
 * Fields are kept as their raw bytes (continuation lines included, each
 * line ending in LF) so that they are written back unchanged. Address
 * lists (To, Cc, Bcc) are taken apart following RFC 5322 3.4: display
 * names, comments, quoted strings, angle addresses and groups.
 */
#ifndef ZR_INJECT_HEADERS_H
#define ZR_INJECT_HEADERS_H

#include <stddef.h>

#include "zs.h"

struct hdr_field {
	size_t off;		/* into headers.raw */
	size_t len;		/* the whole field, through its last LF */
	size_t namelen;		/* bytes before the ':' */
};

struct headers {
	struct zs raw;
	struct hdr_field *f;
	size_t n;
	size_t cap;
};

/* Whether line (n bytes, LF included) starts a header field. */
int headers_is_field(const char *line, size_t n);
/* Append a field line, or a continuation line to the last field. */
int headers_add(struct headers *, const char *line, size_t n, int continuation);
/* The index of the first field called name (case-insensitive), or -1. */
long headers_find(const struct headers *, const char *name, size_t from);
/* The value of field i (after the ':'), unfolded: CR/LF become spaces. */
int headers_value(const struct headers *, size_t i, struct zs *out);
/*
 * Append each address of an RFC 5322 address list to out, NUL after each;
 * *count is increased. Returns 1, or 0 with errno EINVAL at the first
 * address that cannot be read.
 */
int headers_addresses(const char *value, size_t n, struct zs *out,
    size_t *count);
void headers_free(struct headers *);

#endif
