/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

int
proc_sibling(const char *name, char *buf, size_t size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self);
	size_t dl, nl = strlen(name);
	char *slash;

	if (n <= 0)
		return 0;
	if ((size_t)n == sizeof self) {
		errno = ENAMETOOLONG;	/* perhaps cut short */
		return 0;
	}
	self[n] = '\0';
	/* The link is absolute: its last slash ends the directory. */
	slash = strrchr(self, '/');
	if (slash == NULL) {
		errno = ENOENT;
		return 0;
	}
	dl = (size_t)(slash - self);
	if (dl + 1 + nl >= size) {
		errno = ENAMETOOLONG;
		return 0;
	}
	memcpy(buf, self, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	return 1;
}

pid_t
proc_wait(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r == -1 && errno == EINTR);
	return r;
}
