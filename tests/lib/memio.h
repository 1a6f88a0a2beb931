/* SPDX-License-Identifier: MIT */
/*
 * memio: in-memory read and write operations for struct buf (lib/buf.h),
 * header only, so that protocol code runs in unit tests and fuzzers
 * without descriptors.
 *
 *	struct memio_in in = { "EHLO x\r\n", 8, 0 };
 *	struct zs out = ZS_INIT;
 *	buf_init(&rd, memio_read, -1, &in, space, sizeof space);
 *	buf_init(&wr, memio_write, -1, &out, space2, sizeof space2);
 */
#ifndef ZR_MEMIO_H
#define ZR_MEMIO_H

#include <string.h>
#include <sys/types.h>

#include "zs.h"

/* What is left to read; at most piece bytes a call (0: no limit). */
struct memio_in {
	const char *p;
	size_t n;
	size_t piece;
};

static inline ssize_t
memio_read(int fd, char *p, size_t n, void *ctx)
{
	struct memio_in *m = ctx;

	(void)fd;
	if (n > m->n)
		n = m->n;
	if (m->piece != 0 && n > m->piece)
		n = m->piece;
	memcpy(p, m->p, n);
	m->p += n;
	m->n -= n;
	return (ssize_t)n;
}

/* Append what is written to the struct zs ctx. */
static inline ssize_t
memio_write(int fd, char *p, size_t n, void *ctx)
{
	(void)fd;
	return zs_catb(ctx, p, n) ? (ssize_t)n : -1;
}

/* Take what is written and keep nothing. */
static inline ssize_t
memio_discard(int fd, char *p, size_t n, void *ctx)
{
	(void)fd;
	(void)p;
	(void)ctx;
	return (ssize_t)n;
}

#endif
