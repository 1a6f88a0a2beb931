/* SPDX-License-Identifier: MIT */
/*
 * Server replies as zr-remote reads them: any bytes, in pieces whose size
 * the first input byte picks. Every reply must come out bounded and clean.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpreply r;
	char text[SMTPREPLY_TEXT_MAX + 1];
	size_t piece, i = 0;

	if (size == 0)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	memset(&r, 0, sizeof r);
	smtpreply_init(&r);
	while (i < size) {
		size_t k = size - i < piece ? size - i : piece, used, n, j;
		int f = smtpreply_feed(&r, (const char *)data + i, k, &used);

		if (f == -1 || used > k)
			abort();
		i += used;
		if (f == 0)
			continue;
		n = smtpreply_text(&r, text);
		if (n > SMTPREPLY_TEXT_MAX || strlen(text) != n)
			abort();
		for (j = 0; j < n; j++)
			if ((unsigned char)text[j] < 32 ||
			    (unsigned char)text[j] > 126)
				abort();
		if (r.code != 0 && (r.code < 200 || r.code > 599))
			abort();
		if (r.total > SMTPREPLY_TOTAL_MAX)
			abort();
		for (j = 0; smtpreply_line(&r, (unsigned)j, &n) != NULL; j++)
			if (n > SMTPREPLY_LINE_MAX)
				abort();
		smtpreply_init(&r);
	}
	smtpreply_free(&r);
	return 0;
}
