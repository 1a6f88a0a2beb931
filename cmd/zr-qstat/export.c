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
#include "zs.h"


/*
 * zr-send's counters: messages_X and rcpts_X as results of one family
 * each, deferrals_X as the reasons of one, the others as counters of
 * their own.
 */
static void
counters(struct buf *o, const struct report_counts *rc)
{
	static const struct {
		const char *prefix, *metric, *label, *help;
	} fam[] = {
		{ "messages_", "zr_messages_total", "result",
		    "Messages that reached a state (deferred: deferrals)." },
		{ "rcpts_", "zr_deliveries_total", "result",
		    "Recipient results of delivery attempts." },
		{ "deferrals_", "zr_deferrals_total", "reason",
		    "Deferred recipients, by the reason of the deferral." },
	};
	size_t f, k;

	for (f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		int head = 0;

		for (k = 0; k < rc->ncounters; k++) {
			const char *n = rc->counter[k].name;
			size_t pl = strlen(fam[f].prefix);

			if (strncmp(n, fam[f].prefix, pl) != 0)
				continue;
			if (!head++)
				out_help(o, fam[f].metric, "counter", fam[f].help);
			out_s(o, fam[f].metric);
			out_s(o, "{");
			out_s(o, fam[f].label);
			out_s(o, "=\"");
			out_label(o, n + pl);
			out_s(o, "\"} ");
			out_u(o, rc->counter[k].value);
			out_s(o, "\n");
		}
	}
	for (k = 0; k < rc->ncounters; k++) {
		char name[64];
		const char *n = rc->counter[k].name;

		if (strncmp(n, "messages_", 9) == 0 ||
		    strncmp(n, "rcpts_", 6) == 0 ||
		    strncmp(n, "deferrals_", 10) == 0 ||
		    fmt_snprintf(name, sizeof name, "zr_%s_total",
		    strcmp(n, "attempts") == 0 ? "delivery_attempts" : n) == -1 ||
		    strspn(n, "abcdefghijklmnopqrstuvwxyz_") != strlen(n))
			continue;
		out_help(o, name, "counter", "A counter of zr-send.");
		out_s(o, name);
		out_s(o, " ");
		out_u(o, rc->counter[k].value);
		out_s(o, "\n");
	}
}

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
				out_help(o, fam[f].metric, "histogram",
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
	size_t k;

	if (!report_count(q, &rc))
		return EXIT_TEMP;

	out_help(o, "zr_queue_messages", "gauge",
	    "Messages in the queue, by state.");
	for (k = 0; k < qstat_nstates; k++) {
		if (qstat_states[k].json == NULL)
			continue;
		out_s(o, "zr_queue_messages{state=\"");
		out_s(o, qstat_states[k].json);
		out_s(o, "\"} ");
		out_u(o, report_state_count(&rc, k));
		out_s(o, "\n");
	}
	out_help(o, "zr_queue_pending_messages", "gauge",
	    "Messages not yet finished (queued, in progress, deferred, held), "
	    "by priority.");
	for (k = 0; k < PRIO_COUNT; k++) {
		out_s(o, "zr_queue_pending_messages{priority=\"");
		out_s(o, queue_prio_name((enum queue_prio)k));
		out_s(o, "\"} ");
		out_u(o, rc.prio[k]);
		out_s(o, "\n");
	}
	out_help(o, "zr_queue_size_bytes", "gauge",
	    "Bytes in the queue's message files.");
	out_s(o, "zr_queue_size_bytes ");
	out_u(o, rc.bytes);
	out_s(o, "\n");
	/*
	 * Pending messages only, and no sample at all without one: a queue-age
	 * alert (time() - this) must neither count delivered mail nor read an
	 * empty queue as 1970.
	 */
	out_help(o, "zr_queue_oldest_message_timestamp_seconds", "gauge",
	    "Arrival time of the oldest pending message; absent when none is.");
	if (rc.oldest_pending != 0) {
		out_s(o, "zr_queue_oldest_message_timestamp_seconds ");
		out_u(o, (unsigned long long)rc.oldest_pending);
		out_s(o, "\n");
	}
	out_help(o, "zr_queue_average_age_seconds", "gauge",
	    "Average time pending messages have spent in the queue.");
	out_s(o, "zr_queue_average_age_seconds ");
	out_f(o, rc.avg_age);
	out_s(o, "\n");
	out_help(o, "zr_queue_average_attempts", "gauge",
	    "Average delivery attempts of pending messages.");
	out_s(o, "zr_queue_average_attempts ");
	out_f(o, rc.avg_attempts);
	out_s(o, "\n");
	out_help(o, "zr_queue_next_retry_timestamp_seconds", "gauge",
	    "When the earliest deferred message is due, 0 when none is.");
	out_s(o, "zr_queue_next_retry_timestamp_seconds ");
	out_u(o, (unsigned long long)rc.next_retry);
	out_s(o, "\n");
	out_help(o, "zr_queue_messages_by_host", "gauge",
	    "Messages by the host of their last delivery attempt.");
	for (k = 0; k < rc.nhosts; k++) {
		out_s(o, "zr_queue_messages_by_host{host=\"");
		out_label(o, rc.hosts[k].host);
		out_s(o, "\"} ");
		out_u(o, rc.hosts[k].n);
		out_s(o, "\n");
	}
	counters(o, &rc);
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
