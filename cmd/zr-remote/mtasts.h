/* SPDX-License-Identifier: MIT */
/*
 * mtasts: MTA-STS (RFC 8461) for a job whose hosts came from MX records
 * (their host lines carry mx=NAME). The policy of the recipients' domain
 * is read from queue/sts/DOMAIN; when that record is missing or due for a
 * look at the TXT record (STS_RECHECK), zr-sts runs first, as a child
 * with a deadline, and writes it. zr-remote itself never speaks HTTPS.
 *
 * enforce: hosts whose MX name matches no pattern are left out of the job
 * and the others need TLS verified against that name (tls=verify), unless
 * their level is already above encrypt (verify, fingerprint). At tls=dane
 * DANE wins where it applies (RFC 8461 2): with a usable TLSA set the
 * level stays dane; when DANE falls back to may or encrypt (a signed
 * domain without TLSA records, or an unsigned one), enforce applies again
 * and the host is verified against its MX name (route_host sts_enforce,
 * read by conn_open). testing: every host stays,
 * a mismatch is logged. none, no policy, or control/mtasts "no": nothing
 * changes.
 */
#ifndef ZR_REMOTE_MTASTS_H
#define ZR_REMOTE_MTASTS_H

#include "remote.h"
#include "sts.h"

/* zr-sts is killed after this many seconds (it bounds itself sooner). */
#define MTASTS_DEADLINE 60

/* control/mtasts into c->mtasts (on unless "no"). 1, or 0 with errno. */
int mtasts_conf(struct remote_conf *c);
/*
 * Apply the policy of the domain of rcpts (NUL-separated) to the job's
 * hosts. 1; 0 when the policy leaves no host, with why set (an enhanced
 * status text for a temporary failure).
 */
int mtasts_apply(const struct remote_conf *, struct job_req *,
    const char *rcpts, struct zs *why);

#endif
