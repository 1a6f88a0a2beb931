/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the report reader: a report it calls complete parses, with one
 * message record and every string inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const char *s, const char *p, size_t n)
{
	if (s != NULL && (s < p || s + strlen(s) >= p + n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct job_report r;
	size_t i;
	int c = job_report_complete(p, size);

	if (c != 1) {
		if (job_report_parse(p, size, &r))
			abort();
		return 0;
	}
	if (!job_report_parse(p, size, &r))
		return 0;	/* out of memory */
	if (r.text == NULL || strlen(r.status) > JOB_STATUS_MAX)
		abort();
	inside(r.host, p, size);
	inside(r.tls, p, size);
	inside(r.text, p, size);
	for (i = 0; i < r.nrcpt; i++) {
		inside(r.rcpt[i].text, p, size);
		(void)job_rcpt_status(&r, i);
	}
	job_report_free(&r);
	return 0;
}
