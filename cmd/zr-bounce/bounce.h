/* SPDX-License-Identifier: MIT */
/*
 * bounce: queue a delivery status notification about one message.
 *
 * Run by zr-send (or by hand) after an attempt decided recipients' fates.
 * It reads the message and its state file, picks the recipients the
 * notification is about (those named, or all in the matching status),
 * honours their NOTIFY, and queues the report with the null sender.
 * Idempotent: the report's id is recorded in state/<id>.dsn-<key> before
 * the report is written, so running it again for the same key queues
 * nothing new (or finishes what a crash interrupted).
 */
#ifndef ZR_BOUNCE_H
#define ZR_BOUNCE_H

#include <stddef.h>

#include "buf.h"

enum bounce_kind { BK_FAILURE, BK_DELAY, BK_SUCCESS };

#define BOUNCE_KEY_MAX 32
#define BOUNCE_USAGE "zr-bounce [-q queuedir] -t failure|delay|success " \
	"-k key id [index ...]"

struct bounce_conf {
	enum bounce_kind kind;
	const char *key;
	const char *id;
	const char *queuedir;
	char **index;		/* recipient indexes, or none: by status */
	int nindex;
};

int bounce_args(struct bounce_conf *, int argc, char **argv);
/* An EXIT_* code; prints the report's id, when one was queued, to out. */
int bounce_run(const struct bounce_conf *, struct buf *out);

#endif
