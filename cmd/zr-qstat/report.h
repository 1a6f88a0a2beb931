/* SPDX-License-Identifier: MIT */
/*
 * report: what zr-qstat's reports share: the state names, gathering the
 * messages of some directories, loading envelopes and state files.
 */
#ifndef ZR_QSTAT_REPORT_H
#define ZR_QSTAT_REPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "envelope.h"
#include "qstate.h"
#include "queue.h"

/* Directories a state name on the command line stands for. */
struct state_name {
	const char *name;
	const char *json;	/* the key in --json output, or NULL */
	unsigned dirs;		/* bit (1 << enum queue_dir) per directory */
};

#define BIT(d) (1u << (d))
#define TODO_BITS (BIT(QD_TODO_URGENT) | BIT(QD_TODO_HIGH) | \
	BIT(QD_TODO_NORMAL) | BIT(QD_TODO_LOW))
#define PENDING_BITS (TODO_BITS | BIT(QD_ACTIVE) | BIT(QD_DEFERRED) | \
	BIT(QD_HOLD))

/* The state names: those with a json key first, in output order. */
extern const struct state_name qstat_states[];
extern const size_t qstat_nstates;

/* One message as found in a directory. */
struct item {
	char id[QUEUE_ID_SIZE];
	enum queue_dir dir;
	off_t bytes;			/* file size */
};

struct scan {
	struct queue *q;
	enum queue_dir dir;
	struct item *items;
	size_t n, cap;
	unsigned nostat;	/* BIT()s of directories not stat(2)ed */
	int err;
};

/* zr-send writes 20 counters; room for more without a change here. */
#define REPORT_COUNTERS_MAX 48

/* What a summary counts, from one pass over the queue. */
struct report_counts {
	unsigned long long dir[QD_COUNT];	/* messages per directory */
	unsigned long long prio[PRIO_COUNT];	/* pending, by priority */
	unsigned long long total;		/* all but the damaged */
	unsigned long long bytes;		/* of all message files */
	time_t oldest;				/* arrival; 0 when none */
	time_t oldest_pending;			/* the same, of pending ones */
	/* Of the pending messages: */
	double avg_age;				/* seconds in the queue */
	double avg_attempts;			/* delivery attempts so far */
	long long next_retry;			/* earliest next; 0 when none */
	/* Messages by the host of their last attempt (deferred and done). */
	struct report_host {
		char host[QSTATE_HOST_MAX + 1];
		char first[QUEUE_ID_SIZE];	/* its least message id */
		unsigned long long n;
	} *hosts;
	size_t nhosts, hosts_cap;
	/* stats/counters of zr-send: names and values, in file order. */
	struct report_counter {
		char name[32];
		unsigned long long value;
	} counter[REPORT_COUNTERS_MAX];
	size_t ncounters;
	/* When zr-send wrote stats/deferred, if the deferred/ part is its. */
	time_t from_send;
};

/*
 * zr-send's stats/deferred (zr-send(8)) stands in for a read of every
 * deferred message once deferred/ holds this many (ZR_QSTAT_SENDMIN
 * overrides it) and the file is at most REPORT_SEND_FRESH seconds old; zr-send
 * rewrites it every 10 s while nothing changes.
 */
#define REPORT_SENDMIN 10000
#define REPORT_SEND_FRESH 30

/*
 * Count the whole queue; exact: read every deferred message even where
 * stats/deferred would do. 1, or 0 (warned). Free with report_counts_free.
 */
int report_count(struct queue *, struct report_counts *, int exact);
void report_counts_free(struct report_counts *);
/* The messages in the directories of qstat_states[k]. */
unsigned long long report_state_count(const struct report_counts *, size_t k);

/* The state name shown for a directory. */
const char *report_state_name(enum queue_dir);
/* The directories a state name stands for; 0 when unknown. NULL: pending. */
unsigned report_state_mask(const char *name);
/* Every message in the directories of mask, sorted by id (arrival). */
int report_gather(struct queue *, unsigned mask, struct scan *);
/*
 * Read a message's envelope: 1, 0 when gone, damaged (warned) or not a
 * regular file (errno QUEUE_ENOTREG), -1.
 */
int report_load(struct queue *, const struct item *, struct envelope *);
/* The state file, or an all-pending state when there is none. */
int report_load_state(struct queue *, const struct item *, const struct envelope *,
    struct qstate *);

#endif
