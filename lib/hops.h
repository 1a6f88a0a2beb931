/* SPDX-License-Identifier: MIT */
/*
 * hops: how many times a message has been passed on, read from its header.
 *
 * Every MTA that takes a message adds a Received: field (RFC 5321 4.4) and
 * every local delivery a Delivered-To:; their number is the message's hop
 * count. A message with more than control/maxhops of them is in a mail
 * loop and goes no further (qmail and Postfix count the same two fields).
 * This module is the one place that counts them and the one reader of
 * control/maxhops.
 *
 * The counter is a byte machine fed in pieces of any size, so a message
 * streamed to disk is counted on the way, and hostile input costs one pass
 * and no memory. It counts in the header section only: that ends at the
 * first empty line (LF or CRLF) or at the first line that cannot be a
 * field (RFC 5322 2.2: a name of printable characters other than ':',
 * then ':'), so a body that quotes a header never counts. A line starting
 * with SP or HT continues the field above it (RFC 5322 2.2.3). Names
 * compare without regard to case, and white space before the colon is
 * allowed (RFC 5322 4.5, obsolete syntax). Counters saturate.
 *
 * The limit: a program that adds a trace field (zr-smtpd its Received:,
 * zr-local its Delivered-To:), or hands the message to one that will
 * (zr-send), refuses it when the count with that one added would be more
 * than the limit: hops_over(count, 1, max). zr-inject adds none.
 */
#ifndef ZR_HOPS_H
#define ZR_HOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* control/maxhops when missing: qmail's MAXHOPS. */
#define HOPS_MAX_DEFAULT 100
/* The largest limit control/maxhops may set. */
#define HOPS_MAX_LIMIT 100000

struct hops {
	int state;
	char name[sizeof "delivered-to"];	/* lower case, so far */
	size_t namelen;		/* sizeof name: too long to be ours */
	unsigned long received;
	unsigned long delivered;
};

void hops_init(struct hops *);
/*
 * Count the fields in p (n bytes), the next piece of the message. Returns
 * true once the header section has ended; later pieces are then ignored.
 */
bool hops_feed(struct hops *, const char *p, size_t n);
/* Received: plus Delivered-To: fields seen so far. */
unsigned long hops_count(const struct hops *);
/*
 * Count the header of the message whose content starts at offset off in
 * the file fd (read with pread, the offset of fd is left alone). 1, or 0
 * with errno set on a read error.
 */
int hops_read(struct hops *, int fd, off_t off);
/* Whether count hops, with add more, exceed max. */
bool hops_over(unsigned long count, unsigned long add, unsigned long max);
/*
 * control/maxhops into *max (HOPS_MAX_DEFAULT when the file is missing).
 * 1, or 0 with errno set (EINVAL for 0, a value over HOPS_MAX_LIMIT, or
 * not a number).
 */
int hops_limit(unsigned long *max);

#endif
