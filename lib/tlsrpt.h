/* SPDX-License-Identifier: MIT */
/*
 * tlsrpt: SMTP TLS reporting (RFC 8460) without the network.
 *
 * zr-remote writes one result line per MX delivery session (tlsrpt_rec_fmt)
 * into queue/tlsrpt/DAY/ (zr-queue(5)); zr-tlsrpt reads them back
 * (tlsrpt_rec_parse), sums them up and mails the report to the addresses
 * of the domain's _smtp._tls TXT record (tlsrpt_txt_parse, tlsrpt_mailto).
 * This module is the one writer and the one reader of those lines.
 *
 * A line: "1 TIME TYPE DOMAIN MX IP RESULT [STRING ...]" and a newline,
 * fields split by one space; TIME in seconds since the epoch, TYPE sts,
 * tlsa or no-policy-found, IP the receiving address or "-", RESULT
 * "success" or an RFC 8460 4.3 result type, the strings (the policy's
 * text, RFC 8460 4.4 policy-string) in xtext (RFC 3461 4). A line is
 * at most TLSRPT_LINE_MAX bytes, so that an O_APPEND write of it is one
 * piece; strings that do not fit are left out.
 *
 * Functions return 1 or 0 (errno set, or *why for the parsers).
 */
#ifndef ZR_TLSRPT_H
#define ZR_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>

#include "zs.h"

/* Below PIPE_BUF (4096 on Linux, at least 512 by POSIX) with room to spare. */
#define TLSRPT_LINE_MAX 4000
#define TLSRPT_NAME_MAX 255
/* An IPv6 address in text (INET6_ADDRSTRLEN less its NUL). */
#define TLSRPT_IP_MAX 45
/* "certificate-host-mismatch" and the like. */
#define TLSRPT_RESULT_MAX 32
/* RFC 8460 3: rua URIs kept from one TXT record. */
#define TLSRPT_RUA_MAX 16
/* "YYYY-MM-DD" */
#define TLSRPT_DAY_LEN 10

enum tlsrpt_type { TLSRPT_STS, TLSRPT_TLSA, TLSRPT_NOPOLICY };

struct tlsrpt_rec {
	long long t;
	enum tlsrpt_type type;
	char domain[TLSRPT_NAME_MAX + 1];	/* the policy domain */
	char mx[TLSRPT_NAME_MAX + 1];		/* receiving-mx-hostname */
	char ip[TLSRPT_IP_MAX + 1];		/* receiving-ip, "" unknown */
	char result[TLSRPT_RESULT_MAX + 1];	/* "success" or a type */
	struct zs strings;	/* the policy strings, each NUL-ended */
	size_t nstrings;
};

/* "sts", "tlsa", "no-policy-found" (RFC 8460 4.4 policy-type). */
const char *tlsrpt_type_name(enum tlsrpt_type);
/*
 * The RFC 8460 4.3 result type for a reason word of zr-remote's policy=
 * outcome= fields (policy.h: tls_reason_word, no-starttls, ...).
 */
const char *tlsrpt_result_of(const char *reason);
/* Whether s is "success" or a result type that lines may carry. */
bool tlsrpt_result_known(const char *s);
/* rec->strings emptied; other fields as they are. */
void tlsrpt_rec_free(struct tlsrpt_rec *);
/* Append a policy string to rec. */
int tlsrpt_rec_addstring(struct tlsrpt_rec *, const char *s, size_t n);
/*
 * The line for rec, newline included, into out (replaced). Strings that
 * would take it past TLSRPT_LINE_MAX are left out.
 */
int tlsrpt_rec_fmt(const struct tlsrpt_rec *, struct zs *out);
/* One line of n bytes (newline not included) into rec (strings replaced). */
int tlsrpt_rec_parse(const char *p, size_t n, struct tlsrpt_rec *,
    const char **why);
/*
 * One TXT record (its strings joined, n bytes), RFC 8460 3: "v=TLSRPTv1",
 * then fields split by ";" with white space around, one of them rua with
 * its URIs split by ",". The URIs into rua, each NUL-ended, *nrua their
 * count. 0 with *why for a record that is not one, or is malformed.
 */
int tlsrpt_txt_parse(const char *p, size_t n, struct zs *rua, size_t *nrua,
    const char **why);
/*
 * The address of a mailto: URI (RFC 6068: %XX decoded, anything from "?"
 * left out) into addr (replaced, NUL-ended). 0 for another scheme or an
 * address that is not local@domain in printable ASCII.
 */
int tlsrpt_mailto(const char *uri, struct zs *addr);
/*
 * The parts of an https: URI (RFC 8460 5.4: the report is POSTed there):
 * host (lower case, letters, digits, '-' and '.'), *port (443 unless
 * given), path (from its "/", "/" when none; printable ASCII) into path
 * (replaced, NUL-ended). 0 for another scheme or a URI of another shape.
 */
int tlsrpt_https(const char *uri, char *host, unsigned *port,
    struct zs *path);
/* The UTC day of t as "YYYY-MM-DD" (day: TLSRPT_DAY_LEN + 1 bytes). */
void tlsrpt_day(long long t, char *day);
/* "YYYY-MM-DD" to the time its day begins, UTC. 1, or 0 if not a date. */
int tlsrpt_day_parse(const char *s, long long *start);

#endif
