/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "child.h"
#include "clock.h"
#include "die.h"
#include "log.h"
#include "loop.h"
#include "scan.h"
#include "stats.h"
#include "zs.h"

static const char *const stat_names[] = {
	"messages_delivered", "messages_partial", "messages_failed",
	"messages_expired", "messages_deferred", "rcpts_delivered",
	"rcpts_failed", "rcpts_expired", "rcpts_deferred", "attempts",
	"notifications", "notifications_suppressed",
	/* Deferred recipients by reason, in the order of enum reason. */
	"deferrals_dns", "deferrals_connect", "deferrals_tls", "deferrals_auth",
	"deferrals_throttled", "deferrals_mailbox", "deferrals_loop",
	"deferrals_other",
};
_Static_assert(sizeof stat_names / sizeof stat_names[0] == ST_COUNT,
    "a name for every counter");

void
stats_load(unsigned long long *v, struct queue *q)
{
	struct zs t = ZS_INIT;
	size_t i = 0, k;

	if (queue_stats_read(q, "counters", &t) != 1)
		goto out;
	while (i < t.len) {
		char *line = t.s + i, *nl = memchr(line, '\n', t.len - i), *sp;
		unsigned long long u;

		if (nl == NULL)
			break;
		*nl = '\0';
		i = (size_t)(nl - t.s) + 1;
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp++ = '\0';
		for (k = 0; k < ST_COUNT; k++)
			if (strcmp(line, stat_names[k]) == 0 &&
			    scan_ulong_all(sp, &u))
				v[k] = u;
	}
out:
	zs_free(&t);
}

int
stats_save(const unsigned long long *v, struct queue *q)
{
	struct zs t = ZS_INIT;
	size_t k;
	int ok = zs_cats(&t, "zr-stats 1\n");

	for (k = 0; ok && k < ST_COUNT; k++)
		ok = zs_cats(&t, stat_names[k]) && zs_catc(&t, ' ') &&
		    zs_catulong(&t, v[k]) && zs_catc(&t, '\n');
	ok = ok && queue_stats_write(q, "counters", t.s, t.len);
	zs_free(&t);
	return ok;
}

/* The counters and histograms to stats/, about once a second. */
void
stats_flush(struct send *s)
{
	if (stats_save(s->stats, &s->q))
		s->stats_dirty = false;
	else
		warn_sys("trouble writing stats/counters; will try again");
	if (s->hist.dirty && !hist_save(&s->hist, &s->q)) {
		s->stats_dirty = true;
		warn_sys("trouble writing stats/histograms; will try again");
	}
	s->stats_at = clock_ms();
}

void
stats_status(struct send *s, bool force)
{
	struct zs l = ZS_INIT;
	size_t b = child_busy(s);

	if (!force && (b == s->status_busy || clock_ms() - s->status_at < 1000))
		return;
	s->status_busy = b;
	s->status_at = clock_ms();
	/* The DNS cache's record rides along, for its hit rate. */
	if (zs_cats(&l, "status: local 0/0 remote ") && log_num(&l, b) &&
	    zs_catc(&l, '/') && log_num(&l, s->conf->concurrency) &&
	    (!s->mx.dns_ok || (zs_cats(&l, " dns_hits=") &&
	    log_num(&l, s->mx.dns.hits) && zs_cats(&l, " dns_misses=") &&
	    log_num(&l, s->mx.dns.misses))))
		log_line(&l);
	zs_free(&l);
}
