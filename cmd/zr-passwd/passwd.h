/* SPDX-License-Identifier: MIT */
/*
 * passwd: make a control/passwords line from a password on standard input.
 */
#ifndef ZR_PASSWD_H
#define ZR_PASSWD_H

#include "buf.h"

#define PASSWD_USAGE "zr-passwd [-i iterations] user"

struct passwd_conf {
	const char *user;
	unsigned long iterations;
};

/* 1, or 0 for bad usage. */
int passwd_args(struct passwd_conf *, int argc, char **argv);
/* Read the password from in, print "user:hash" to out; an EXIT_* code. */
int passwd_run(const struct passwd_conf *, struct buf *in, struct buf *out);

#endif
