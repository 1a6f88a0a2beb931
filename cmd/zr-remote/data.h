/* SPDX-License-Identifier: MIT */
/*
 * data: stored content to SMTP DATA on the wire (RFC 5321 4.5.2, 2.3.8).
 *
 * The queue holds content in Unix form: lines end in LF, no dot-stuffing.
 * On the wire every line ends in CRLF, a line starting with '.' gets one
 * more, and the end is exactly one CRLF "." CRLF. A CR that is not
 * followed by LF goes out as CRLF, so no bare CR or LF ever leaves; a
 * CRLF already in the content stays one line end. State carries across
 * calls, so the content may come in pieces of any size. For BDAT
 * (RFC 3030) the line ends are the same but nothing is dot-stuffed and
 * there is no final dot: stuff false, and data_close ends it.
 */
#ifndef ZR_REMOTE_DATA_H
#define ZR_REMOTE_DATA_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

struct data_enc {
	bool bol;		/* at the start of a line */
	bool cr;		/* a CR was seen and not yet written */
	bool stuff;		/* dot-stuff: DATA, not BDAT */
	unsigned long long lines;
};

/* For DATA: dot-stuffing on; a BDAT caller sets stuff false after. */
void data_init(struct data_enc *);
/* Encode n bytes of content into out. 1, or 0 with errno. */
int data_put(struct data_enc *, struct buf *out, const char *p, size_t n);
/* Close the last line if it is open. 1, or 0. */
int data_close(struct data_enc *, struct buf *out);
/* data_close, then ".\r\n". 1, or 0. */
int data_end(struct data_enc *, struct buf *out);

#endif
