/* SPDX-License-Identifier: MIT */
/*
 * passwd: make a control/passwords line from a password on standard input.
 */
#ifndef ZR_PASSWD_H
#define ZR_PASSWD_H

#include "buf.h"

#define PASSWD_USAGE "zr-passwd [-i iterations] user | zr-passwd -c [prog]"

struct passwd_conf {
	const char *user;
	unsigned long iterations;
	char **check;		/* -c: checkpassword mode, then this program */
};

/* 1, or 0 for bad usage. */
int passwd_args(struct passwd_conf *, int argc, char **argv);
/*
 * checkpassword(8) against control/passwords: 0 (or the next program run)
 * for a match, 1 for none, 2 for a malformed request, 111 for trouble.
 */
int passwd_check(char **next);
/* Read the password from in, print "user:hash" to out; an EXIT_* code. */
int passwd_run(const struct passwd_conf *, struct buf *in, struct buf *out);

#endif
