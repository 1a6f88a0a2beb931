/* SPDX-License-Identifier: MIT */
/*
 * destsusp: an operator's suspension of a destination, the record
 * zr-qstat --suspend writes in the queue's suspend/ directory and zr-send
 * reads (zr-queue(5)). One writer, one reader, both through here.
 *
 * A record is one file per destination, named by destsusp_name (the key
 * with every byte that is unsafe in a file name escaped as %XX, so that
 * two keys never share a name), holding:
 *
 *	zr-suspend 1
 *	key DESTINATION
 *	until SECONDS-SINCE-THE-EPOCH
 *
 * An until of 0 (or any time past) lifts the suspension, as no record
 * does. A key is what zr-qstat --destinations prints: printable ASCII without
 * blanks, 1 to DESTSUSP_KEY_MAX bytes. Functions return 1, or 0 with
 * errno set (EINVAL: not a key or not a record; ENAMETOOLONG: a key too
 * long).
 */
#ifndef ZR_DESTSUSP_H
#define ZR_DESTSUSP_H

#include <stddef.h>

#include "zs.h"

/* As its escaped name fits NAME_MAX with tmp/'s "suspend." prefix. */
#define DESTSUSP_KEY_MAX 200
/* Escaped, a key takes at most this many bytes (and a NUL). */
#define DESTSUSP_NAME_MAX 240

/* The latest until a record may hold (2100-01-01), so that ms fit. */
#define DESTSUSP_UNTIL_MAX 4102444800ULL

struct destsusp {
	char key[DESTSUSP_KEY_MAX + 1];
	unsigned long long until;	/* s since the epoch */
};

/* Whether key (n bytes) can be a destination's key; errno as above. */
int destsusp_key_ok(const char *key, size_t n);
/* The file name of key into name (DESTSUSP_NAME_MAX + 1 bytes). */
int destsusp_name(const char *key, char name[DESTSUSP_NAME_MAX + 1]);
/* The record of r, appended to out. */
int destsusp_fmt(const struct destsusp *r, struct zs *out);
/* Parse a record of n bytes into r. */
int destsusp_parse(const char *p, size_t n, struct destsusp *r);

#endif
