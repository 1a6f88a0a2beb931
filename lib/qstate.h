/* SPDX-License-Identifier: MIT */
/*
 * qstate: the side file state/<id>, what changed since a message arrived.
 *
 * Written by the scheduler only once an attempt leaves work pending (or for
 * the record of a finished message); a message without one is untouched:
 * every recipient pending, no attempt made. Format (queue-layout/README):
 *
 *	zr-state 1
 *	attempts 2
 *	next 1795852400
 *	last 1795852280
 *	prio normal
 *	rcpts 2
 *	size 5120
 *	rcpt 0 delivered 1 127.0.0.1:2525 250 2.0.0 Ok: queued
 *	rcpt 1 deferred 2 - 451 4.3.0 Try again later
 *
 * "rcpt INDEX STATUS ATTEMPTS HOST REPLY": INDEX is the recipient's place in
 * the envelope (from 0), HOST is "-" when none was reached, REPLY runs to the
 * end of the line. Recipients without a line are pending. Replies are cleaned
 * on the way in (printable ASCII, at most QSTATE_REPLY_MAX bytes) so that
 * nothing a remote server says can add a line.
 *
 * prio, rcpts and size repeat what the message file says (its envelope's
 * priority and recipient count, the file's size in bytes; the file never
 * changes once queued), so that a reader of a large queue can take what it
 * needs from one small file instead of two. Files written before they
 * existed lack them, and prio and size may be missing from any file: a
 * reader then opens the message file as before. A file whose rcpts differs
 * from the envelope's count is damaged.
 */
#ifndef ZR_QSTATE_H
#define ZR_QSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "zs.h"

enum qstate_status {
	RS_PENDING, RS_DELIVERED, RS_DEFERRED, RS_FAILED, RS_EXPIRED,
	RS_RELAYED,	/* delivered to a next hop without DSN (RFC 3464) */
	RS_COUNT
};

#define QSTATE_REPLY_MAX 512
#define QSTATE_HOST_MAX 300
/* qstate_parse's nrcpt when the caller takes the count from the file. */
#define QSTATE_NRCPT_FILE SIZE_MAX
/* The most recipients it takes so: past this, the envelope is the way. */
#define QSTATE_NRCPT_FILE_MAX 100000u
/* The largest size line a file may carry (bytes). */
#define QSTATE_SIZE_MAX (1ULL << 62)

struct qstate_rcpt {
	enum qstate_status status;
	unsigned attempts;
	char host[QSTATE_HOST_MAX + 1];	/* "" when none */
	char reply[QSTATE_REPLY_MAX + 1];
};

struct qstate {
	unsigned attempts;		/* delivery attempts of the message */
	long long next;			/* next attempt, 0 when none is due */
	long long last;			/* last attempt, 0 when none */
	int prio;			/* enum queue_prio, -1 when unsaid */
	long long size;			/* message file bytes, -1 when unsaid */
	struct qstate_rcpt *rcpt;	/* one per envelope recipient */
	size_t nrcpt;
};

const char *qstate_status_name(enum qstate_status);
int qstate_status_parse(const char *, size_t, enum qstate_status *);

/* An empty state for n recipients, all pending; prio and size unsaid. */
int qstate_init(struct qstate *, size_t nrcpt);
void qstate_free(struct qstate *);
/*
 * Parse a state file for a message of nrcpt recipients into s (which
 * qstate_init need not have prepared). EPROTO when damaged. With nrcpt
 * QSTATE_NRCPT_FILE the count is the file's rcpts line, without the
 * envelope: ENOENT when it has none, or one over QSTATE_NRCPT_FILE_MAX,
 * so that the caller reads the envelope for it.
 */
int qstate_parse(struct qstate *, size_t nrcpt, const char *p, size_t n);
/* Append the file's text to out: rcpts always, prio and size when said. */
int qstate_format(const struct qstate *, struct zs *out);
/* Store host and a cleaned copy of reply (n bytes) for recipient i. */
void qstate_set_reply(struct qstate_rcpt *, const char *host,
    const char *reply, size_t n);

#endif
