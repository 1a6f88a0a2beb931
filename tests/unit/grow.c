/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../lib/tap.h"
#include "grow.h"

#ifdef __SANITIZE_ADDRESS__
/* The impossible allocation below is to fail, not to abort the test. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

struct pair {
	long a, b;
};

int
main(void)
{
	struct pair *v = NULL, *before;
	size_t cap = 0, i, reallocs = 0, last = 0;
	char *c = NULL;
	size_t ccap = 0;

	plan(7);
	ok(grow(&v, &cap, 1) && v != NULL && cap >= 1, "first growth");
	for (i = 0; i < 10000; i++) {
		if (!grow(&v, &cap, i + 1))
			break;
		v[i].a = (long)i;
		if (cap != last)
			reallocs++, last = cap;
	}
	ok(i == 10000 && v[9999].a == 9999 && v[0].a == 0,
	    "appends keep what is there");
	ok(reallocs <= 12, "doubling: %zu growths for 10000 appends", reallocs);
	before = v;
	ok(grow(&v, &cap, cap) && v == before, "room enough: nothing moves");
	errno = 0;
	ok(!grow(&v, &cap, SIZE_MAX / sizeof *v + 1) && errno == EOVERFLOW &&
	    v == before, "a size past SIZE_MAX is refused, array kept");
	errno = 0;
	ok(!grow(&c, &ccap, SIZE_MAX - 1) && errno == ENOMEM && c == NULL &&
	    ccap == 0, "an impossible allocation fails with ENOMEM");
	ok(grow(&c, &ccap, 3) && ccap >= 3, "and growth works after it");
	free(v);
	free(c);
	return done();
}
