/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the state file parser: whatever it accepts, with the envelope's
 * count or with the file's own, must format back to the same facts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "qstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
round_trip(size_t nrcpt, const uint8_t *data, size_t size)
{
	struct qstate s, again;
	struct zs out = ZS_INIT;

	if (qstate_parse(&s, nrcpt, (const char *)data, size)) {
		if (!qstate_format(&s, &out) ||
		    !qstate_parse(&again, nrcpt, out.s, out.len))
			abort();
		if (again.attempts != s.attempts || again.next != s.next ||
		    again.prio != s.prio || again.size != s.size ||
		    again.nrcpt != s.nrcpt)
			abort();
		qstate_free(&again);
		qstate_free(&s);
	}
	zs_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	round_trip(4, data, size);
	round_trip(QSTATE_NRCPT_FILE, data, size);
	return 0;
}
