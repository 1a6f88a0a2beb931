/* SPDX-License-Identifier: MIT */
/*
 * smtpd_path: the Reverse-path and Forward-path of MAIL and RCPT (RFC 5321
 * 4.1.2), and the checks that keep relay tricks out.
 *
 * A path is "<" [A-d-l ":"] Mailbox ">" or, for MAIL only, "<>". A source
 * route (A-d-l) is parsed, validated and dropped, as RFC 5321 4.1.1.3 and
 * appendix C ask. Nothing here allocates: results point into the input.
 */
#ifndef ZR_SMTPD_PATH_H
#define ZR_SMTPD_PATH_H

#include <stddef.h>

struct smtpd_path {
	const char *addr;	/* the mailbox, without route or brackets */
	size_t len;		/* 0 for the null path "<>" */
	int route;		/* a source route came before the mailbox */
	int utf8;		/* the mailbox holds UTF-8 (RFC 6531 3.3) */
};

/*
 * Parse the path at the start of s (n bytes). Returns the bytes consumed,
 * through the closing '>', or 0 when the text is not a valid path. The
 * mailbox is checked with addr_valid (RFC 5321 grammar and limits), or,
 * when it has bytes above ASCII, with addr_valid_utf8 (utf8 set then; the
 * caller decides whether SMTPUTF8 allows it).
 */
size_t smtpd_path_parse(const char *s, size_t n, struct smtpd_path *p);
/*
 * Whether the mailbox's local part holds '@', '%' or '!' (in a quoted
 * string or not): routing hidden from the domain check, which a client that
 * may not relay must not use even towards a local domain.
 */
int smtpd_path_routed(const struct smtpd_path *p);
/*
 * Whether domain d (n bytes) is in list (count NUL-terminated entries):
 * an entry "example.com" matches that domain, ".example.com" any name
 * below it. Case does not matter; an address literal never matches.
 */
int smtpd_path_listed(const char *list, size_t count, const char *d, size_t n);

#endif
