/* SPDX-License-Identifier: MIT */
/*
 * syncwatch: count the fsync(2) and fdatasync(2) calls a unit test makes
 * through lib/ (the test program's definitions stand in front of libc's),
 * and let the test look at the queue at the moment of each one. Include
 * it in one file of a test program only.
 */
#ifndef ZR_SYNCWATCH_H
#define ZR_SYNCWATCH_H

#include <sys/syscall.h>
#include <unistd.h>

static int syncwatch_datasyncs, syncwatch_syncs;
/* Called before each sync (datasync 1 for fdatasync), when set. */
static void (*syncwatch_hook)(int datasync, int fd);

int fdatasync(int);
int fsync(int);

int
fdatasync(int fd)
{
	syncwatch_datasyncs++;
	if (syncwatch_hook != NULL)
		syncwatch_hook(1, fd);
	return (int)syscall(SYS_fdatasync, fd);
}

int
fsync(int fd)
{
	syncwatch_syncs++;
	if (syncwatch_hook != NULL)
		syncwatch_hook(0, fd);
	return (int)syscall(SYS_fsync, fd);
}

#endif
