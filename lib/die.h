/* SPDX-License-Identifier: MIT */
/*
 * die: diagnostics of one shape, and the exit codes.
 *
 *   zr-inject: fatal: unable to open queue/tmp: Permission denied
 *
 * Messages are built from string pieces, never by hand. die_* write the line
 * to stderr and exit; warn_* write it and return. The _sys variants append
 * ": " and strerror(errno). zr_prog is the only non-static global in lib/.
 */
#ifndef ZR_DIE_H
#define ZR_DIE_H

#include <stdnoreturn.h>

enum {
	EXIT_OK = 0,
	EXIT_PERM = 100,	/* permanent: bad usage or input */
	EXIT_BUG = 101,		/* internal inconsistency; treat as temporary */
	EXIT_TEMP = 111		/* temporary: resources, I/O, peer */
};

extern const char *zr_prog;

noreturn void die_x_(int code, const char *kind, ...);
noreturn void die_sys_(int code, const char *kind, ...);
void warn_x_(const char *kind, ...);
void warn_sys_(const char *kind, ...);

#define die_x(code, ...) die_x_((code), "fatal", __VA_ARGS__, (const char *)0)
#define die_sys(code, ...) die_sys_((code), "fatal", __VA_ARGS__, (const char *)0)
#define die_usage(usage) die_x_(EXIT_PERM, "usage", (usage), (const char *)0)
#define warn_x(...) warn_x_("warning", __VA_ARGS__, (const char *)0)
#define warn_sys(...) warn_sys_("warning", __VA_ARGS__, (const char *)0)
/* An event line: "prog: info: key=value ...". */
#define log_info(...) warn_x_("info", __VA_ARGS__, (const char *)0)

#endif
