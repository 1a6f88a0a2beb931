/* SPDX-License-Identifier: MIT */
/*
 * log: the words of zr-send's event log (zr-send(8) LOG), on standard
 * error, one write per line. qmail-send's words come first, so that its
 * log tools read it, and key=value fields end the line: a message is
 * "msg N" with N its queue file's inode, and its id the last field, id=.
 * Lines that are not qmail-send's have the shape of all zr's lines
 * (zr(7) LOGS): log_begin starts one, "zr-send: LEVEL: [id=ID ]".
 * The log_* appenders return 1, or 0 when memory is short (the line is
 * then not written); log_line writes what was built and empties it.
 */
#ifndef ZR_SEND_LOG_H
#define ZR_SEND_LOG_H

#include "queue.h"
#include "zs.h"

/* Write l and a newline to standard error; l is emptied. */
void log_line(struct zs *l);
/* "zr-send: LEVEL: ", then "id=ID " when id is not NULL. */
int log_begin(struct zs *l, const char *level, const char *id);
/* " key=" and v, quoted as zr(7) says when it needs to be. */
int log_q(struct zs *l, const char *key, const char *v);
/* A number in decimal. */
int log_num(struct zs *l, unsigned long long);
/* "msg N", N an inode number (log_ino). */
int log_msg(struct zs *l, unsigned long long ino);
/* " id=ID". */
int log_id(struct zs *l, const char *id);
/* A report's text as one field, spaces as '_', then '/'. */
int log_report(struct zs *l, const char *text);
/* The inode of a message file, for log_msg; 0 when it cannot be seen. */
unsigned long long log_ino(struct queue *, enum queue_dir, const char *id);

#endif
