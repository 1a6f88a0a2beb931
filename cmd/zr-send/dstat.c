/* SPDX-License-Identifier: MIT */
#include "dstat.h"
#include "loop.h"
#include "suspend.h"

void
dstat_reply(struct send *s, const struct job *j, const struct job_report *r,
    long long now)
{
	struct shape_dest *d = &s->shape.d[j->dest];
	unsigned long long n[SR_COUNT] = { 0 };
	size_t i, k;

	for (i = 0; i < j->nrcpt; i++) {
		enum qstate_status st = r != NULL ? job_rcpt_status(r, i) :
		    RS_DEFERRED;

		n[st == RS_DELIVERED || st == RS_RELAYED ? SR_DELIVERED :
		    st == RS_FAILED ? SR_FAILED : SR_DEFERRED]++;
	}
	for (k = 0; k < SR_COUNT; k++)
		if (n[k] > 0)
			shape_count(d, (enum shape_result)k, n[k], now);
}

static int
word(struct zs *l, const char *key, unsigned long long n)
{
	return zs_catc(l, ' ') && zs_cats(l, key) && zs_catc(l, '=') &&
	    zs_catulong(l, n);
}

int
dstat_fmt(const struct send *s, size_t d, long long now, struct zs *l)
{
	const struct shape_dest *x = &s->shape.d[d];
	struct shaping_limits lim;
	size_t i, queued = x->nparked;

	/* Waiting for a deliverer, held by its limits, or parked. */
	for (i = 0; i < s->npending; i++)
		queued += s->pending[i]->dest == d;
	/* A slow start gives way to a msgrate (shape_limits). */
	shape_limits(x, now, &lim);
	return word(l, "queued", queued) &&
	    word(l, "recent_4xx", shape_recent(x, SR_DEFERRED, now)) &&
	    word(l, "recent_5xx", shape_recent(x, SR_FAILED, now)) &&
	    word(l, "delivered_total", x->total[SR_DELIVERED]) &&
	    word(l, "deferred_total", x->total[SR_DEFERRED]) &&
	    word(l, "failed_total", x->total[SR_FAILED]) &&
	    word(l, "dead_fails", x->dead_fails +
	    (x->dead_level > 0 ? x->dead_level - 1 : 0)) &&
	    word(l, "slow_start", lim.msgrate.n == 0 ? x->slow : 0) &&
	    (now >= x->susp_until || (zs_cats(l, " suspended_by=") &&
	    zs_cats(l, suspend_operator(s, d, now) ? "operator" : "reply")));
}
