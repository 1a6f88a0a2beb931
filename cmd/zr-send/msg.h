/* SPDX-License-Identifier: MIT */
/*
 * msg: a message's attempt, from its jobs to where it goes.
 *
 * start_msg (send.c) takes a message into active/ and makes one job per
 * route; each recipient's result is recorded (msg_rcpt_result) as its
 * job's report comes (msg_job_done). When the last job is done the
 * attempt is over (msg_finish): the scheduling core (sched.h) says
 * whether the message is tried again and when, or given up, or which
 * terminal state it takes; its state file and the notifications it calls
 * for are made durable, and only then is it moved there. A message whose
 * state the disk cannot take waits in deferred/ with its results in
 * memory (msg_unsaved) and is saved again every UNSAVED_RETRY seconds
 * (msg_unsaved_turn). Every step writes its line to the log.
 *
 * msg_finish frees the message (or keeps it among the unsaved); a job is
 * freed by msg_job_done.
 */
#ifndef ZR_SEND_MSG_H
#define ZR_SEND_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"
#include "route.h"
#include "zs.h"

/*
 * The start of an attempt: move id from from into active/ and read it,
 * its envelope and its state. 1 with *out the message, or with *out NULL
 * when it was set aside (a stray, a damaged envelope); 0 when it was
 * gone; -1 on trouble, with the file moved back. *loops: NULL, or why
 * the message is in a mail loop (control/maxhops; its text in loop).
 */
int msg_open(struct send *, const char *id, enum queue_prio prio,
    enum queue_dir from, struct zs *loop, struct msg **out,
    const char **loops);
void msg_free(struct msg *);
/* A job of m for the hosts of set, in the order route_order gives at now. */
struct job *msg_job_new(struct msg *m, struct route_set *set, long long now);
void msg_job_free(struct job *);
/*
 * Job j starts: its recipients get their delivery numbers and their
 * "starting delivery" lines, which "delivery N:" lines will close. A job
 * that never starts (parked) has neither.
 */
void msg_job_begin(struct send *, struct job *j);
/*
 * Record recipient i's result st with its reply text (from host, with the
 * TLS facts tls, both may be NULL) as delivery number dnum, and log it.
 */
void msg_rcpt_result(struct send *, struct msg *m, size_t i,
    unsigned long long dnum, enum qstate_status st, const char *host,
    const char *tls, const char *text);
/*
 * Job j is over: out is its report (NULL when there is none, and every
 * recipient is deferred with why). Frees j; finishes the message with
 * its last job.
 */
void msg_job_done(struct send *, struct job *j, const struct zs *out,
    const char *why);
/*
 * Job j does not run in this attempt: its destination makes it wait
 * until until (ms; limit_park). Its recipients keep their state. Frees
 * j; a message whose jobs were all parked goes back to deferred/ due
 * then, without counting an attempt (its retry schedule stays as it was).
 */
void msg_job_park(struct send *, struct job *j, long long until);
/* Every job of m is done: decide where it goes, save it, move it. */
void msg_finish(struct send *, struct msg *m);
/* Whether id is in deferred/ with its results in memory only. */
bool msg_unsaved(const struct send *, const char *id);
/* Save those whose time has come (now in s), or all of them. */
void msg_unsaved_turn(struct send *, long long now, bool all);

#endif
