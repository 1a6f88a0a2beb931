/* SPDX-License-Identifier: MIT */
/*
 * reason: the class of a deferral, for the deferrals_REASON counters in
 * stats/counters. The set is closed, so that the label of
 * zr_deferrals_total stays a handful of values whatever servers say.
 *
 * A deferral's text is a server's reply ("452 4.2.2 mailbox full"), or
 * one zr-remote or zr-send made ("4.4.1 no host answered: HOST: WHY",
 * "4.4.3 temporary DNS failure ..."). The class comes from the reply code
 * and the enhanced status code (RFC 3463), and for "no host answered"
 * from the reason zr-remote gives for the last host; zr-send(8) lists the
 * rules. Pure functions of the text, no allocation.
 */
#ifndef ZR_SEND_REASON_H
#define ZR_SEND_REASON_H

enum reason {
	REASON_DNS,		/* a lookup of the route failed */
	REASON_CONNECT,		/* no connection, or it was lost */
	REASON_TLS,		/* TLS or DANE could not be had */
	REASON_AUTH,		/* the relay's AUTH failed or was not possible */
	REASON_THROTTLED,	/* 421, X.7.x, X.4.5, 450-452 about rates */
	REASON_MAILBOX,		/* X.2.x: the mailbox is full, busy, ... */
	REASON_LOOP,		/* X.4.6: the route leads back here */
	REASON_OTHER,
	REASON_COUNT
};

/* Names as in the counters and labels: "dns", "connect", ... "other". */
extern const char *const reason_names[REASON_COUNT];

/* The class of a deferral's text (NUL-terminated; NULL is other). */
enum reason reason_of(const char *text);

#endif
