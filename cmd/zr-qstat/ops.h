/* SPDX-License-Identifier: MIT */
/*
 * ops: the operator's queue operations. Each is one rename (or unlink) per
 * message through lib/queue, so it is safe while zr-send runs: a message
 * in active/ is being delivered and is never touched (QSTAT_BUSY); one
 * that moved meanwhile is looked up again.
 */
#ifndef ZR_QSTAT_OPS_H
#define ZR_QSTAT_OPS_H

#include "buf.h"
#include "queue.h"

enum qstat_op {
	OP_HOLD,		/* todo/, deferred/ -> hold/ */
	OP_RELEASE,		/* hold/ -> todo/<prio> */
	OP_CANCEL,		/* todo/, deferred/, hold/ -> done/cancelled/ */
	OP_RETRY,		/* deferred/ -> todo/<prio> (due now) */
	OP_REMOVE,		/* done/, bad/ -> gone */
	OP_CLEAR_EXPIRED,	/* every done/expired/ -> gone */
	OP_PURGE		/* every done/ -> gone */
};

/* Apply op to id ("all" where it makes sense); an exit code. */
int ops_run(struct queue *, enum qstat_op, const char *id, struct buf *out);
/* The option name of op, for messages. */
const char *ops_name(enum qstat_op);

#endif
