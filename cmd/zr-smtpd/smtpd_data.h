/* SPDX-License-Identifier: MIT */
/*
 * smtpd_data: the DATA byte machine (RFC 5321 4.1.1.4 and 4.5.2).
 *
 * It reads the message as sent, ends it only at <CR><LF>.<CR><LF>, removes
 * transparency dots, turns each CRLF into LF, and writes the result to an
 * output buf. A bare CR or LF, a NUL byte, a line of more than 1000
 * octets or a message over the size limit are noted in flags and stop the
 * writing, but not the reading: the machine still ends only at the one
 * true end, so the session stays in step with the client whatever it sent
 * (SMTP smuggling needs a second end of data that a server believes).
 * With lfok (relay and authenticated clients, whose software may send
 * LF-only lines), a bare LF is a line end, stored as CRLF would be; the
 * end of data is still only <CR><LF>.<CR><LF>, and a dot line next to a
 * bare LF, the shape of every smuggled end, is refused.
 *
 * With raw (BDAT, RFC 3030), the octets are the message as they are: no
 * dot is special and nothing in them ends it; the caller counts the chunk
 * and calls smtpd_data_finish after the last one.
 * On the way, the content's trace fields are counted (lib/hops), so that
 * a looping message is known at the end of data without a second pass.
 */
#ifndef ZR_SMTPD_DATA_H
#define ZR_SMTPD_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "hops.h"

/* RFC 5321 4.5.3.1.6: a text line is at most 1000 octets with its CRLF. */
#define SMTPD_TEXT_LINE_MAX 1000

#define DATA_BARE 1u	/* a CR or LF not in a CRLF pair */
#define DATA_NUL 2u	/* a NUL byte */
#define DATA_LONG 4u	/* a line over SMTPD_TEXT_LINE_MAX */
#define DATA_BIG 8u	/* more than max octets */
#define DATA_WERR 16u	/* the output failed (errno in werrno) */

struct smtpd_data {
	int state;
	unsigned flags;
	int werrno;
	size_t linelen;			/* octets of the current line so far */
	unsigned long long size;	/* octets as sent, CRLF counted 2 */
	unsigned long long max;		/* 0: no limit */
	unsigned long long stored;	/* octets written to the output */
	struct hops hops;		/* Received: and Delivered-To: seen */
	bool lfok;			/* a bare LF ends a line (not data) */
	bool raw;			/* BDAT: no dots, no end of data */
};

/* Start a message with the size limit max (0 for none); lfok, raw false. */
void smtpd_data_init(struct smtpd_data *, unsigned long long max);
/*
 * Consume bytes from p (n of them) up to and including the end of data;
 * content goes to out while no flag is set. Returns the bytes consumed;
 * *end is set to 1 when the end of data was among them.
 */
size_t smtpd_data_scan(struct smtpd_data *, const char *p, size_t n,
    struct buf *out, int *end);
/* raw: after the last chunk; a bare CR at the end, or a last line end. */
void smtpd_data_finish(struct smtpd_data *, struct buf *out);

#endif
