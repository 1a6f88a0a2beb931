/* SPDX-License-Identifier: MIT */
#include "txtrec.h"

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

void
txtrec_trim(const char **p, size_t *n)
{
	while (*n > 0 && is_wsp(**p)) {
		++*p;
		--*n;
	}
	while (*n > 0 && is_wsp((*p)[*n - 1]))
		--*n;
}

int
txtrec_field(const char *p, size_t n, size_t *i, const char **f,
    size_t *fn)
{
	size_t k;

	if (*i >= n)
		return 0;
	for (k = *i; k < n && p[k] != ';'; k++)
		;
	*f = p + *i;
	*fn = k - *i;
	*i = k < n ? k + 1 : k;
	txtrec_trim(f, fn);
	return 1;
}
