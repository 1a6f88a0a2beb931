/* SPDX-License-Identifier: MIT */
/*
 * smtpreply: a server's reply, parsed from bytes nobody vouches for.
 *
 * A reply is one or more lines "ddd-text" ending with "ddd text" (RFC 5321
 * 4.2); a line that is only a code ends it too. The parser is a byte
 * machine fed in pieces, so that a megabyte with no line end, NUL and
 * control bytes all stay bounded: a line keeps at most SMTPREPLY_LINE_MAX
 * bytes, a reply at most SMTPREPLY_TOTAL_MAX bytes in all before it is
 * called overflowed. Kept text is cleaned (printable ASCII; anything else
 * becomes '?') so that it can go into a log line or a report as it is.
 *
 * When the lines of a multi-line reply carry different codes, the last
 * line's code counts (as Postfix does) and mixed is set for the log. A line
 * that does not start with a code, an overflow, or a code outside 2xx-5xx
 * makes the reply malformed: code 0, which callers treat as temporary.
 * The struct owns its memory; smtpreply_free releases it.
 */
#ifndef ZR_SMTPREPLY_H
#define ZR_SMTPREPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "zs.h"

struct buf;

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with CRLF. */
#define SMTPREPLY_LINE_MAX 512
/* All the lines of one reply; a longer one is hostile, not informative. */
#define SMTPREPLY_TOTAL_MAX 65536
/* The one-line rendering used in reports and logs. */
#define SMTPREPLY_TEXT_MAX 512

struct smtpreply {
	int code;		/* 200..599, or 0 when malformed */
	unsigned nlines;
	bool done;		/* the reply is complete */
	bool mixed;		/* lines with different codes */
	bool malformed;		/* no usable code */
	bool overflow;		/* more than SMTPREPLY_TOTAL_MAX bytes */
	bool truncated;		/* some line was cut to SMTPREPLY_LINE_MAX */
	struct zs lines;	/* cleaned lines, each ending in '\n' */
	/* parser state */
	struct zs cur;		/* the raw line being read, at most LINE_MAX */
	size_t curlen;		/* its real length */
	size_t total;
	int lastcode;
};

/* Ready for a new reply (keeps the memory of a previous one). */
void smtpreply_init(struct smtpreply *);
void smtpreply_free(struct smtpreply *);
/*
 * Consume bytes of p (n) until the reply is complete; *used says how many
 * were taken. Returns 1 when complete, 0 when more is needed, -1 when out
 * of memory.
 */
int smtpreply_feed(struct smtpreply *, const char *p, size_t n, size_t *used);
/*
 * Read one whole reply from in. 1 when complete, 0 when the peer closed
 * the connection first, -1 on an error (errno: ETIMEDOUT, ENOMEM, ...).
 */
int smtpreply_read(struct buf *in, struct smtpreply *);
/*
 * The reply on one line, "451 first line / second line": the code that
 * counts, then the texts of the lines (a malformed reply's first line is
 * given as it came), bounded by
 * SMTPREPLY_TEXT_MAX and NUL-terminated, into out (at least
 * SMTPREPLY_TEXT_MAX + 1 bytes). Returns its length.
 */
size_t smtpreply_text(const struct smtpreply *, char *out);
/*
 * Line i (from 0) without its code and separator, and its length; NULL
 * past the last line. For EHLO keywords.
 */
const char *smtpreply_line(const struct smtpreply *, unsigned i, size_t *n);

#endif
