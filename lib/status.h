/* SPDX-License-Identifier: MIT */
/*
 * status: the one result type for done / try again / give up.
 *
 * A function whose failure decides "retry or bounce" returns an enum
 * zr_status: ZR_OK (done), ZR_TEMP (try again later: resources, I/O, DNS,
 * a peer's 4xx) or ZR_PERM (give up: bad input, a peer's 5xx). It maps one
 * to one onto the exit codes of die.h (EXIT_OK 0, EXIT_TEMP 111, EXIT_PERM
 * 100) and onto SMTP reply classes (2xx, 4xx, 5xx); the job letters of
 * job.h are the same three for a recipient and for a message. Enums with
 * more states (mxroute's MX_PENDING, dns.h's ROUTE_*) take their ok, temp
 * and perm members from these values.
 */
#ifndef ZR_STATUS_H
#define ZR_STATUS_H

enum zr_status { ZR_OK, ZR_TEMP, ZR_PERM };

/* The exit code that says s: EXIT_OK, EXIT_TEMP or EXIT_PERM. */
int zr_status_exit(enum zr_status s);
/* A reply code's verdict: 2xx ZR_OK, 5xx ZR_PERM, anything else ZR_TEMP. */
enum zr_status zr_status_of_reply(int code);

#endif
