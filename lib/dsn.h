/* SPDX-License-Identifier: MIT */
/*
 * dsn: delivery status notifications as RFC 3464 messages.
 *
 * dsn_build writes a multipart/report (RFC 6522) message: a plain-text
 * part saying what happened and why, a message/delivery-status part, and
 * the original message (or its header). Everything taken from elsewhere
 * (remote replies, addresses, the original Message-ID) is cleaned and
 * bounded before it goes into a header field, so nothing can add a field
 * or a line. The result is content in the queue's form (LF line ends).
 */
#ifndef ZR_DSN_H
#define ZR_DSN_H

#include <stddef.h>

#include "envelope.h"
#include "zs.h"

enum dsn_action {
	DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED, DSN_EXPANDED
};

struct dsn_rcpt {
	const char *addr;		/* final recipient */
	const char *orcpt;		/* "type;xtext" from the envelope, or NULL */
	enum dsn_action action;
	const char *status;		/* RFC 3463 "5.1.1" */
	const char *remote_mta;		/* host that answered, or NULL */
	const char *diagnostic;		/* the remote reply, or NULL */
	long long last_attempt;		/* 0: none */
	long long retry_until;		/* for delayed, 0: none */
};

struct dsn_report {
	const char *reporting_mta;	/* control/me */
	const char *from;		/* the From: address (bouncefrom) */
	const char *to;			/* who gets the report */
	const char *msgid;		/* a fresh Message-ID, without <> */
	const char *envid;		/* the ENVID as xtext, or NULL */
	long long arrival;
	long long now;
	enum envelope_ret ret;		/* what of the original to return */
	size_t maxbytes;		/* RET unset: return at most this much */
	const char *boundary;		/* unique; checked against the content */
	const struct dsn_rcpt *rcpt;
	size_t nrcpt;
};

/* Bounds on what a report carries from elsewhere. */
#define DSN_DIAG_MAX 900
#define DSN_FOLD 76

/* The action's name in a report ("failed", "delayed", ...). */
const char *dsn_action_name(enum dsn_action);
/*
 * Append the report to out. orig is the original content (n bytes, LF
 * line ends). EINVAL when the boundary occurs in the original.
 */
int dsn_build(const struct dsn_report *, const char *orig, size_t n,
    struct zs *out);

#endif
