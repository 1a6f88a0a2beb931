/* SPDX-License-Identifier: MIT */
/*
 * notify: the notifications zr-send owes, until zr-bounce has queued them.
 *
 * A notification that is due is first a record, state/<id>.notify-<key>
 * (format in zr-queue(5)), made durable by notify_record before the
 * message may move on. zr-bounce then runs as a child of the loop, with a
 * deadline (control/bouncetimeout), at most NOTIFY_CHILDREN at once: notify_step
 * starts and reaps them without waiting. Only an exit of 0 removes the
 * record; any other end (an exit code, a signal, the deadline) leaves it,
 * and zr-bounce runs again after a back-off (send_retry_delay of the
 * tries). zr-bounce is idempotent per key, so a repeat queues nothing
 * twice. notify_load_name takes up a record a previous run left (load.c
 * walks state/ for them in slices at start-up).
 *
 * The set owns its items and their pipes; notify_stop kills the children
 * (their records stay for the next run) and frees it all.
 *
 * notify_attempt decides, at the end of a message's attempt, which
 * notifications it calls for (RFC 3461 NOTIFY: failures of recipients
 * that did not say never, successes asked for and not reported by the
 * next hop, one delay warning after control/delaywarn) and records them.
 */
#ifndef ZR_SEND_NOTIFY_H
#define ZR_SEND_NOTIFY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "queue.h"
#include "send.h"
#include "zs.h"

#define NOTIFY_CHILDREN 4
/* "<id>.notify-" and a zr-bounce key (BOUNCE_KEY_MAX). */
#define NOTIFY_NAME_MAX (QUEUE_ID_LEN + 8 + 32)

struct notify_item {
	char name[NOTIFY_NAME_MAX + 1];	/* in state/ */
	unsigned long long ino;		/* the message's, for the log */
	unsigned tries;
	unsigned nrcpt;			/* named in the record, for the log */
	long long next;			/* ms: when zr-bounce may run again */
	pid_t pid;			/* 0: not running */
	int rfd;			/* its standard output, or -1 */
	long long deadline;		/* ms */
	struct zs out;			/* the report's id, as printed */
};

struct notify_set {
	struct notify_item *v;
	size_t n, cap, running;
	const char *bounce;		/* the zr-bounce program */
	/* The deadline (bouncetimeout), the back-off (retrybase, retrymax). */
	const struct send_conf *conf;
	unsigned long long queued;	/* reports queued, for the counters */
};

void notify_init(struct notify_set *, const char *bounce,
    const struct send_conf *);
/*
 * Record a notification of kind ("failure", "delay", "success") under key
 * for message id, about the recipients marked in pick (nrcpt entries;
 * NULL: all in the matching status), durably, and schedule it now. 1, or
 * 0 with errno (nothing recorded).
 */
int notify_record(struct notify_set *, struct queue *, const char *id,
    unsigned long long ino, const char *kind, const char *key,
    const unsigned char *pick, size_t nrcpt);
/* Whether state/<id>.notify-<key> or zr-bounce's record of it exists. */
bool notify_known(struct queue *, const char *id, const char *key);
/*
 * Take up state/<name> if it is a notification's record (a regular file)
 * whose message is still in the queue; other names are passed by.
 */
void notify_load_name(struct notify_set *, struct queue *, const char *name);
/* Reap, cut short and start children (none when stopping); now in ms. */
void notify_step(struct notify_set *, struct queue *, long long now,
    bool stopping);
/* The children's pipes, into pf (room for NOTIFY_CHILDREN): their number. */
size_t notify_pollfds(const struct notify_set *, struct pollfd *pf);
/* Read what the children in pf[0..n) printed. */
void notify_input(struct notify_set *, const struct pollfd *pf, size_t n);
/* When notify_step has work next (ms), or -1 for never. */
long long notify_wake(const struct notify_set *, long long now);
void notify_stop(struct notify_set *);

struct send;
struct msg;
/*
 * Record the notifications m's attempt calls for, at now (s); deferred:
 * it goes on being tried, so a delay warning may be due. false when one
 * could not be recorded: m must then not move on.
 */
bool notify_attempt(struct send *, struct msg *m, long long now,
    bool deferred);
/* Whether a recipient delivered in m's attempt asked to hear of it. */
bool notify_success_wanted(const struct msg *m);

#endif
