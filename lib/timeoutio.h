/* SPDX-License-Identifier: MIT */
/*
 * timeoutio: buf operations with a deadline per call, for network peers.
 *
 * Pass a struct timeoutio as the ctx of buf_init with timeoutio_read or
 * timeoutio_write as the operation. A call that waits longer than seconds
 * fails with ETIMEDOUT. A deadline, when set, bounds a whole exchange of
 * many calls (a peer sending a byte a second meets every per-call limit):
 * a wait that reaches it fails with ETIME instead, so that callers can say
 * which limit was hit. The descriptor may be blocking or not.
 */
#ifndef ZR_TIMEOUTIO_H
#define ZR_TIMEOUTIO_H

#include <stddef.h>
#include <sys/types.h>

struct timeoutio {
	unsigned seconds;
	long long deadline;	/* from timeoutio_deadline; 0: none */
};

ssize_t timeoutio_read(int fd, char *p, size_t n, void *ctx);
ssize_t timeoutio_write(int fd, char *p, size_t n, void *ctx);
/* Wait until fd is ready for events (POLLIN/POLLOUT): 1, or 0 (ETIMEDOUT). */
int timeoutio_wait(int fd, short events, unsigned seconds);
/* The same, but no later than deadline (0: none), else 0 with ETIME. */
int timeoutio_wait_until(int fd, short events, unsigned seconds,
    long long deadline);
/* The deadline seconds from now (a monotonic clock, in ms). */
long long timeoutio_deadline(unsigned seconds);

#endif
