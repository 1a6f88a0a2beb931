/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int
grow_(void *pp, size_t *capp, size_t need, size_t elsize)
{
	size_t cap = *capp > 0 ? *capp : GROW_MIN, bytes;
	void *p;

	if (need <= *capp)
		return 1;
	while (cap < need)
		if (__builtin_mul_overflow(cap, 2, &cap))
			cap = need;
	if (__builtin_mul_overflow(cap, elsize, &bytes)) {
		errno = EOVERFLOW;
		return 0;
	}
	/* The pointer is copied as bytes: pp may point at any T *. */
	memcpy(&p, pp, sizeof p);
	p = realloc(p, bytes);
	if (p == NULL) {
		errno = ENOMEM;
		return 0;
	}
	memcpy(pp, &p, sizeof p);
	*capp = cap;
	return 1;
}
