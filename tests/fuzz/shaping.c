/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the control/shaping and control/shaperules parsers: the input's lines as control_readlines
 * hands them over (a NUL after each), then a match of the same bytes as
 * names, and the rate and period scanners on the whole input. Whatever is
 * accepted must obey the limits the header promises, and a rule table
 * must match its own lines without trouble.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shaperules.h"
#include "shaping.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct shaping_limits *l)
{
	if ((l->msgrate.n != 0 && (l->msgrate.ms == 0 ||
	    l->msgrate.ms > SHAPING_PERIOD_MAX)) ||
	    l->msgrate.n > SHAPING_COUNT_MAX ||
	    l->connections > SHAPING_COUNT_MAX ||
	    l->deadafter > SHAPING_COUNT_MAX || l->deadmin > l->deadmax ||
	    l->deadmax > SHAPING_PERIOD_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shaping t;
	struct shaperules sr = { NULL, 0 };
	struct shaping_rate r;
	unsigned long long ms;
	char *lines = malloc(size + 1);
	size_t i, count = 1, bad;

	if (lines == NULL)
		return 0;
	memcpy(lines, data, size);
	lines[size] = '\0';
	for (i = 0; i < size; i++)
		if (lines[i] == '\n') {
			lines[i] = '\0';
			count++;
		}
	memset(&t, 0, sizeof t);
	if (shaping_parse(&t, lines, count, &bad)) {
		for (i = 0; i < t.n; i++)
			check(&t.r[i].lim);
		check(shaping_match(&t, lines, size + 1));
	}
	shaping_free(&t);
	if (shaperules_parse(&sr, lines, count, &bad)) {
		const char *p = lines;

		for (i = 0; i < count; i++, p += strlen(p) + 1)
			if (shaperules_match(&sr, p) == NULL && sr.n > 0 &&
			    sr.r[0].for_ms == 0)
				abort();
	}
	shaperules_free(&sr);
	if (shaping_rate_parse(&r, (const char *)data, size) &&
	    (r.n == 0 || r.ms == 0))
		abort();
	if (shaping_period((const char *)data, size, &ms) &&
	    (ms == 0 || ms > SHAPING_PERIOD_MAX))
		abort();
	free(lines);
	return 0;
}
