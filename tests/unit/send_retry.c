/* SPDX-License-Identifier: MIT */
#include "../lib/tap.h"
#include "../../cmd/zr-send/send.h"

int
main(void)
{
	struct send_conf c = { .retrybase = 60, .retrymax = 14400 };
	static const unsigned long long want[] = { 60, 120, 240, 480, 960,
		1920, 3840, 7680, 14400, 14400, 14400 };
	unsigned long long total = 0;
	unsigned i;
	int all = 1;

	plan(4);
	for (i = 0; i < 11; i++)
		all &= send_retry_delay(&c, i + 1) == want[i];
	ok(all, "1, 2, 4, 8, 16, 32 minutes, then 64, 128, then 4 hours");
	for (i = 0; i < 10; i++)
		total += send_retry_delay(&c, i + 1);
	ok(total > 11 * 3600 && total < 13 * 3600,
	    "10 retries end after about 12 hours (%llu s)", total);
	ok(send_retry_delay(&c, 1000000) == 14400, "no overflow on many tries");
	c.retrybase = 1;
	c.retrymax = 4;
	ok(send_retry_delay(&c, 1) == 1 && send_retry_delay(&c, 3) == 4 &&
	    send_retry_delay(&c, 5) == 4, "a shrunk unit for tests");
	return done();
}
