/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the job reader: whatever it accepts as a clean job must write out
 * and read back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_req j, k;
	struct zs out = ZS_INIT;
	size_t used, again;

	if (!job_readb((const char *)data, size, &j, &used))
		return 0;
	if (used > size)
		abort();
	if (j.bad.len == 0) {
		if (!job_write(&j, &out) ||
		    !job_readb(out.s, out.len, &k, &again))
			abort();
		if (again != out.len || k.bad.len != 0 || k.nrcpt != j.nrcpt ||
		    k.nhost != j.nhost || k.delivery != j.delivery ||
		    strcmp(k.id, j.id) != 0 || k.have_from != j.have_from ||
		    k.rcpts.len != j.rcpts.len || (j.rcpts.len > 0 &&
		    memcmp(k.rcpts.s, j.rcpts.s, j.rcpts.len) != 0))
			abort();
		job_req_free(&k);
	}
	job_req_free(&j);
	zs_free(&out);
	return 0;
}
