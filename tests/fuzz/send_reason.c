/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the deferral classifier on texts a server chose: any bytes give
 * one of the closed set of reasons, read within the text's NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/zr-send/reason.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);
	enum reason r;

	if (t == NULL)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	r = reason_of(t);
	if ((int)r < 0 || r >= REASON_COUNT || reason_of(t) != r)
		abort();
	free(t);
	return 0;
}
