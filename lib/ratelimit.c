/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ratelimit.h"

_Static_assert(RATELIMIT_KEY + 8 + 4 <= RATELIMIT_SLOT, "slot too small");
_Static_assert(RATELIMIT_PROBE <= RATELIMIT_SLOTS, "probe too long");

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* FNV-1a: cheap and good enough to spread addresses over the table. */
static size_t
slot_of(const unsigned char key[RATELIMIT_KEY])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < RATELIMIT_KEY; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	/* A run of probes never wraps around the end of the table. */
	return h % (RATELIMIT_SLOTS - RATELIMIT_PROBE + 1);
}

static int
lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) == -1)
		if (errno != EINTR)
			return 0;
	return 1;
}

/* Both operations: the same lookup; only take writes the count back. */
static int
lookup(int dirfd, const char *name, const unsigned char key[RATELIMIT_KEY],
    unsigned long long limit, unsigned long long window, long long now,
    bool take)
{
	unsigned char run[RATELIMIT_SLOT * RATELIMIT_PROBE], *slot = NULL;
	size_t first = slot_of(key), i;
	off_t off = (off_t)first * RATELIMIT_SLOT;
	uint64_t t = now > 0 ? (uint64_t)now : 0, oldest = UINT64_MAX;
	ssize_t r;
	int fd, result = -1;

	/* In the queue's lock/: never through a symlink (zr-queue(5)). */
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0660);
	if (fd == -1)
		return -1;
	if (!lock(fd, F_WRLCK))
		goto out;
	/* A short read (a new or truncated file) reads as empty slots. */
	memset(run, 0, sizeof run);
	r = buf_pread_all(fd, (char *)run, sizeof run, off);
	if (r == -1)
		goto out;
	for (i = 0; i < RATELIMIT_PROBE; i++) {
		unsigned char *p = run + i * RATELIMIT_SLOT;

		if (memcmp(p, key, RATELIMIT_KEY) == 0 &&
		    get64(p + RATELIMIT_KEY) != 0) {
			slot = p;
			break;
		}
	}
	if (slot == NULL) {
		/* A free or expired slot, else the oldest window. */
		for (i = 0; i < RATELIMIT_PROBE; i++) {
			unsigned char *p = run + i * RATELIMIT_SLOT;
			uint64_t start = get64(p + RATELIMIT_KEY);

			if (start == 0 || start > t || t - start >= window) {
				slot = p;
				break;
			}
			if (start < oldest) {
				oldest = start;
				slot = p;
			}
		}
		memcpy(slot, key, RATELIMIT_KEY);
		put64(slot + RATELIMIT_KEY, 0);
	}
	{
		uint64_t start = get64(slot + RATELIMIT_KEY);
		uint32_t count = 0;
		int k;

		for (k = 3; k >= 0; k--)
			count = count << 8 | slot[RATELIMIT_KEY + 8 + k];
		/* A clock that went back starts a new window too. */
		if (start == 0 || start > t || t - start >= window) {
			start = t != 0 ? t : 1;
			count = 0;
		}
		if (count >= limit || count == UINT32_MAX) {
			result = 0;
			goto out;
		}
		if (!take) {
			result = 1;
			goto out;
		}
		count++;
		put64(slot + RATELIMIT_KEY, start);
		for (k = 0; k < 4; k++, count >>= 8)
			slot[RATELIMIT_KEY + 8 + k] =
			    (unsigned char)(count & 0xff);
	}
	{
		off_t soff = off + (off_t)(slot - run);

		if (!buf_pwrite_all(fd, (const char *)slot, RATELIMIT_SLOT,
		    soff))
			goto out;
	}
	result = 1;
out:
	{
		int saved = errno;

		/* Closing the descriptor releases the lock. */
		close(fd);
		errno = saved;
	}
	return result;
}

int
ratelimit_take(int dirfd, const char *name,
    const unsigned char key[RATELIMIT_KEY], unsigned long long limit,
    unsigned long long window, long long now)
{
	return lookup(dirfd, name, key, limit, window, now, true);
}

int
ratelimit_check(int dirfd, const char *name,
    const unsigned char key[RATELIMIT_KEY], unsigned long long limit,
    unsigned long long window, long long now)
{
	return lookup(dirfd, name, key, limit, window, now, false);
}
