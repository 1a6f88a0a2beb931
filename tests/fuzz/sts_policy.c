/* SPDX-License-Identifier: MIT */
/*
 * Fuzz what zr-sts reads from the network: the HTTP response, the policy
 * in it, and a TXT record. A policy that parses must survive the trip
 * through the cache record unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/zr-sts/policy.h"
#include "sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *why;
	char id[STS_ID_MAX + 1];
	struct sts_cache c, back;
	struct zs body = ZS_INIT, rec = ZS_INIT;
	size_t i;

	(void)sts_txt_parse(p, size, id, &why);
	if (policy_http_body(p, size, size % 2 == 0, &body, &why) && body.len > 0)
		(void)sts_policy_parse(body.s, body.len, &c.policy, &why);
	memset(&c, 0, sizeof c);
	if (sts_policy_parse(p, size, &c.policy, &why)) {
		c.have = true;
		memcpy(c.id, "fuzz", 5);
		c.fetched = c.checked = 1;
		if (!sts_cache_fmt(&c, &rec) ||
		    !sts_cache_parse(rec.s, rec.len, &back) ||
		    back.policy.mode != c.policy.mode ||
		    back.policy.max_age != c.policy.max_age ||
		    back.policy.nmx != c.policy.nmx)
			abort();
		for (i = 0; i < c.policy.nmx; i++)
			if (strcmp(back.policy.mx[i], c.policy.mx[i]) != 0 ||
			    (c.policy.mx[i][0] != '*' &&
			    !sts_mx_match(&c.policy, c.policy.mx[i])))
				abort();
	}
	(void)sts_cache_parse(p, size, &back);
	zs_free(&body);
	zs_free(&rec);
	return 0;
}
