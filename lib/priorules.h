/* SPDX-License-Identifier: MIT */
/*
 * priorules: control/priorityrules, the operator's priorities by sender,
 * recipient, client network or authenticated user, for zr-smtpd and
 * zr-inject alike.
 *
 * One rule a line, "KEY VALUE PRIORITY":
 *	sender   ADDRESS|@domain|@.domain   the envelope sender
 *	rcpt     ADDRESS|@domain|@.domain   any one of the recipients
 *	client   ADDRESS[/LEN]              the client's IP address (cidr.h)
 *	authuser NAME                       the AUTH user, exactly
 * and PRIORITY one of urgent, high, normal, low. The first rule that
 * matches decides. A table owns its strings; priorules_free releases them.
 */
#ifndef ZR_PRIORULES_H
#define ZR_PRIORULES_H

#include <stddef.h>

#include "cidr.h"
#include "envelope.h"
#include "queue.h"
#include "zs.h"

enum priorules_key { PRIORULE_SENDER, PRIORULE_RCPT, PRIORULE_CLIENT,
	PRIORULE_AUTHUSER };

struct priorule {
	enum priorules_key key;
	char *value;			/* the pattern or name */
	struct cidr net;		/* for PRIORULE_CLIENT */
	enum queue_prio prio;
};

struct priorules {
	struct priorule *r;
	size_t n;
};

/*
 * Parse count NUL-terminated lines from lines into t (emptied first). 1,
 * or 0 with errno (EINVAL: *bad is the number of the first bad entry,
 * from 1, comments and blank lines not counted; ENOMEM).
 */
int priorules_parse(struct priorules *t, const char *lines, size_t count,
    size_t *bad);
/*
 * control/priorityrules into t; a missing file is no rules. 1, or 0 with
 * errno set and err naming the entry when it was malformed.
 */
int priorules_load(struct priorules *t, struct zs *err);
/*
 * The priority of the first rule matching e's sender or recipients, the
 * client address (NULL when there is none: zr-inject) or authuser (NULL
 * or "" when none): 1 with *out set, 0 when no rule matched.
 */
int priorules_match(const struct priorules *t, const struct envelope *e,
    const unsigned char *client, const char *authuser,
    enum queue_prio *out);
void priorules_free(struct priorules *t);

#endif
