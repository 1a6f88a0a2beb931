/* SPDX-License-Identifier: MIT */
/*
 * proc: the other programs zr runs: where its own are, and waiting for a
 * child.
 *
 * zr's programs are installed side by side; one that runs another finds
 * it in its own directory (/proc/self/exe), so that a tree built under
 * bin/ runs its own programs, not installed ones. What to do when that
 * directory cannot be known (no /proc) is the caller's: a fixed path, or
 * the bare name for a $PATH search.
 */
#ifndef ZR_PROC_H
#define ZR_PROC_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The path of the program name beside this one into buf (size bytes): 1,
 * or 0 with errno when this program's directory cannot be read or the
 * path does not fit (ENAMETOOLONG). Whether it exists is not checked.
 */
int proc_sibling(const char *name, char *buf, size_t size);
/*
 * waitpid(pid, status, 0), restarted after EINTR: pid, or -1 with errno.
 * status may be NULL.
 */
pid_t proc_wait(pid_t pid, int *status);

#endif
