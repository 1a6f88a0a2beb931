/* SPDX-License-Identifier: MIT */
/*
 * clock: the wall clock in milliseconds, zr-send's one way to read the
 * time (the scheduling core, sched.c, is given it instead).
 */
#ifndef ZR_SEND_CLOCK_H
#define ZR_SEND_CLOCK_H

/* Milliseconds since the epoch. */
long long clock_ms(void);

#endif
