/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "send.h"

struct num {
	const char *name;
	size_t off;
	unsigned long long def, min, max;
};

#define F(x) offsetof(struct send_conf, x)
static const struct num nums[] = {
	{ "concurrency", F(concurrency), 20, 1, SEND_CONCURRENCY_MAX },
	{ "concurrencyperhost", F(perhost), 5, 1, SEND_CONCURRENCY_MAX },
	{ "queueinterval", F(queueinterval), 30, 1, 86400 },
	{ "retrybase", F(retrybase), 60, 1, 86400 },
	{ "retrymax", F(retrymax), 14400, 1, 7 * 86400 },
	{ "lifetime", F(lifetime), 4 * 86400, 1, 365 * 86400ULL },
	{ "maxretries", F(maxretries), 0, 0, 1000000 },
	{ "cleanupinterval", F(cleanupinterval), 3600, 1, 7 * 86400 },
	{ "retention", F(retention), 86400, 0, 365 * 86400ULL },
	{ "shutdowntimeout", F(shutdowntimeout), 60, 0, 86400 },
	{ "hostbackoff", F(hostbackoff), 60, 0, 86400 },
	{ "connectionidle", F(idle), 2, 0, 3600 },
};
#undef F

int
send_conf_load(struct send_conf *c, struct zs *err)
{
	struct send_conf n = *c;
	size_t i;

	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		unsigned long long *u = (unsigned long long *)(void *)
		    ((char *)&n + nums[i].off);

		err->len = 0;
		if (control_readulong(nums[i].name, u, nums[i].def) == -1 ||
		    *u < nums[i].min || *u > nums[i].max) {
			if (errno == 0 || *u < nums[i].min || *u > nums[i].max)
				errno = EINVAL;
			if (zs_cats(err, nums[i].name) &&
			    zs_cats(err, ": bad value"))
				zs_0(err);
			return 0;
		}
	}
	/* route_load replaces the table only when both files are sound. */
	if (!route_load(&n.routes, err))
		return 0;
	*c = n;
	return 1;
}

void
send_conf_free(struct send_conf *c)
{
	route_free(&c->routes);
}

unsigned long long
send_retry_delay(const struct send_conf *c, unsigned attempts)
{
	unsigned long long d = c->retrybase;
	unsigned i;

	for (i = 1; i < attempts && d < c->retrymax; i++)
		d *= 2;
	return d < c->retrymax ? d : c->retrymax;
}
