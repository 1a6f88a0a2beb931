/* SPDX-License-Identifier: MIT */
/* zr-smtpd's control/senderlimits: the lines, and counting in the table. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/zr-smtpd/smtpd_limit.h"
#include "../lib/tap.h"

static int
bad(const char *line)
{
	struct smtpd_limits t = { 0 };
	size_t b = 0;
	int r = smtpd_limit_parse(&t, line, 1, &b);

	smtpd_limit_free(&t);
	return !r && b == 1;
}

int
main(void)
{
	static const char lines[] = "app@x.test 3/1h\0@bulk.test 2/90m\0"
	    "authuser:alice 1/2d\0@.sub.test 5/30s\0w@x.test 4/10";
	struct smtpd_limits t = { 0 };
	const struct smtpd_limit *over = NULL;
	char dir[] = "/tmp/zr-unit-limit.XXXXXX";
	size_t b = 0;
	int fd, i, r;

	plan(11);
	ok(smtpd_limit_parse(&t, lines, 5, &b) && t.n == 5, "five caps parsed");
	ok(t.l[0].count == 3 && t.l[0].period == 3600 &&
	    t.l[1].period == 5400 && t.l[2].period == 172800 &&
	    t.l[3].period == 30 && t.l[4].period == 10,
	    "periods in s, m, h, d and plain seconds");
	ok(t.l[2].authuser && !t.l[0].authuser, "authuser: lines");
	ok(memcmp(t.l[0].key, t.l[1].key, RATELIMIT_KEY) != 0 &&
	    memcmp(t.l[0].key, t.l[0].logkey, RATELIMIT_KEY) != 0,
	    "each line and its log have keys of their own");
	ok(bad("app@x.test") && bad("app@x.test 3") && bad("app@x.test 0/1h") &&
	    bad("app@x.test 3/0") && bad("app@x.test 3/1w") &&
	    bad("app@x.test /1h") && bad("not-an-address 3/1h") &&
	    bad("@bad..test 3/1h") && bad("app@x.test 3/1h extra") &&
	    bad("authuser: 3/1h"), "malformed lines are refused");
	if (mkdtemp(dir) == NULL || (fd = open(dir, O_RDONLY)) == -1 ||
	    mkdirat(fd, "lock", 0700) == -1)
		return 1;
	for (i = 0, r = 1; i < 3 && r == 1; i++)
		r = smtpd_limit_take(&t, fd, "App@X.test", NULL, 1000, &over);
	ok(r == 1, "three messages from app@x.test pass");
	ok(smtpd_limit_take(&t, fd, "app@x.test", NULL, 1000, &over) == 0 &&
	    over == &t.l[0], "the fourth is over, and the line named");
	ok(smtpd_limit_take(&t, fd, "app@x.test", NULL, 4601, &over) == 1,
	    "a new window starts after the period");
	ok(smtpd_limit_take(&t, fd, "x@y.test", "alice", 1000, &over) == 1 &&
	    smtpd_limit_take(&t, fd, "z@y.test", "alice", 1000, &over) == 0 &&
	    over == &t.l[2], "authuser:alice counts by user, whatever sender");
	ok(smtpd_limit_take(&t, fd, "a@b.sub.test", NULL, 1000, &over) == 1 &&
	    smtpd_limit_take(&t, fd, "", NULL, 1000, &over) == 1,
	    "@.sub.test matches a subdomain; the null sender matches nothing");
	ok(smtpd_limit_first(&t.l[0], fd, 1000) == 1 &&
	    smtpd_limit_first(&t.l[0], fd, 1001) == 0 &&
	    smtpd_limit_first(&t.l[0], fd, 4601) == 1,
	    "a refusal is logged once per window");
	unlinkat(fd, "lock/senderlimit", 0);
	unlinkat(fd, "lock", AT_REMOVEDIR);
	close(fd);
	rmdir(dir);
	smtpd_limit_free(&t);
	return done();
}
