/* SPDX-License-Identifier: MIT */
/*
 * wire: zr-remote's side of the SMTP conversation, below the commands:
 * queue a command's text, read a reply in step, see a reply nobody asked
 * for, and keep the last failure's words in r->why (which is also
 * logged). Every part of zr-remote that talks to a server goes through
 * these; none of them closes the connection.
 */
#ifndef ZR_REMOTE_WIRE_H
#define ZR_REMOTE_WIRE_H

#include <stdbool.h>

#include "remote.h"

/* The connection's input and output spaces. */
#define NET_BUF 65536

/* Queue s for the server; 1, or 0 when the connection broke. */
int wire_put(struct remote *, const char *s);
/* Read a reply to what; 1, or 0 when the connection is lost (why set). */
int wire_reply(struct remote *, const char *what);
/*
 * Whether the server said something no command asked for, once every
 * reply asked for is read; when so, it is logged and why is set, and the
 * caller drops the connection without QUIT.
 */
bool wire_unsolicited(struct remote *, const char *after);
/* why := "host: a b", logged. */
void wire_why(struct remote *, const char *host, const char *a,
    const char *b);
/* An error number in words; ETIME is the transaction's deadline. */
const char *wire_err(int e);
/* t := a b; 1, or 0 out of memory. */
int wire_text(struct zs *t, const char *a, const char *b);
/* t := the last reply's text, or "(empty reply)"; 1, or 0 out of memory. */
int wire_reply_text(struct remote *, struct zs *t);
#endif
