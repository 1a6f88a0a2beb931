/* SPDX-License-Identifier: MIT */
/*
 * prio: what a message asks for as its queue priority, read from the
 * header fields that say it and from the MT-PRIORITY parameter of MAIL
 * (RFC 6710), mapped onto the four queue priorities of queue.h. Shared by
 * zr-inject and zr-smtpd, which decide whom to believe (zr-smtpd only
 * relay and authenticated clients). Nothing here allocates.
 *
 * Header fields:
 *	X-Priority: 1 urgent, 2 high, 3 normal, 4 and 5 low (the first digit)
 *	Priority: urgent, normal, non-urgent (RFC 2156 5.3.6)
 * X-Priority wins when both are there; the first of each counts.
 *
 * MT-PRIORITY -9..9 (RFC 6710 2), bands around the MIXER values -4, 0, 4
 * of RFC 6710 9.2:
 *	4..9 urgent, 1..3 high, -3..0 normal, -9..-4 low
 */
#ifndef ZR_PRIO_H
#define ZR_PRIO_H

#include <stddef.h>

#include "queue.h"

#define PRIO_MT_MIN (-9)	/* RFC 6710 2 */
#define PRIO_MT_MAX 9

/* The priority an X-Priority value (after the colon) asks for. */
enum queue_prio prio_xpriority(const char *v, size_t n);
/* The priority a Priority value (RFC 2156) asks for. */
enum queue_prio prio_priority(const char *v, size_t n);
/*
 * A header section in its queued form (lines ending in LF, a CRLF is taken
 * too) from p (n bytes, which may end in the middle of it or go past it
 * into the body): 1 with *out set when X-Priority or Priority was there,
 * else 0. Folded values are read unfolded; a last line without its LF is
 * not read (it may have been cut).
 */
int prio_headers(const char *p, size_t n, enum queue_prio *out);
/*
 * An MT-PRIORITY value (RFC 6710 2: ["+" / "-"] DIGIT) of n bytes into *v:
 * 1, or 0 for anything else (10, "abc", "", "--1").
 */
int prio_mt_parse(const char *s, size_t n, int *v);
/* The queue priority for an MT-PRIORITY value (the bands above). */
enum queue_prio prio_mt(int v);

#endif
