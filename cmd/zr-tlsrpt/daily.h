/* SPDX-License-Identifier: MIT */
/*
 * daily: zr-tlsrpt's work for one day (UTC). The result lines zr-remote
 * left in queue/tlsrpt/DAY/ are summed up per policy domain (agg.h); for
 * each domain the _smtp._tls TXT record (RFC 8460 3) is looked up through
 * lib/dns and control/dnsservers, and the report, as JSON in a gzip file
 * (gzip.h), is queued to its mailto: addresses by zr-inject (installed
 * beside zr-tlsrpt) as a multipart/report; report-type="tlsrpt"
 * (RFC 8460 5.3), and POSTed to its https: addresses (RFC 8460 5.4,
 * lib/https, the certificate checked against the system's store or
 * control/mtastsca). Each part done gets a marker: DAY/m.DOMAIN for the
 * mail, DAY/hN.DOMAIN for the Nth URI posted to; a domain done (or
 * with nobody to send to) DAY/s.DOMAIN; the day, when every domain is
 * done, DAY/done, and it is not reported again. What failed is tried at
 * the next run, and only that.
 */
#ifndef ZR_TLSRPT_DAILY_H
#define ZR_TLSRPT_DAILY_H

#include "tlsrpt.h"
#include "zs.h"

#define DAILY_USAGE "zr-tlsrpt [-q queuedir] [-d YYYY-MM-DD]"
/* Seconds zr-inject may take for one report. */
#define DAILY_INJECT_DEADLINE 60
/* Seconds for one POST: the lookup, the connection, the exchange. */
#define DAILY_HTTPS_TIMEOUT 30
/* Addresses of an https: host tried in turn. */
#define DAILY_ADDRS 4
/* An HTTP response to a POST is read up to this much. */
#define DAILY_RESPONSE_MAX 16384
/* Base64 lines of the attachment (RFC 2045 6.8: at most 76). */
#define DAILY_B64_LINE 76

struct daily_conf {
	const char *queuedir;		/* -q, else $ZR_QUEUE, else default */
	char day[TLSRPT_DAY_LEN + 1];	/* -d, else yesterday */
	long long start;		/* the day's first second */
	char me[256];			/* control/me: the submitter */
	struct zs dnsservers;		/* control/dnsservers */
	struct zs cafile;		/* control/mtastsca's path, or empty */
};

/* Options into c. 1, or 0 for bad usage. */
int daily_args(struct daily_conf *c, int argc, char **argv);
/* The control files. 1, or 0 with errno. */
int daily_conf_load(struct daily_conf *c);
/*
 * The message for one report into out (replaced): headers, a short text,
 * the gzip attachment gz (n bytes) named file. 1, or 0 (ENOMEM).
 */
int daily_message(const struct daily_conf *c, const char *domain,
    const char *id, const char *file, const char *to,
    const char *gz, size_t n, struct zs *out);
/* Do the work; an EXIT_* code (zr-tlsrpt(8) lists them). */
int daily_run(struct daily_conf *c);

#endif
