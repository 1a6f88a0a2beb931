/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the request parser of zr-qstat --http: any bytes get a verdict,
 * the verdict does not depend on bytes after the head's blank line, and
 * a prefix of a complete head is never judged as if it were complete.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../cmd/zr-qstat/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	enum http_verdict v = http_judge(p, size), w;
	size_t k;

	if (v > HTTP_INCOMPLETE)
		abort();
	/* Every shorter prefix is incomplete or judged the same. */
	for (k = size; k > 0 && size - k < 64; k--) {
		w = http_judge(p, k - 1);
		if (w != HTTP_INCOMPLETE && w != v)
			abort();
	}
	return 0;
}
