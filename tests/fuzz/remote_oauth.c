/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the reading of a token program's output: whatever is accepted is a
 * token of printable, blank-free ASCII within the limit, with a lifetime
 * no longer than the cap, and its OAuth2 responses can be built.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/zr-remote/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs tok = ZS_INIT, why = ZS_INIT, out = ZS_INIT;
	unsigned long long life;
	size_t i;

	if (oauth_parse((const char *)data, size, &tok, &life, &why)) {
		if (tok.len == 0 || tok.len > OAUTH_TOKEN_MAX ||
		    life > OAUTH_LIFETIME_MAX)
			abort();
		for (i = 0; i < tok.len; i++)
			if (tok.s[i] <= ' ' || tok.s[i] > '~')
				abort();
		if (!oauth_response(true, "u,=@x.test", "h.test", 587, &tok,
		    &out) || !oauth_response(false, "u@x.test", "h.test",
		    587, &tok, &out))
			abort();
	} else if (why.len == 0) {
		abort();
	}
	zs_free(&tok);
	zs_free(&why);
	zs_free(&out);
	return 0;
}
