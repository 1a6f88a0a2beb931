/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the hop counter: any bytes, in any pieces, give one count, and it
 * never exceeds the number of lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hops.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct hops whole, parts;
	size_t i, step, lines = 0;
	bool end1, end2 = false;

	hops_init(&whole);
	end1 = hops_feed(&whole, p, size);
	/* The same bytes in pieces of a size the input itself picks. */
	step = size > 0 ? (size_t)data[0] % 7 + 1 : 1;
	hops_init(&parts);
	for (i = 0; i < size; i += step)
		end2 = hops_feed(&parts, p + i, size - i < step ? size - i :
		    step);
	for (i = 0; i < size; i++)
		lines += p[i] == '\n';
	if (hops_count(&whole) != hops_count(&parts) || end1 != end2 ||
	    hops_count(&whole) > lines + 1)
		abort();
	return 0;
}
