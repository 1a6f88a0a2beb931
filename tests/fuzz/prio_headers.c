/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the priority readers with what a client sends: the header section
 * zr-smtpd holds (cut anywhere), and an MT-PRIORITY value.
 */
#include <stdint.h>
#include <stdlib.h>

#include "prio.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	enum queue_prio q = PRIO_COUNT;
	int v;

	if (prio_headers(p, size, &q) && (unsigned)q >= PRIO_COUNT)
		abort();
	if (prio_mt_parse(p, size, &v) &&
	    (v < PRIO_MT_MIN || v > PRIO_MT_MAX || size > 2))
		abort();
	return 0;
}
