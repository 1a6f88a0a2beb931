/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "die.h"
#include "wire.h"

/* Read a reply; 1, or 0 when the connection is lost (why set). */
int
wire_reply(struct remote *r, const char *what)
{
	int g = smtpreply_read(&r->in, &r->reply);

	if (g == 1) {
		if (r->reply.mixed || r->reply.malformed || r->reply.overflow) {
			char t[SMTPREPLY_TEXT_MAX + 1];

			smtpreply_text(&r->reply, t);
			warn_x("host=", r->key, " what=", DIE_Q, what,
			    " reply=", DIE_Q, t, " reason=", DIE_Q,
			    r->reply.overflow ? "odd reply (too long)" :
			    r->reply.malformed ? "odd reply (no code)" :
			    "odd reply (codes differ; the last counts)");
		}
		return 1;
	}
	if (g == -1 && errno == ETIME)
		wire_why(r, r->key, "control/timeouttransaction reached "
		    "waiting for the reply to ", what);
	else
		wire_why(r, r->key, "connection lost waiting for the reply to ",
		    g == 0 ? what : strerror(errno));
	return 0;
}

/*
 * Whether the server said something that no command of ours asked for.
 * Called when every reply asked for has been read: replies are taken
 * strictly in step with commands (RFC 5321 4.1.1; RFC 2920 3.1 for a
 * pipelined group), so bytes arriving now would be taken for the reply to
 * the next command, and every reply after it for the wrong one. When so,
 * it is logged with what came and why is set; the caller drops the
 * connection without QUIT. Only what is here now is seen: a reply that
 * arrives later is caught at the next check.
 */
bool
wire_unsolicited(struct remote *r, const char *after)
{
	char what[SMTPREPLY_LINE_MAX], c;
	size_t got = 0, n, i;
	const char *p;

	if (r->in.start == r->in.end) {
		if (r->tls != NULL) {
			/* WANT_READ: nothing, or only a late session ticket. */
			if (SSL_peek_ex(r->tls->ssl, &c, 1, &got) != 1)
				return false;
		} else if (recv(r->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 1) {
			/* Nothing, or EOF: the next read sees that. */
			return false;
		}
		if (buf_feed(&r->in) <= 0)
			return false;
	}
	/* The first line of what came, cleaned for the log. */
	p = buf_peek(&r->in);
	n = buf_avail(&r->in);
	for (i = 0; i < n && i < 80 && p[i] != '\r' && p[i] != '\n'; i++)
		what[i] = p[i] >= ' ' && p[i] <= '~' ? p[i] : '?';
	what[i] = '\0';
	r->why.len = 0;
	if (zs_cats(&r->why, r->key) && zs_cats(&r->why, ": unsolicited ") &&
	    zs_cats(&r->why, "reply after ") && zs_cats(&r->why, after) &&
	    zs_cats(&r->why, ": ") && zs_cats(&r->why, what) &&
	    zs_0(&r->why))
		warn_x("host=", r->key, " after=", DIE_Q, after, " reply=",
		    DIE_Q, what, " reason=\"unsolicited reply; connection "
		    "dropped\"");
	else
		wire_why(r, r->key, "unsolicited reply after ", after);
	return true;
}

int
wire_put(struct remote *r, const char *s)
{
	return buf_puts(&r->out, s);
}

void
wire_why(struct remote *r, const char *host, const char *a, const char *b)
{
	r->why.len = 0;
	if (zs_cats(&r->why, host) && zs_cats(&r->why, ": ") &&
	    zs_cats(&r->why, a) && zs_cats(&r->why, b))
		zs_0(&r->why);
	else
		r->why.len = 0;
	/* why is "host: text" for the report; the log has host= apart. */
	warn_x("host=", host, " reason=", DIE_Q, r->why.len ?
	    r->why.s + strlen(host) + 2 : "out of memory");
}

/* An error number in words; ETIME is the transaction's deadline. */
const char *
wire_err(int e)
{
	return e == ETIME ? "control/timeouttransaction reached" :
	    strerror(e);
}

int
wire_text(struct zs *t, const char *a, const char *b)
{
	t->len = 0;
	return zs_cats(t, a) && zs_cats(t, b);
}

int
wire_reply_text(struct remote *r, struct zs *t)
{
	char s[SMTPREPLY_TEXT_MAX + 1];
	size_t n = smtpreply_text(&r->reply, s);

	t->len = 0;
	if (n == 0)
		return zs_cats(t, "(empty reply)");
	return zs_catb(t, s, n);
}
