/* SPDX-License-Identifier: MIT */
/*
 * parked: the messages parked in deferred/ and the destinations (shape.h)
 * each waits for, so that a destination's count of queued mail includes
 * them, and so that lifting its suspension can make them due. Pure data:
 * one set for all destinations, sorted by id then destination, so that a
 * message read again is looked up once, however many destinations there
 * are.
 *
 * An id goes in when its message lands in deferred/ parked for the
 * destination, and out when the message is read again (to be tried, or
 * found gone). A message an operator took out of deferred/ meanwhile
 * (cancelled, held) leaves at the next complete read of deferred/: the
 * read marks what it finds (parked_seen) and parked_sweep drops the rest
 * that were there when it began. Functions that add return 1, or 0 with
 * errno ENOMEM and the set unchanged.
 */
#ifndef ZR_SEND_PARKED_H
#define ZR_SEND_PARKED_H

#include <stdbool.h>
#include <stddef.h>

#include "queue.h"

#define PARKED_NONE ((size_t)-1)

struct parked_id {
	char id[QUEUE_ID_SIZE];
	size_t dest;
	bool seen;		/* by the read of deferred/ under way */
};

struct parked_set {
	struct parked_id *v;
	size_t n, cap;
};

/* id is parked for dest (again: kept once); *added says whether anew. */
int parked_add(struct parked_set *, const char *id, size_t dest,
    bool *added);
/*
 * id is parked no longer: one of its entries goes, and its destination
 * is returned, or PARKED_NONE when there is none left. Call until then.
 */
size_t parked_del(struct parked_set *, const char *id);
bool parked_has(const struct parked_set *, const char *id, size_t dest);
/* A read of deferred/ begins: nothing is seen yet. */
void parked_unsee(struct parked_set *);
/* The read found id in deferred/. */
void parked_seen(struct parked_set *, const char *id);
/* The read is complete: drop what it did not find; how many. */
size_t parked_sweep(struct parked_set *);
/* How many are parked for dest. */
size_t parked_count(const struct parked_set *, size_t dest);
void parked_free(struct parked_set *);

#endif
