/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "timeoutio.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
timeoutio_deadline(unsigned seconds)
{
	return now_ms() + (long long)seconds * 1000;
}

int
timeoutio_wait(int fd, short events, unsigned seconds)
{
	return timeoutio_wait_until(fd, events, seconds, 0);
}

int
timeoutio_wait_until(int fd, short events, unsigned seconds, long long until)
{
	long long deadline = now_ms() + (long long)seconds * 1000;
	struct pollfd p = { .fd = fd, .events = events };
	bool whole = until > 0 && until < deadline;

	if (whole)
		deadline = until;
	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0) {
			errno = whole ? ETIME : ETIMEDOUT;
			return 0;
		}
		r = poll(&p, 1, left > 1000000000 ? 1000000000 : (int)left);
		if (r > 0)
			return 1;	/* ready, or an error the call will report */
		if (r == -1 && errno != EINTR)
			return 0;
	}
}

ssize_t
timeoutio_read(int fd, char *p, size_t n, void *ctx)
{
	const struct timeoutio *t = ctx;
	ssize_t r;

	if (!timeoutio_wait_until(fd, POLLIN, t->seconds, t->deadline))
		return -1;
	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

ssize_t
timeoutio_write(int fd, char *p, size_t n, void *ctx)
{
	const struct timeoutio *t = ctx;
	ssize_t r;

	if (!timeoutio_wait_until(fd, POLLOUT, t->seconds, t->deadline))
		return -1;
	do
		r = write(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}
