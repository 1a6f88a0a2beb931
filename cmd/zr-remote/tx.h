/* SPDX-License-Identifier: MIT */
/*
 * tx: one SMTP transaction on zr-remote's open connection: RSET when one
 * may be open, MAIL, a RCPT per recipient, DATA and the message, walked
 * by a send cursor and a receive cursor over that one list, whether or
 * not the server pipelines. The results go to a struct result, a letter
 * and a text per recipient and for the message.
 */
#ifndef ZR_REMOTE_TX_H
#define ZR_REMOTE_TX_H

#include <stdbool.h>
#include <stddef.h>

#include "envelope.h"
#include "remote.h"

/* A recipient without a record (enum job_letter is never 0). */
#define L_NONE 0

/* The outcome of one transaction attempt. */
enum tx_result {
	TX_DONE,	/* results are final for this job */
	TX_RETRY,	/* a reused connection was dead: reconnect, same host */
	TX_NEXTHOST	/* this host failed before taking anything */
};

struct result {
	char *rl;		/* a letter per recipient, L_NONE: left out */
	struct zs *rt;		/* a text per recipient */
	size_t n;
	char ml;
	struct zs mt;
};

/*
 * The transaction for the envelope e, whose message is read from mfd,
 * from from to rcpts (nrcpt NUL-ended addresses). fresh: the connection
 * was made for it, so a loss before MAIL was answered means the next
 * host (else the same host again). On TX_DONE res holds the results; the
 * connection is closed when it cannot be trusted further.
 */
enum tx_result tx_run(struct remote *, const struct envelope *e, int mfd,
    const char *from, const char *rcpts, size_t nrcpt, bool fresh,
    struct result *res);
#endif
