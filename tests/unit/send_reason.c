/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-send/reason.h"

static const struct {
	const char *text;
	enum reason want;
} cases[] = {
	/* What zr-send says itself. */
	{ "4.4.3 temporary DNS failure looking up MX records (no answer)",
	    REASON_DNS },
	{ "4.4.3 no DNS servers to ask for MX records", REASON_DNS },
	{ "4.3.0 zr-send stopped before this delivery started", REASON_OTHER },
	{ "4.5.3 too many routes in one message; the rest go next time",
	    REASON_OTHER },
	/* zr-remote: no host answered, and why for the last one. */
	{ "4.4.1 no host answered: 127.0.0.1:25: unable to connect: "
	    "Connection refused", REASON_CONNECT },
	{ "4.4.1 no host answered: relay.test:587: unable to resolve: "
	    "Name or service not known", REASON_DNS },
	{ "4.4.1 no host answered: [::1]:25: greeting: 421 4.3.2 too busy",
	    REASON_THROTTLED },
	{ "4.4.1 no host answered: h:25: greeting: 554 no service",
	    REASON_OTHER },
	{ "4.4.1 no host answered: h:25: HELO: 421 4.7.0 slow down",
	    REASON_THROTTLED },
	{ "4.4.1 no host answered: h:25: TLS: certificate rejected: expired",
	    REASON_TLS },
	{ "4.4.1 no host answered: h:25: STARTTLS not offered, and "
	    "tls=encrypt", REASON_TLS },
	{ "4.4.1 no host answered: h:25: DANE: TLSA lookup failed",
	    REASON_TLS },
	{ "4.4.1 no host answered: h:587: AUTH PLAIN failed: 535 5.7.8 no",
	    REASON_AUTH },
	{ "4.4.1 no host answered: h:587: not sending credentials without "
	    "TLS", REASON_AUTH },
	{ "4.4.1 no host answered: h:25: control/timeouttransaction reached "
	    "waiting for the greeting", REASON_CONNECT },
	{ "4.4.1 no host answered: h:25: unsolicited reply after EHLO: 250",
	    REASON_OTHER },
	{ "4.4.1 no host answered: no host", REASON_CONNECT },
	{ "4.4.2 h:25 connection lost after the final dot: possible duplicate",
	    REASON_CONNECT },
	{ "4.4.6 h:25: mail for a.test loops back to myself (x)",
	    REASON_LOOP },
	/* Servers' replies. */
	{ "421 4.3.2 Service shutting down", REASON_THROTTLED },
	{ "421 Too busy", REASON_THROTTLED },
	{ "451 4.7.1 Greylisted, try again in 5 minutes", REASON_THROTTLED },
	{ "450 4.2.0 Mailbox busy", REASON_MAILBOX },
	{ "452 4.2.2 Mailbox full", REASON_MAILBOX },
	{ "4.2.2 mailbox full: /var/spool/zr-mail/bob", REASON_MAILBOX },
	{ "451 4.4.5 System congestion", REASON_THROTTLED },
	{ "450 Too many connections from your IP", REASON_THROTTLED },
	{ "452 Rate limited, please slow down", REASON_THROTTLED },
	{ "451 sending limits exceeded", REASON_THROTTLED },
	{ "451 4.3.0 Separate problem, try again", REASON_OTHER },
	{ "451 4.3.0 try again later", REASON_OTHER },
	{ "454 4.3.0 Too many cooks", REASON_OTHER },
	{ "451 4.4.1 no host answered: h: unable to connect: x", REASON_CONNECT },
	/* Nothing to go by. */
	{ "", REASON_OTHER },
	{ "(empty reply)", REASON_OTHER },
	{ "4.", REASON_OTHER },
	{ "4.4.", REASON_OTHER },
	{ "4444.4.1 x", REASON_OTHER },
	{ "4.4.1", REASON_CONNECT },
	{ "4.4.1 no host answered: ", REASON_CONNECT },
};

int
main(void)
{
	size_t i, n = sizeof cases / sizeof cases[0], seen = 0;
	int all = 1, r;

	plan((int)n + 3);
	for (i = 0; i < n; i++) {
		r = reason_of(cases[i].text);
		ok(r == (int)cases[i].want, "%s: \"%s\" (got %s)",
		    reason_names[cases[i].want], cases[i].text,
		    r >= 0 && r < REASON_COUNT ? reason_names[r] : "?");
		seen |= 1u << r;
	}
	ok(seen == (1u << REASON_COUNT) - 1, "every reason is reachable");
	ok(reason_of(NULL) == REASON_OTHER, "no text is other");
	for (i = 0; i < REASON_COUNT; i++)
		all &= reason_names[i] != NULL &&
		    strspn(reason_names[i], "abcdefghijklmnopqrstuvwxyz") ==
		    strlen(reason_names[i]);
	ok(all, "every reason has a name fit for a label and a counter");
	return done();
}
