/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "destsusp.h"
#include "die.h"
#include "out.h"
#include "qstat.h"
#include "shaping.h"
#include "suspend.h"

/* Remove the records whose time is over; the scan goes on regardless. */
static int
sweep(const char *name, const struct zs *text, void *ctx)
{
	struct queue *q = ctx;
	struct destsusp r;

	if (destsusp_parse(text->s, text->len, &r) &&
	    r.until <= (unsigned long long)time(NULL))
		(void)queue_suspend_remove(q, name);
	return 1;
}

/* The key's file name, or a message and 0. */
static int
name_of(const char *key, char name[DESTSUSP_NAME_MAX + 1])
{
	if (destsusp_name(key, name))
		return 1;
	if (errno == ENAMETOOLONG)
		warn_x("destination key too long (the longest is 200 bytes): ",
		    key);
	else
		warn_x("not a destination key (printable, no blanks): ", key);
	return 0;
}

static int
resume(struct queue *q, const char *key, struct buf *o)
{
	char name[DESTSUSP_NAME_MAX + 1];
	int r;

	if (!name_of(key, name))
		return EXIT_PERM;
	r = queue_suspend_remove(q, name);
	if (r == -1) {
		warn_sys("unable to remove suspend/", name);
		return EXIT_TEMP;
	}
	if (r == 0) {
		warn_x("not suspended: ", key);
		return QSTAT_NOTFOUND;
	}
	queue_trigger(q);
	out_s(o, "resumed ");
	out_s(o, key);
	out_s(o, "\n");
	return EXIT_OK;
}

int
suspend_run(struct queue *q, int lift, const char *key, const char *dur,
    struct buf *o)
{
	char name[DESTSUSP_NAME_MAX + 1];
	unsigned long long ms = SUSPEND_DEFAULT * 1000ULL;
	struct destsusp r;
	struct zs t = ZS_INIT;
	struct timespec mt;
	int ok;

	(void)queue_suspend_scan(q, &mt, sweep, q);
	if (lift)
		return resume(q, key, o);
	if (dur != NULL && (!shaping_period(dur, strlen(dur), &ms) ||
	    ms < 1000)) {
		warn_x("bad duration (1s to 24h, as 30s, 10m, 1h): ", dur);
		return EXIT_PERM;
	}
	if (!name_of(key, name))
		return EXIT_PERM;
	memcpy(r.key, key, strlen(key) + 1);
	r.until = (unsigned long long)time(NULL) + (ms + 999) / 1000;
	ok = destsusp_fmt(&r, &t) && queue_suspend_write(q, name, t.s, t.len);
	zs_free(&t);
	if (!ok) {
		warn_sys("unable to write suspend/", name);
		return EXIT_TEMP;
	}
	queue_trigger(q);
	out_s(o, "suspended ");
	out_s(o, key);
	out_s(o, " until ");
	out_u(o, r.until);
	out_s(o, "\n");
	return EXIT_OK;
}
