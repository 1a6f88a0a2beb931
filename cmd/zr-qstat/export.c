/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"
#include "envelope.h"
#include "export.h"
#include "fmt.h"
#include "dests.h"
#include "out.h"
#include "qstate.h"
#include "report.h"
#include "scan.h"
#include "summary.h"
#include "zs.h"

/* Milliseconds as seconds in decimal: 50 as 0.05, 1000 as 1. */
static void
out_ms(struct buf *o, unsigned long long ms)
{
	char frac[4];
	size_t n = 3;

	out_u(o, ms / 1000);
	frac[0] = (char)('0' + ms / 100 % 10);
	frac[1] = (char)('0' + ms / 10 % 10);
	frac[2] = (char)('0' + ms % 10);
	while (n > 0 && frac[n - 1] == '0')
		n--;
	if (n > 0) {
		(void)buf_put(o, ".", 1);
		(void)buf_put(o, frac, n);
	}
}

#define HIST_WORDS 24

/* Split line at blanks into w; the number of words, or 0 for too many. */
static size_t
words(char *line, char *w[HIST_WORDS])
{
	size_t n = 0;

	while (*line != '\0') {
		if (n == HIST_WORDS)
			return 0;
		w[n++] = line;
		line += strcspn(line, " ");
		if (*line == ' ')
			*line++ = '\0';
	}
	return n;
}

/*
 * zr-send's stats/histograms ("zr-hist 1", then per kind a "bounds" line
 * of bucket bounds in ms and "KIND RESULT SUM_MS N..." lines of counts per
 * bucket, +Inf last) as Prometheus histograms, buckets made cumulative.
 */
static void
histograms(struct queue *q, struct buf *o)
{
	static const struct {
		const char *kind, *metric, *help;
	} fam[] = {
		{ "queue", "zr_queue_time_seconds", "Time finished messages "
		    "spent in the queue, arrival to final state, by that state." },
		{ "delivery", "zr_delivery_time_seconds", "Time of delivery "
		    "attempts, job to report, once per recipient by its result." },
	};
	struct zs t = ZS_INIT;
	size_t f;

	if (queue_stats_read(q, "histograms", &t) != 1 || !zs_0(&t) ||
	    t.len < 10 || memcmp(t.s, "zr-hist 1\n", 10) != 0) {
		zs_free(&t);
		return;
	}
	for (f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		unsigned long long bound[HIST_WORDS];
		size_t nbound = 0, i = 10, k;
		int head = 0;

		while (i < t.len) {
			char *line = t.s + i, *nl = strchr(line, '\n');
			char *w[HIST_WORDS], save[512];
			unsigned long long u, cum = 0;
			size_t nw, len;

			if (nl == NULL)
				break;
			i = (size_t)(nl - t.s) + 1;
			len = (size_t)(nl - line);
			if (len >= sizeof save)
				continue;
			memcpy(save, line, len);
			save[len] = '\0';
			nw = words(save, w);
			if (nw >= 2 && strcmp(w[0], "bounds") == 0 &&
			    strcmp(w[1], fam[f].kind) == 0) {
				for (k = 2, nbound = 0; k < nw; k++)
					if (scan_ulong_all(w[k], &bound[nbound]))
						nbound++;
				continue;
			}
			if (nw < 3 || strcmp(w[0], fam[f].kind) != 0 ||
			    nbound == 0 || nw != 3 + nbound + 1 ||
			    strspn(w[1], "abcdefghijklmnopqrstuvwxyz") !=
			    strlen(w[1]))
				continue;
			for (k = 2; k < nw; k++)
				if (!scan_ulong_all(w[k], &u))
					break;
			if (k < nw)
				continue;
			if (!head++)
				out_metric(o, fam[f].metric, "histogram",
				    fam[f].help);
			for (k = 0; k <= nbound; k++) {
				(void)scan_ulong_all(w[3 + k], &u);
				cum += u;
				out_s(o, fam[f].metric);
				out_s(o, "_bucket{result=\"");
				out_s(o, w[1]);
				out_s(o, "\",le=\"");
				if (k < nbound)
					out_ms(o, bound[k]);
				else
					out_s(o, "+Inf");
				out_s(o, "\"} ");
				out_u(o, cum);
				out_s(o, "\n");
			}
			(void)scan_ulong_all(w[2], &u);
			out_s(o, fam[f].metric);
			out_s(o, "_sum{result=\"");
			out_s(o, w[1]);
			out_s(o, "\"} ");
			out_ms(o, u);
			out_s(o, "\n");
			out_s(o, fam[f].metric);
			out_s(o, "_count{result=\"");
			out_s(o, w[1]);
			out_s(o, "\"} ");
			out_u(o, cum);
			out_s(o, "\n");
		}
	}
	zs_free(&t);
}

int
export_prometheus(struct queue *q, struct buf *o)
{
	struct report_counts rc;

	if (!report_count(q, &rc, 0))
		return EXIT_TEMP;
	summary_render(SUMMARY_PROM, q->root, &rc, time(NULL), o);
	histograms(q, o);
	dests_prometheus(q, o);
	report_counts_free(&rc);
	return EXIT_OK;
}

/* Postfix's queue names for zr's pending directories. */
static const char *
postfix_queue(enum queue_dir d)
{
	switch (d) {
	case QD_ACTIVE:
		return "active";
	case QD_DEFERRED:
		return "deferred";
	case QD_HOLD:
		return "hold";
	default:
		return "incoming";
	}
}

int
export_postqueue(struct queue *q, struct buf *o)
{
	struct scan s;
	size_t i, k;
	int code = EXIT_OK;

	if (!report_gather(q, PENDING_BITS, &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;
		struct qstate st;
		int r = report_load(q, it, &e), first = 1;

		if (r != 1 || !report_load_state(q, it, &e, &st)) {
			if (r == -1)
				code = EXIT_TEMP;
			envelope_free(&e);
			continue;
		}
		out_s(o, "{\"queue_name\":");
		out_json(o, postfix_queue(it->dir));
		out_s(o, ",\"queue_id\":");
		out_json(o, it->id);
		out_s(o, ",\"arrival_time\":");
		out_u(o, (unsigned long long)e.arrival);
		out_s(o, ",\"message_size\":");
		out_u(o, (unsigned long long)e.size);
		out_s(o, ",\"forced_expire\":false,\"sender\":");
		out_json(o, e.sender);
		out_s(o, ",\"recipients\":[");
		for (k = 0; k < e.nrcpt; k++) {
			const struct qstate_rcpt *sr = &st.rcpt[k];

			/* Like postqueue, only recipients still to deliver. */
			if (sr->status != RS_PENDING && sr->status != RS_DEFERRED)
				continue;
			out_s(o, first ? "{\"address\":" : ",{\"address\":");
			first = 0;
			out_json(o, e.rcpt[k].addr);
			if (sr->reply[0] != '\0') {
				out_s(o, ",\"delay_reason\":");
				out_json(o, sr->reply);
			}
			out_s(o, "}");
		}
		out_s(o, "],\"state\":");
		out_json(o, report_state_name(it->dir));
		out_s(o, ",\"priority\":");
		out_json(o, queue_prio_name(e.prio));
		out_s(o, ",\"attempts\":");
		out_u(o, st.attempts);
		out_s(o, ",\"next_attempt_time\":");
		out_u(o, (unsigned long long)st.next);
		out_s(o, "}\n");
		qstate_free(&st);
		envelope_free(&e);
	}
	free(s.items);
	return code;
}
