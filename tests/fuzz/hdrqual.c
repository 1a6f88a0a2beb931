/* SPDX-License-Identifier: MIT */
/*
 * Fuzz header qualification: whatever the header section, the result is
 * the input with only "@domain" insertions, so removing every inserted
 * "@q.test" gives the input back, byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdrqual.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char dom[] = "@q.test";
	const char *p = (const char *)data;
	struct zs out = ZS_INIT;
	size_t i = 0, j = 0;

	/* The domain's bytes in the input would make the check ambiguous. */
	if (memchr(p, '@', size) != NULL && size >= sizeof dom - 1) {
		for (i = 0; i + sizeof dom - 1 <= size; i++)
			if (memcmp(p + i, dom, sizeof dom - 1) == 0)
				return 0;
	}
	if (!hdrqual_section(p, size, "q.test", &out))
		abort();
	for (i = 0; i < out.len;) {
		if (out.len - i >= sizeof dom - 1 &&
		    memcmp(out.s + i, dom, sizeof dom - 1) == 0 &&
		    (j >= size || memcmp(p + j, dom, 1) != 0)) {
			i += sizeof dom - 1;
			continue;
		}
		if (j >= size || out.s[i] != p[j])
			abort();
		i++;
		j++;
	}
	if (j != size)
		abort();
	zs_free(&out);
	return 0;
}
