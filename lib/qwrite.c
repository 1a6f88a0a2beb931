/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <unistd.h>

#include "dkimsign.h"
#include "qwrite.h"
#include "zs.h"

int
qwrite_open(struct qwrite *w, struct queue *q, const char *id)
{
	w->q = q;
	w->content = w->size = 0;
	w->sign = 0;
	if (id == NULL)
		w->fd = queue_create(q, w->id);
	else if ((w->fd = queue_create_as(q, id)) != -1)
		memcpy(w->id, id, QUEUE_ID_SIZE);
	if (w->fd == -1)
		return 0;
	buf_init(&w->out, buf_write, w->fd, NULL, w->space, sizeof w->space);
	return 1;
}

int
qwrite_put(struct qwrite *w, const char *p, size_t n)
{
	if (n == 0)
		return 1;	/* p may be NULL then (an empty zs) */
	if (!buf_put(&w->out, p, n))
		return 0;
	w->size += n;
	return 1;
}

int
qwrite_puts(struct qwrite *w, const char *s)
{
	return qwrite_put(w, s, strlen(s));
}

int
qwrite_envelope(struct qwrite *w, struct envelope *e)
{
	struct zs head = ZS_INIT;
	int ok;

	memcpy(e->id, w->id, QUEUE_ID_SIZE);
	ok = envelope_format(e, &head) && qwrite_put(w, head.s, head.len);
	zs_free(&head);
	w->content = w->size;
	return ok;
}

int
qwrite_flush(struct qwrite *w)
{
	return buf_flush(&w->out);
}

/*
 * The hook for queue-time work (see qwrite.h): the message is complete
 * here and not yet synced, so a signature written in place is made
 * durable by the commit's own sync.
 */
static int
qwrite_seal(struct qwrite *w, enum queue_prio prio)
{
	(void)prio;
	return !w->sign || dkimsign_file(w->fd);
}

int
qwrite_commit(struct qwrite *w, enum queue_prio prio)
{
	int ok;

	if (!qwrite_flush(w) || !qwrite_seal(w, prio)) {
		qwrite_abort(w);
		return 0;
	}
	/* queue_commit removes the file itself when it fails. */
	ok = queue_commit(w->q, w->id, w->fd, queue_todo(prio));
	w->fd = -1;
	if (ok)
		queue_trigger(w->q);
	return ok;
}

void
qwrite_abort(struct qwrite *w)
{
	if (w->fd == -1)
		return;
	queue_abort(w->q, w->id, w->fd);
	w->fd = -1;
}
