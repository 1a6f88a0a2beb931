/* SPDX-License-Identifier: MIT */
/*
 * timeoutio: buf operations with a deadline per call, for network peers.
 *
 * Pass a struct timeoutio as the ctx of buf_init with timeoutio_read or
 * timeoutio_write as the operation. A call that waits longer than seconds
 * fails with ETIMEDOUT. The descriptor may be blocking or not.
 */
#ifndef ZR_TIMEOUTIO_H
#define ZR_TIMEOUTIO_H

#include <stddef.h>
#include <sys/types.h>

struct timeoutio {
	unsigned seconds;
};

ssize_t timeoutio_read(int fd, char *p, size_t n, void *ctx);
ssize_t timeoutio_write(int fd, char *p, size_t n, void *ctx);
/* Wait until fd is ready for events (POLLIN/POLLOUT): 1, or 0 (ETIMEDOUT). */
int timeoutio_wait(int fd, short events, unsigned seconds);

#endif
