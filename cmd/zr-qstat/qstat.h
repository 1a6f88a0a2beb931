/* SPDX-License-Identifier: MIT */
/*
 * qstat: queue statistics and inspection. Reads the queue, never writes it,
 * except `--check --fix`, which sets damaged files aside in bad/.
 */
#ifndef ZR_QSTAT_H
#define ZR_QSTAT_H

#include "buf.h"

enum qstat_mode { QS_SUMMARY, QS_LIST, QS_SHOW, QS_MAILQ, QS_CHECK };

struct qstat_conf {
	enum qstat_mode mode;
	int json;
	int fix;
	const char *queuedir;
	const char *arg;	/* -l STATE, -s ID */
};

/* Exit codes beyond EXIT_*: a legitimate "no". */
#define QSTAT_NOTFOUND 1	/* -s: no such message */
#define QSTAT_PROBLEMS 2	/* --check: the queue breaks an invariant */

#define QSTAT_USAGE "zr-qstat [-q queuedir] [--json] [-l [state] | " \
	"-s id | -p | --check [--fix]]"

int qstat_args(struct qstat_conf *, int argc, char **argv);
int qstat_run(const struct qstat_conf *, struct buf *out);

#endif
