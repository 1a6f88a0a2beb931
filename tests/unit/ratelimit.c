/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "ratelimit.h"
#include "../lib/tap.h"

int
main(void)
{
	char dir[] = "/tmp/zr-ratelimit.XXXXXX";
	unsigned char a[RATELIMIT_KEY] = { 1 }, b[RATELIMIT_KEY] = { 2 };
	unsigned char k[RATELIMIT_KEY];
	struct stat st;
	int dfd, i, r = 1, over = 0;
	char path[64];

	plan(11);
	if (mkdtemp(dir) == NULL)
		return 1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	for (i = 0; i < 3; i++)
		r &= ratelimit_take(dfd, "rl", a, 3, 60, 1000) == 1;
	ok(r, "three within a limit of three");
	ok(ratelimit_take(dfd, "rl", a, 3, 60, 1010) == 0,
	    "the fourth is over");
	ok(ratelimit_take(dfd, "rl", b, 3, 60, 1010) == 1,
	    "another key has its own count");
	ok(ratelimit_take(dfd, "rl", a, 3, 60, 1060) == 1,
	    "a new window after 60 seconds");
	ok(ratelimit_take(dfd, "rl", a, 3, 60, 900) == 1,
	    "a clock that went back starts a new window");
	ok(ratelimit_take(dfd, "rl", a, 0, 60, 2000) == 0,
	    "a limit of zero refuses");
	{
		unsigned char c[RATELIMIT_KEY] = { 3 };

		r = ratelimit_check(dfd, "rl", c, 2, 60, 5000) == 1;
		r &= ratelimit_check(dfd, "rl", c, 2, 60, 5000) == 1;
		ok(r, "check does not count: a new key is under its limit");
		r = ratelimit_take(dfd, "rl", c, 2, 60, 5000) == 1 &&
		    ratelimit_check(dfd, "rl", c, 2, 60, 5001) == 1 &&
		    ratelimit_take(dfd, "rl", c, 2, 60, 5002) == 1;
		ok(r && ratelimit_check(dfd, "rl", c, 2, 60, 5003) == 0,
		    "after two takes, check says the limit of two is used up");
		ok(ratelimit_check(dfd, "rl", c, 2, 60, 5062) == 1,
		    "and it is free again in the next window");
	}
	/* Far more keys than slots: the file stays the same size. */
	for (i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
		memset(k, 0, sizeof k);
		memcpy(k, &i, sizeof i);
		if (ratelimit_take(dfd, "rl", k, 1, 60, 3000) != 1)
			over++;
	}
	ok(over == 0, "new keys evict the oldest windows");
	ok(fstatat(dfd, "rl", &st, 0) == 0 &&
	    st.st_size <= RATELIMIT_FILE_SIZE, "the file never grows past %d",
	    RATELIMIT_FILE_SIZE);
	fmt_snprintf(path, sizeof path, "%s/rl", dir);
	unlink(path);
	rmdir(dir);
	close(dfd);
	return done();
}
