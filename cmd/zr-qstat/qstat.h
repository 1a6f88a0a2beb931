/* SPDX-License-Identifier: MIT */
/*
 * qstat: queue statistics and inspection. The reports (the summary, -l,
 * -s, -p, -j, --prometheus, --http, and --check without --fix) only read
 * the queue. Three things write it, all through lib/queue:
 *  - the operations (ops.h): --hold, --release, --cancel and --retry move
 *    a message (one rename and a directory sync); --remove, --clear-expired
 *    and --purge unlink terminal messages and their state files;
 *  - --release and --retry then poke lock/trigger to wake zr-send;
 *  - --suspend and --resume write or remove a record in suspend/
 *    (suspend.h) and poke lock/trigger;
 *  - --check --fix sets damaged files, strays and extra copies aside in
 *    bad/ (making bad/ when an older queue lacks it), removes strays that
 *    cannot be moved, and removes state files whose message is gone.
 * It never creates a message, nor edits an envelope or a state file.
 */
#ifndef ZR_QSTAT_H
#define ZR_QSTAT_H

#include "buf.h"

#include "ops.h"

enum qstat_mode {
	QS_SUMMARY, QS_LIST, QS_SHOW, QS_MAILQ, QS_CHECK, QS_OP, QS_PROM,
	QS_POSTQUEUE, QS_HTTP, QS_DESTS, QS_SUSPEND, QS_RESUME
};

struct qstat_conf {
	enum qstat_mode mode;
	int json;
	int exact;		/* --exact: the summary reads all of deferred/ */
	int fix;
	const char *queuedir;
	const char *arg;	/* -l STATE, -s ID, an operation's ID, a DEST */
	const char *dur;	/* --suspend's DURATION, or NULL */
	enum qstat_op op;
};

/* Exit codes beyond EXIT_*: a legitimate "no". */
#define QSTAT_NOTFOUND 1	/* -s: no such message */
#define QSTAT_PROBLEMS 2	/* --check: the queue breaks an invariant */
#define QSTAT_BUSY 3		/* an operation: the message is being delivered */
#define QSTAT_WRONGSTATE 4	/* an operation: not for a message in its state */

#define QSTAT_USAGE "zr-qstat [-q queuedir] [--json | --prometheus | --http] " \
	"[--exact] [-l [state] | -s id | -p | -j | --destinations | --check [--fix] | " \
	"--suspend dest [duration] | --resume dest | " \
	"--hold id|all | " \
	"--release id|all | --cancel id | --retry id|all | --remove id | " \
	"--clear-expired | --purge]"

int qstat_args(struct qstat_conf *, int argc, char **argv);
int qstat_run(const struct qstat_conf *, struct buf *out);

#endif
