/* SPDX-License-Identifier: MIT */
/*
 * qwrite: the one way a new message enters the queue (qmail's
 * qmail_open/put/close). zr-smtpd, zr-inject, zr-local (forwards) and
 * zr-bounce write through it; nobody else creates message files.
 *
 * A message is written in order: qwrite_open creates tmp/<id> (lib/queue
 * queue_create, O_EXCL), qwrite_envelope puts its envelope, qwrite_put
 * and qwrite_puts put the content (trace fields first, then the message),
 * and qwrite_commit publishes it: the file is fdatasync'ed, renamed into
 * todo/<prio> and the directory fsync'ed (lib/queue queue_commit, the only
 * code that renames), then zr-send is woken. That is two syncs and one
 * file creation per message, and a caller may say "queued" (250, exit 0)
 * only after qwrite_commit returned 1. qwrite_abort removes what was
 * written; after a failed call the caller aborts, and after commit or
 * abort the qwrite is spent.
 *
 * Queue-time work has one hook, qwrite_seal() in qwrite.c, which
 * qwrite_commit runs once per message after the last put and before the
 * fdatasync, so whatever it writes is made durable by the same sync and
 * nothing half-done is ever visible. Work that belongs there (DKIM
 * signing of the finished message, header fixes, hop counting) sees every
 * byte of the content pass through qwrite_put in order after the
 * envelope, from offset `content` of the file, and the whole at commit
 * (`size` bytes, `prio` the destination). It must keep the file single
 * and the sync count as it is: a field it adds ahead of the content is
 * written by holding the content's head back in the buffer until commit
 * or by rewriting the same file in place, never through a second file.
 *
 * Today the hook signs with DKIM (lib/dkimsign) when the writer set
 * `sign` after qwrite_open: zr-inject for local submitters, zr-smtpd for
 * relay and authenticated clients; forwards and notices are not signed.
 *
 * Output is buffered (BUF_SIZE); qwrite_flush writes what is pending, so
 * that a caller can tell a write error from a commit error. Functions
 * return 1, or 0 with errno set (EINVAL from qwrite_envelope: a value
 * that cannot be stored).
 */
#ifndef ZR_QWRITE_H
#define ZR_QWRITE_H

#include <stddef.h>

#include "buf.h"
#include "envelope.h"
#include "queue.h"

struct qwrite {
	struct queue *q;
	char id[QUEUE_ID_SIZE];
	int fd;			/* tmp/<id>, -1 when spent */
	unsigned long long content;	/* where the content starts */
	unsigned long long size;	/* bytes put so far */
	int sign;		/* DKIM-sign at commit (lib/dkimsign) */
	struct buf out;
	char space[BUF_SIZE];
};

/*
 * Create tmp/<id>: with a fresh id when id is NULL, else with the id given
 * (a derived message keeps its id across a crash and retry; what a crashed
 * try left in tmp/ is replaced). The id is in w->id.
 */
int qwrite_open(struct qwrite *, struct queue *, const char *id);
/* Put the envelope (its id becomes w->id); the content starts after it. */
int qwrite_envelope(struct qwrite *, struct envelope *);
/* Put n bytes of p (or the string s) of the content. */
int qwrite_put(struct qwrite *, const char *p, size_t n);
int qwrite_puts(struct qwrite *, const char *s);
/* Write what is buffered. */
int qwrite_flush(struct qwrite *);
/*
 * Finish (qwrite_seal), make durable and publish in todo/<prio>, and wake
 * the scheduler. On failure nothing is visible and tmp/<id> is gone.
 */
int qwrite_commit(struct qwrite *, enum queue_prio);
/* Give up: close and remove tmp/<id>. Harmless on a spent qwrite. */
void qwrite_abort(struct qwrite *);

#endif
