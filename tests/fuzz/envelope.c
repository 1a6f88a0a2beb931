/* SPDX-License-Identifier: MIT */
/* Fuzz the envelope parser: whatever it accepts must format back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e, again;
	struct zs out = ZS_INIT;

	envelope_init(&e);
	envelope_init(&again);
	if (envelope_parse(&e, (const char *)data, size)) {
		/* Anything parsed is valid, so it formats and parses again. */
		if (!envelope_format(&e, &out) ||
		    !envelope_parse(&again, out.s, out.len) ||
		    again.nrcpt != e.nrcpt || strcmp(again.sender, e.sender) != 0)
			abort();
	}
	envelope_free(&e);
	envelope_free(&again);
	zs_free(&out);
	return 0;
}
