/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "loop.h"

bool
remote_loop_is_me(const struct smtpreply *reply, const char *me)
{
	size_t n, w, len = strlen(me);
	const char *l = smtpreply_line(reply, 0, &n);

	if (l == NULL || len == 0)
		return false;
	for (w = 0; w < n && l[w] != ' '; w++)
		;
	/* A trailing dot names the same host (RFC 1034 3.1). */
	if (w > 0 && l[w - 1] == '.')
		w--;
	return w == len && strncasecmp(l, me, len) == 0;
}
