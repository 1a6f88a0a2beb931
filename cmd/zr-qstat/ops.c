/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "ops.h"
#include "out.h"
#include "qstat.h"
#include "report.h"

static const char *const names[] = {
	[OP_HOLD] = "hold", [OP_RELEASE] = "release", [OP_CANCEL] = "cancel",
	[OP_RETRY] = "retry", [OP_REMOVE] = "remove",
	[OP_CLEAR_EXPIRED] = "clear-expired", [OP_PURGE] = "purge",
};

/* Past tense for the report line. */
static const char *const done_names[] = {
	[OP_HOLD] = "held", [OP_RELEASE] = "released",
	[OP_CANCEL] = "cancelled", [OP_RETRY] = "due now",
	[OP_REMOVE] = "removed", [OP_CLEAR_EXPIRED] = "removed",
	[OP_PURGE] = "removed",
};

const char *
ops_name(enum qstat_op op)
{
	return names[op];
}

#define TERMINAL_BITS (BIT(QD_DONE_DELIVERED) | BIT(QD_DONE_PARTIAL) | \
	BIT(QD_DONE_FAILED) | BIT(QD_DONE_EXPIRED) | BIT(QD_DONE_CANCELLED))

/* Where op may take a message from. */
static unsigned
sources(enum qstat_op op)
{
	switch (op) {
	case OP_HOLD:
		return TODO_BITS | BIT(QD_DEFERRED);
	case OP_RELEASE:
		return BIT(QD_HOLD);
	case OP_CANCEL:
		return TODO_BITS | BIT(QD_DEFERRED) | BIT(QD_HOLD);
	case OP_RETRY:
		return BIT(QD_DEFERRED);
	case OP_REMOVE:
		return TERMINAL_BITS | BIT(QD_BAD);
	case OP_CLEAR_EXPIRED:
		return BIT(QD_DONE_EXPIRED);
	case OP_PURGE:
		return TERMINAL_BITS;
	}
	return 0;
}

/* The todo/ directory of a message, from its envelope. */
static int
todo_of(struct queue *q, enum queue_dir from, const char *id,
    enum queue_dir *to)
{
	struct envelope e;
	int fd = queue_openmsg(q, from, id), ok;

	if (fd == -1)
		return 0;
	envelope_init(&e);
	ok = envelope_read(&e, fd);
	close(fd);
	if (ok)
		*to = queue_todo(e.prio);
	envelope_free(&e);
	return ok;
}

/* Apply op to one message found in from; an exit code. */
static int
apply(struct queue *q, enum qstat_op op, const char *id, enum queue_dir from,
    struct buf *out)
{
	enum queue_dir to = QD_HOLD;

	switch (op) {
	case OP_HOLD:
		to = QD_HOLD;
		break;
	case OP_CANCEL:
		to = QD_DONE_CANCELLED;
		break;
	case OP_RELEASE:
	case OP_RETRY:
		if (!todo_of(q, from, id, &to)) {
			warn_sys("unable to read the envelope of ", id);
			return errno == ENOENT ? QSTAT_NOTFOUND : EXIT_TEMP;
		}
		break;
	case OP_REMOVE:
	case OP_CLEAR_EXPIRED:
	case OP_PURGE:
		if (!queue_remove(q, from, id)) {
			warn_sys("unable to remove ", queue_dir_name(from), "/", id);
			return errno == ENOENT ? QSTAT_NOTFOUND : EXIT_TEMP;
		}
		if (!queue_state_remove(q, id))
			warn_sys("unable to remove state/", id);
		goto report;
	}
	if (!queue_move(q, id, from, to)) {
		/* ENOENT: zr-send took it meanwhile; the caller may try again. */
		if (errno == ENOENT) {
			warn_x("message moved while being changed: ", id);
			return QSTAT_BUSY;
		}
		warn_sys("unable to move ", queue_dir_name(from), "/", id);
		return EXIT_TEMP;
	}
report:
	out_s(out, id);
	out_s(out, " ");
	out_s(out, done_names[op]);
	out_s(out, "\n");
	return EXIT_OK;
}

static int
one(struct queue *q, enum qstat_op op, const char *id, struct buf *out)
{
	enum queue_dir from;
	struct stat st;
	int r;

	if (!queue_id_valid(id)) {
		warn_x("not a queue id: ", id);
		return EXIT_PERM;
	}
	r = queue_locate(q, id, &from);
	if (r == -1) {
		warn_sys("unable to search ", q->root);
		return EXIT_TEMP;
	}
	if (r == 0) {
		warn_x("no such message: ", id);
		return QSTAT_NOTFOUND;
	}
	/* A stray is no message: it is --check --fix's to set aside. */
	if (queue_stat(q, from, id, &st) == 1 && !S_ISREG(st.st_mode)) {
		warn_x("not a regular file: ", queue_dir_name(from), "/", id,
		    " (zr-qstat --check --fix sets it aside)");
		return QSTAT_NOTFOUND;
	}
	if (from == QD_ACTIVE && (sources(op) & TODO_BITS)) {
		warn_x("being delivered now; try again after the attempt: ", id);
		return QSTAT_BUSY;
	}
	if (!(sources(op) & BIT(from))) {
		warn_x("cannot ", names[op], " a message that is ",
		    report_state_name(from), ": ", id);
		return QSTAT_WRONGSTATE;
	}
	return apply(q, op, id, from, out);
}

int
ops_run(struct queue *q, enum qstat_op op, const char *id, struct buf *out)
{
	unsigned long long n = 0;
	struct scan s;
	size_t i;
	int code = EXIT_OK;

	if (id != NULL && strcmp(id, "all") != 0)
		return one(q, op, id, out);
	if (op == OP_REMOVE || op == OP_CANCEL) {
		/* Too easy to regret: these take ids one by one. */
		warn_x("--", names[op], " takes a queue id, not all");
		return EXIT_PERM;
	}
	if (!report_gather(q, sources(op), &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		int r = apply(q, op, s.items[i].id, s.items[i].dir, out);

		if (r == EXIT_OK)
			n++;
		else if (r == EXIT_TEMP)
			code = EXIT_TEMP;
	}
	free(s.items);
	out_u(out, n);
	out_s(out, n == 1 ? " message " : " messages ");
	out_s(out, done_names[op]);
	out_s(out, "\n");
	return code;
}
