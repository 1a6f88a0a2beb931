/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "reason.h"

const char *const reason_names[REASON_COUNT] = {
	[REASON_DNS] = "dns",
	[REASON_CONNECT] = "connect",
	[REASON_TLS] = "tls",
	[REASON_AUTH] = "auth",
	[REASON_THROTTLED] = "throttled",
	[REASON_MAILBOX] = "mailbox",
	[REASON_LOOP] = "loop",
	[REASON_OTHER] = "other",
};

/* Digits at p, at most max of them, as a number; *n how many (0: none). */
static unsigned
digits(const char *p, unsigned max, unsigned *n)
{
	unsigned v = 0;

	for (*n = 0; *n < max && p[*n] >= '0' && p[*n] <= '9'; (*n)++)
		v = v * 10 + (unsigned)(p[*n] - '0');
	return v;
}

/* Whether p starts with s, ignoring case. */
static bool
starts(const char *p, const char *s)
{
	return strncasecmp(p, s, strlen(s)) == 0;
}

/*
 * Words servers use when they slow a sender down, each at the start of a
 * word: "rate" (rate limited, ratelimit), "limit", "too many", ...
 */
static bool
about_rate(const char *p)
{
	static const char *const words[] = { "rate", "limit", "too many",
		"throttl", "slow down", "exceeded", "congest" };
	const char *q;
	size_t k;

	for (q = p; *q != '\0'; q++) {
		if (q > p && ((q[-1] >= 'a' && q[-1] <= 'z') ||
		    (q[-1] >= 'A' && q[-1] <= 'Z')))
			continue;
		for (k = 0; k < sizeof words / sizeof words[0]; k++)
			if (starts(q, words[k]))
				return true;
	}
	return false;
}

static enum reason reply_reason(const char *t);

/* zr-remote's reason for the last host it tried, after "HOST: ". */
static enum reason
why_reason(const char *w)
{
	static const struct {
		const char *prefix;
		enum reason r;
	} why[] = {
		{ "unable to resolve", REASON_DNS },
		{ "unable to connect", REASON_CONNECT },
		{ "connection lost", REASON_CONNECT },
		{ "control/timeouttransaction", REASON_CONNECT },
		{ "TLS", REASON_TLS },
		{ "STARTTLS", REASON_TLS },
		{ "DANE", REASON_TLS },
		{ "AUTH", REASON_AUTH },
		{ "auth=", REASON_AUTH },
		{ "not sending credentials", REASON_AUTH },
		{ "unsolicited", REASON_OTHER },
	};
	size_t k;

	for (k = 0; k < sizeof why / sizeof why[0]; k++)
		if (strncmp(w, why[k].prefix, strlen(why[k].prefix)) == 0)
			return why[k].r;
	/*
	 * A refusal at the greeting or HELO: what the server said counts.
	 * Each nesting of this call consumes text, so a server that greets
	 * with "4.4.1 no host answered: ..." over and over gets no deeper
	 * than its reply is long (SMTPREPLY_TEXT_MAX).
	 */
	if (strncmp(w, "greeting: ", 10) == 0)
		return reply_reason(w + 10);
	if (strncmp(w, "HELO: ", 6) == 0)
		return reply_reason(w + 6);
	return REASON_CONNECT;
}

/* "[ddd ][c.s.d ]text", a reply or a text with an enhanced code. */
static enum reason
reply_reason(const char *t)
{
	unsigned code = 0, cls = 0, subj = 0, det = 0, n;
	const char *p = t, *rest;
	bool enh = false;

	code = digits(p, 3, &n);
	if (n == 3 && (p[3] == ' ' || p[3] == '-' || p[3] == '\0'))
		p += p[3] != '\0' ? 4 : 3;
	else
		code = 0;
	cls = digits(p, 1, &n);
	if (n == 1 && p[1] == '.') {
		const char *q = p + 2;

		subj = digits(q, 3, &n);
		if (n > 0 && q[n] == '.') {
			q += n + 1;
			det = digits(q, 3, &n);
			if (n > 0 && (q[n] == ' ' || q[n] == '\0')) {
				enh = cls == 4 || cls == 5 || cls == 2;
				if (enh)
					p = q + n + (q[n] == ' ');
			}
		}
	}
	rest = p;
	if (code == 0 && enh && subj == 4 && det == 1 &&
	    strncmp(rest, "no host answered: ", 18) == 0) {
		const char *w = strstr(rest + 18, ": ");

		return w != NULL ? why_reason(w + 2) : REASON_CONNECT;
	}
	if (code == 421)
		return REASON_THROTTLED;
	if (enh && subj == 7)
		return REASON_THROTTLED;
	if (enh && subj == 2)
		return REASON_MAILBOX;
	if (enh && subj == 4) {
		switch (det) {
		case 1:
		case 2:
			return REASON_CONNECT;
		case 3:
		case 4:
			return REASON_DNS;
		case 5:
			return REASON_THROTTLED;
		case 6:
			return REASON_LOOP;
		default:
			break;
		}
	}
	if (code >= 450 && code <= 452 && about_rate(rest))
		return REASON_THROTTLED;
	return REASON_OTHER;
}

enum reason
reason_of(const char *text)
{
	return text != NULL ? reply_reason(text) : REASON_OTHER;
}
