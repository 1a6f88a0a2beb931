/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>

#include "hist.h"
#include "scan.h"
#include "zs.h"

static const struct {
	const char *name;
	const char *result[HIST_RESULTS];
	size_t nresult;
	unsigned long long bound[HIST_BOUNDS_MAX];	/* ms, rising */
	size_t nbound;
} kinds[HIST_KINDS] = {
	[HIST_QUEUE] = { "queue",
	    { "delivered", "partial", "failed", "expired" }, 4,
	    /* 1 s .. 4 days: mail is in the queue seconds, or retried. */
	    { 1000, 5000, 15000, 60000, 300000, 900000, 3600000, 14400000,
	    86400000, 345600000 }, 10 },
	[HIST_DELIVERY] = { "delivery",
	    { "success", "failure", "deferral" }, 3,
	    /* 50 ms .. 5 min: one SMTP transaction, up to its timeouts. */
	    { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
	    300000 }, 11 },
};
_Static_assert(HIST_RESULTS >= 4, "queue results fit");

void
hist_add(struct hist_set *hs, enum hist_kind k, int r, long long ms)
{
	struct hist *h;
	size_t b = 0;

	if ((unsigned)k >= HIST_KINDS || r < 0 || (size_t)r >= kinds[k].nresult)
		return;
	if (ms < 0)
		ms = 0;		/* a clock stepped back */
	h = &hs->h[k][r];
	while (b < kinds[k].nbound && (unsigned long long)ms > kinds[k].bound[b])
		b++;
	h->n[b]++;
	h->sum_ms += (unsigned long long)ms;
	hs->dirty = true;
}

/* "KIND RESULT SUM_MS N0 .. NB" for a known kind and result, into hs. */
static void
load_line(struct hist_set *hs, char *line)
{
	char *w[3 + HIST_BOUNDS_MAX + 1];
	size_t nw = 0, k, r, i;
	unsigned long long u[HIST_BOUNDS_MAX + 2];
	struct hist h;

	while (nw < sizeof w / sizeof w[0] && *line != '\0') {
		w[nw++] = line;
		line += strcspn(line, " ");
		if (*line == ' ')
			*line++ = '\0';
	}
	if (*line != '\0' || nw < 3)
		return;
	for (k = 0; k < HIST_KINDS && strcmp(w[0], kinds[k].name) != 0; k++)
		;
	if (k == HIST_KINDS || nw != 3 + kinds[k].nbound + 1)
		return;
	for (r = 0; r < kinds[k].nresult &&
	    strcmp(w[1], kinds[k].result[r]) != 0; r++)
		;
	if (r == kinds[k].nresult)
		return;
	for (i = 2; i < nw; i++)
		if (!scan_ulong_all(w[i], &u[i - 2]))
			return;
	memset(&h, 0, sizeof h);
	h.sum_ms = u[0];
	for (i = 0; i <= kinds[k].nbound; i++)
		h.n[i] = u[i + 1];
	hs->h[k][r] = h;
}

int
hist_load(struct hist_set *hs, struct queue *q)
{
	struct zs t = ZS_INIT;
	size_t i;
	int r;

	memset(hs, 0, sizeof *hs);
	r = queue_stats_read(q, "histograms", &t);
	if (r == -1)
		return 0;
	if (r == 1 && t.len >= 10 && memcmp(t.s, "zr-hist 1\n", 10) == 0 &&
	    zs_0(&t)) {
		for (i = 10; i < t.len;) {
			char *line = t.s + i, *nl = strchr(line, '\n');

			if (nl == NULL)
				break;
			*nl = '\0';
			i = (size_t)(nl - t.s) + 1;
			load_line(hs, line);
		}
	}
	zs_free(&t);
	return 1;
}

int
hist_save(struct hist_set *hs, struct queue *q)
{
	struct zs t = ZS_INIT;
	size_t k, r, b;
	int ok = zs_cats(&t, "zr-hist 1\n");

	for (k = 0; ok && k < HIST_KINDS; k++) {
		ok = zs_cats(&t, "bounds ") && zs_cats(&t, kinds[k].name);
		for (b = 0; ok && b < kinds[k].nbound; b++)
			ok = zs_catc(&t, ' ') &&
			    zs_catulong(&t, kinds[k].bound[b]);
		ok = ok && zs_catc(&t, '\n');
		for (r = 0; ok && r < kinds[k].nresult; r++) {
			const struct hist *h = &hs->h[k][r];

			ok = zs_cats(&t, kinds[k].name) && zs_catc(&t, ' ') &&
			    zs_cats(&t, kinds[k].result[r]) &&
			    zs_catc(&t, ' ') && zs_catulong(&t, h->sum_ms);
			for (b = 0; ok && b <= kinds[k].nbound; b++)
				ok = zs_catc(&t, ' ') &&
				    zs_catulong(&t, h->n[b]);
			ok = ok && zs_catc(&t, '\n');
		}
	}
	ok = ok && queue_stats_write(q, "histograms", t.s, t.len);
	if (ok)
		hs->dirty = false;
	zs_free(&t);
	return ok;
}
