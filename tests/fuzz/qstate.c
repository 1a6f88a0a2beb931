/* SPDX-License-Identifier: MIT */
/* Fuzz the state file parser: whatever it accepts must format back. */
#include <stdint.h>
#include <stdlib.h>

#include "qstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qstate s, again;
	struct zs out = ZS_INIT;

	if (qstate_parse(&s, 4, (const char *)data, size)) {
		if (!qstate_format(&s, &out) ||
		    !qstate_parse(&again, 4, out.s, out.len))
			abort();
		if (again.attempts != s.attempts)
			abort();
		qstate_free(&again);
		qstate_free(&s);
	}
	zs_free(&out);
	return 0;
}
