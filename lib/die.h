/* SPDX-License-Identifier: MIT */
/*
 * die: diagnostics and event lines of one shape, and the exit codes.
 *
 *   PROG: LEVEL: [id=ID ]FIELD[ FIELD...]
 *   zr-remote: warning: id=ID host=mx.b.test:25 reason="connection lost ..."
 *   zr-smtpd: fatal: reason="unable to open queue" error="Permission denied"
 *
 * LEVEL is fatal, warning or info (usage lines carry the usage text
 * instead of fields). While die_set_id names a message, id=ID comes first
 * on every line. A FIELD is key=value, the key [a-z][a-z0-9_.-]*; a value
 * holding a blank, '"', '\\' or a control byte, or empty, is written in
 * double quotes with '"' and '\\' escaped by '\\' and control bytes as
 * \xHH. Human text never stands bare: it is the field reason= (fatal,
 * warning), and the _sys variants add error= with strerror(errno) last.
 *
 * Lines are built from string pieces, never by hand. When the first piece
 * starts with "key=", the pieces are fields, and the piece DIE_Q before a
 * piece quotes that piece as a value; otherwise the pieces are one text,
 * written as reason=. die_* write the line to stderr and exit; warn_* and
 * log_info write it and return, errno kept. zr_prog is the only
 * non-static global in lib/; the current id is this file's own.
 */
#ifndef ZR_DIE_H
#define ZR_DIE_H

#include <stdnoreturn.h>

#include "zs.h"

enum {
	EXIT_OK = 0,
	EXIT_PERM = 100,	/* permanent: bad usage or input */
	EXIT_BUG = 101,		/* internal inconsistency; treat as temporary */
	EXIT_TEMP = 111		/* temporary: resources, I/O, peer */
};

extern const char *zr_prog;
/* The piece that makes the next piece a quoted-as-needed value. */
extern const char die_q[];
#define DIE_Q die_q

/* The message later lines are about (copied, at most 64 bytes); NULL: none. */
void die_set_id(const char *id);
/* Append v as a field value, quoted as the contract says; 1, or 0 (ENOMEM). */
int die_catq(struct zs *, const char *v);
/* Append "PROG: LEVEL: " and the current id= field, for lines built in a zs. */
int die_catprefix(struct zs *, const char *level);

noreturn void die_x_(int code, const char *kind, ...);
noreturn void die_sys_(int code, const char *kind, ...);
void warn_x_(const char *kind, ...);
void warn_sys_(const char *kind, ...);

#define die_x(code, ...) die_x_((code), "fatal", __VA_ARGS__, (const char *)0)
#define die_sys(code, ...) die_sys_((code), "fatal", __VA_ARGS__, (const char *)0)
#define die_usage(usage) die_x_(EXIT_PERM, "usage", (usage), (const char *)0)
#define warn_x(...) warn_x_("warning", __VA_ARGS__, (const char *)0)
#define warn_sys(...) warn_sys_("warning", __VA_ARGS__, (const char *)0)
/* An event line: "prog: info: [id=ID ]key=value ...". */
#define log_info(...) warn_x_("info", __VA_ARGS__, (const char *)0)

#endif
