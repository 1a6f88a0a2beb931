/* SPDX-License-Identifier: MIT */
/*
 * local: deliver a queued message to recipients of this host's domains.
 *
 * Each recipient's local part names a mailbox under control/localroot,
 * after control/localaliases, which may also name a command ("|cmd") or
 * other addresses (forwarded through the queue). Mailboxes are Maildirs:
 * a file is written in tmp/, synced, and renamed into new/.
 *
 * The results go to standard output in qmail-remote's shape, one report
 * per recipient in argument order, each ended by a NUL: "r" delivered,
 * "h" failed for good, "s" failed for now; then "K" for the message.
 */
#ifndef ZR_LOCAL_H
#define ZR_LOCAL_H

#include "buf.h"

#define LOCAL_USAGE "zr-local [-q queuedir] id index ..."
/* How deep aliases may nest before it is called a loop. */
#define LOCAL_ALIAS_DEPTH 8

struct local_conf {
	const char *queuedir;
	const char *id;
	char **index;
	int nindex;
};

int local_args(struct local_conf *, int argc, char **argv);
/* An EXIT_* code: EXIT_OK whenever reports were written. */
int local_run(const struct local_conf *, struct buf *out);

#endif
