/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the smarthosts, domainroutes and senderroutes parser and the host
 * line of a job: whatever route_host_line accepts, route_host_fmt must
 * write so that it reads back to the same host and settings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_table t;
	struct route_host h, again;
	struct zs err = ZS_INIT, line = ZS_INIT;
	const char *p = (const char *)data, *what, *w;
	size_t wn;
	int dom;

	for (dom = ROUTE_SMARTHOSTS; dom <= ROUTE_SENDERROUTES; dom++) {
		route_init(&t);
		(void)route_parse(&t, "fuzz", p, size, dom, &err);
		route_free(&t);
	}
	if (memchr(p, '\n', size) == NULL &&
	    route_host_line(&h, p, size, &what, &w, &wn)) {
		if (!route_host_fmt(&h, &line) ||
		    !route_host_line(&again, line.s, line.len, &what, &w,
		    &wn))
			abort();
		if (strcmp(h.key, again.key) != 0 || h.tls != again.tls ||
		    strcmp(h.fingerprint, again.fingerprint) != 0 ||
		    strcmp(h.auth, again.auth) != 0 ||
		    h.authplain != again.authplain ||
		    strcmp(h.mxname, again.mxname) != 0)
			abort();
	}
	zs_free(&line);
	zs_free(&err);
	return 0;
}
