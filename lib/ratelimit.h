/* SPDX-License-Identifier: MIT */
/*
 * ratelimit: events per key per time window, shared by processes through
 * one small file.
 *
 * The file is a fixed table of RATELIMIT_SLOTS slots of RATELIMIT_SLOT
 * bytes, so it never grows past RATELIMIT_FILE_SIZE however many clients
 * come: a 16-byte key (an address from cidr.h), the start of its window
 * (seconds since the epoch) and the count in it, as little-endian numbers.
 * A key hashes to a run of RATELIMIT_PROBE slots; it takes its own slot, an
 * empty or expired one, or else the one whose window began first (so under
 * a flood of distinct keys the oldest are forgotten, never the file grown).
 * Every update holds an fcntl write lock on the whole file; the file is
 * state to share, not to keep, so it is never fsync'ed.
 */
#ifndef ZR_RATELIMIT_H
#define ZR_RATELIMIT_H

#include <stddef.h>

#define RATELIMIT_KEY 16
#define RATELIMIT_SLOT 32
#define RATELIMIT_SLOTS 4096
#define RATELIMIT_PROBE 16
#define RATELIMIT_FILE_SIZE (RATELIMIT_SLOT * RATELIMIT_SLOTS)

/*
 * Count one event for key in the file name under the directory dirfd
 * (created mode 0660 when missing), at time now, allowing limit events per
 * window seconds. Returns 1 when the event is within the limit (and was
 * counted), 0 when it is over (not counted), -1 on error (errno set).
 */
int ratelimit_take(int dirfd, const char *name,
    const unsigned char key[RATELIMIT_KEY], unsigned long long limit,
    unsigned long long window, long long now);
/*
 * The same question without counting: 1 when one more event would be
 * within the limit, 0 when key has used it up in the current window, -1
 * on error. For limits on failures: check before the attempt, take after
 * a failure.
 */
int ratelimit_check(int dirfd, const char *name,
    const unsigned char key[RATELIMIT_KEY], unsigned long long limit,
    unsigned long long window, long long now);

#endif
