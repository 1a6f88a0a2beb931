/* SPDX-License-Identifier: MIT */
/* Fuzz zr-inject's address-list parser and the address checker. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "../../cmd/zr-inject/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs out = ZS_INIT;
	size_t count = 0, i, n = 0;

	if (headers_addresses((const char *)data, size, &out, &count)) {
		for (i = 0; i < out.len; i += strlen(out.s + i) + 1) {
			(void)addr_valid(out.s + i, strlen(out.s + i));
			n++;
		}
		if (n != count)
			abort();
	}
	(void)addr_valid((const char *)data, size);
	zs_free(&out);
	return 0;
}
