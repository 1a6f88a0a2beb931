/* SPDX-License-Identifier: MIT */
/*
 * suspend: operators' suspensions of destinations (zr-qstat --suspend,
 * lib/destsusp records in the queue's suspend/). suspend/ is read at the
 * start and again after each poke of lock/trigger, but only when its
 * mtime changed: a suspension sets its destination's susp_until (making
 * the destination when zr-send has not seen it yet, so that it holds when
 * mail for it comes), replacing a suspension a reply set; a record gone
 * lifts the suspension it set. Either logs one line. Records past their
 * time are removed; the others stay, so a suspension outlives a restart.
 */
#ifndef ZR_SEND_SUSPEND_H
#define ZR_SEND_SUSPEND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct send;

struct suspend_op {
	size_t dest;		/* shape.h index */
	long long until;	/* ms */
};

struct suspend_set {
	bool poke;		/* lock/trigger was poked: look again */
	bool read;		/* suspend/ was read once */
	struct timespec mtime;	/* suspend/'s when it was read */
	long long read_at;	/* ms, when */
	struct suspend_op *v;	/* the suspensions in force */
	size_t n;
};

/* Read suspend/ when due (see above); at now (ms). */
void suspend_turn(struct send *, long long now);
/* Whether an operator's suspension of dest holds at now. */
bool suspend_operator(const struct send *, size_t dest, long long now);
void suspend_free(struct suspend_set *);

#endif
