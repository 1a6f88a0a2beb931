/* SPDX-License-Identifier: MIT */
/*
 * local: deliver a queued message to recipients of this host's domains.
 *
 * Each recipient's local part names a mailbox under control/localroot,
 * after control/localaliases, which may also name a command ("|cmd") or
 * other addresses (forwarded through the queue). Mailboxes are Maildirs:
 * a file is written in tmp/, synced, and renamed into new/.
 *
 * It reads jobs on standard input and writes reports on standard output
 * exactly as zr-remote does (zr-remote(8)), so that zr-send runs both the
 * same way: per job "Hlocal", then per recipient "r" delivered, "h" failed
 * for good, "s" failed for now, then "K" (or only "Z" when the job could
 * not be done at all), each ended by a NUL.
 */
#ifndef ZR_LOCAL_H
#define ZR_LOCAL_H

#include "buf.h"

#define LOCAL_USAGE "zr-local [-q queuedir] < jobs"
/* How deep aliases may nest before it is called a loop. */
#define LOCAL_ALIAS_DEPTH 8

struct local_conf {
	const char *queuedir;
};

int local_args(struct local_conf *, int argc, char **argv);
/* Do jobs until the end of the input; an EXIT_* code. */
int local_run(const struct local_conf *, struct buf *out);

#endif
