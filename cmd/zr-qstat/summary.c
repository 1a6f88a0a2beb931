/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "out.h"
#include "summary.h"

/* What a row holds; the formatters switch on it. */
enum summary_kind {
	SK_QUEUE,		/* the queue's path */
	SK_TOTAL,		/* messages, all but the damaged */
	SK_STATES,		/* messages per state (qstat_states), labelled */
	SK_PRIO,		/* pending messages per priority, labelled */
	SK_BYTES,		/* bytes of all message files */
	SK_OLDEST,		/* arrival of the oldest message, or none */
	SK_OLDEST_PENDING,	/* the same of pending ones; no sample if none */
	SK_AVG_AGE,		/* seconds pending messages spent queued */
	SK_AVG_ATTEMPTS,	/* attempts of pending messages */
	SK_NEXT_RETRY,		/* when the earliest deferred one is due */
	SK_HOSTS,		/* messages by their last host, labelled */
	SK_COUNTERS,		/* zr-send's stats/counters */
	SK_FROM_SEND,		/* deferred/ as zr-send told it; only then */
};

/*
 * The statistics in output order. A NULL name leaves a row out of that
 * format, "" marks a row that names its values itself (the states, zr-send's
 * counters). --json has always put by_priority after oldest_message_time,
 * so SK_PRIO has a row for it there. text is the label (a heading for the
 * labelled rows), metric the Prometheus gauge with its help and label.
 */
static const struct summary_row {
	enum summary_kind kind;
	const char *text, *json, *metric, *label, *help;
} rows[] = {
	{ SK_QUEUE, "queue", "queue", NULL, NULL, NULL },
	{ SK_TOTAL, "messages", "total", NULL, NULL, NULL },
	{ SK_STATES, "", "", "zr_queue_messages", "state",
	    "Messages in the queue, by state." },
	{ SK_PRIO, "by priority", NULL, "zr_queue_pending_messages",
	    "priority", "Messages not yet finished (queued, in progress, "
	    "deferred, held), by priority." },
	{ SK_BYTES, "total size", "total_size", "zr_queue_size_bytes", NULL,
	    "Bytes in the queue's message files." },
	{ SK_OLDEST, "oldest message", "oldest_message_time", NULL, NULL,
	    NULL },
	/*
	 * Pending messages only, and no sample at all without one: a
	 * queue-age alert (time() - this) must neither count delivered mail
	 * nor read an empty queue as 1970.
	 */
	{ SK_OLDEST_PENDING, NULL, NULL,
	    "zr_queue_oldest_message_timestamp_seconds", NULL,
	    "Arrival time of the oldest pending message; absent when none "
	    "is." },
	{ SK_PRIO, NULL, "by_priority", NULL, NULL, NULL },
	{ SK_AVG_AGE, "average queue time", "average_queue_time",
	    "zr_queue_average_age_seconds", NULL,
	    "Average time pending messages have spent in the queue." },
	{ SK_AVG_ATTEMPTS, "average attempts", "average_retry_count",
	    "zr_queue_average_attempts", NULL,
	    "Average delivery attempts of pending messages." },
	{ SK_NEXT_RETRY, "next retry", "next_retry_time",
	    "zr_queue_next_retry_timestamp_seconds", NULL,
	    "When the earliest deferred message is due, 0 when none is." },
	{ SK_HOSTS, "by host (last attempt)", "by_host",
	    "zr_queue_messages_by_host", "host",
	    "Messages by the host of their last delivery attempt." },
	{ SK_COUNTERS, "since the counters began (zr-send)", "counters",
	    "", NULL, NULL },
	{ SK_FROM_SEND, "deferred details", "deferred_from_send", NULL, NULL,
	    NULL },
};

/*
 * The value of a row of one number: a count (*u), a time (*u, 0 when there
 * is none) or a fraction (*d); SV_NONE for the other rows.
 */
enum summary_value { SV_NONE, SV_COUNT, SV_TIME, SV_FRACTION };

static enum summary_value
scalar(const struct report_counts *rc, enum summary_kind kind,
    unsigned long long *u, double *d)
{
	switch (kind) {
	case SK_TOTAL:
		*u = rc->total;
		return SV_COUNT;
	case SK_BYTES:
		*u = rc->bytes;
		return SV_COUNT;
	case SK_OLDEST:
		*u = (unsigned long long)rc->oldest;
		return SV_TIME;
	case SK_OLDEST_PENDING:
		*u = (unsigned long long)rc->oldest_pending;
		return SV_TIME;
	case SK_NEXT_RETRY:
		*u = rc->next_retry > 0 ? (unsigned long long)rc->next_retry : 0;
		return SV_TIME;
	case SK_AVG_AGE:
		*d = rc->avg_age;
		return SV_FRACTION;
	case SK_AVG_ATTEMPTS:
		*d = rc->avg_attempts;
		return SV_FRACTION;
	default:
		return SV_NONE;
	}
}

/* The column where the text's values start. */
#define TEXT_LABEL 22

/* A labelled value in the text: indented, padded to width, then n. */
static void
text_item(struct buf *o, const char *name, size_t width,
    unsigned long long n)
{
	out_s(o, "  ");
	out_pad(o, name, width, 0);
	out_upad(o, n, 8);
	out_s(o, "\n");
}

static void
text_row(struct buf *o, const struct summary_row *r, const char *root,
    const struct report_counts *rc, time_t now)
{
	size_t k;

	switch (r->kind) {
	case SK_QUEUE:
		out_s(o, "queue ");
		out_s(o, root);
		out_s(o, "\n");
		return;
	case SK_STATES:
		for (k = 0; k < qstat_nstates; k++)
			if (qstat_states[k].json != NULL)
				text_item(o, qstat_states[k].name, 20,
				    report_state_count(rc, k));
		return;
	case SK_HOSTS:
		if (rc->nhosts > 0)
			out_s(o, "by host (last attempt)\n");
		for (k = 0; k < rc->nhosts; k++)
			text_item(o, rc->hosts[k].host, 28, rc->hosts[k].n);
		return;
	case SK_FROM_SEND:
		if (rc->from_send == 0)
			return;
		out_pad(o, r->text, TEXT_LABEL, 0);
		out_s(o, "from zr-send's stats/deferred, ");
		out_age(o, (long long)(now > rc->from_send ?
		    now - rc->from_send : 0));
		out_s(o, " old\n");
		return;
	case SK_COUNTERS:
		if (rc->ncounters > 0)
			out_s(o, "since the counters began (zr-send)\n");
		for (k = 0; k < rc->ncounters; k++)
			text_item(o, rc->counter[k].name, 28,
			    rc->counter[k].value);
		return;
	default:
		break;
	}
	out_pad(o, r->text, TEXT_LABEL, 0);
	switch (r->kind) {
	case SK_TOTAL:
		out_upad(o, rc->total, 8);
		break;
	case SK_PRIO:
		for (k = 0; k < PRIO_COUNT; k++) {
			out_s(o, k ? " " : "");
			out_s(o, queue_prio_name((enum queue_prio)k));
			out_s(o, "=");
			out_u(o, rc->prio[k]);
		}
		break;
	case SK_BYTES:
		out_upad(o, rc->bytes, 8);
		out_s(o, " bytes");
		break;
	case SK_OLDEST:
		if (rc->oldest != 0) {
			char when[64];
			struct tm tm;

			if (localtime_r(&rc->oldest, &tm) != NULL &&
			    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z",
			    &tm))
				out_s(o, when);
			out_s(o, " (");
			out_age(o, (long long)(now - rc->oldest));
			out_s(o, " ago)");
		} else {
			out_s(o, "none");
		}
		break;
	case SK_AVG_AGE:
		out_age(o, (long long)rc->avg_age);
		out_s(o, " (pending messages)");
		break;
	case SK_AVG_ATTEMPTS:
		out_f(o, rc->avg_attempts);
		break;
	case SK_NEXT_RETRY:
		if (rc->next_retry > 0) {
			out_s(o, "in ");
			out_age(o, rc->next_retry - (long long)now);
		} else {
			out_s(o, "none");
		}
		break;
	default:
		break;
	}
	out_s(o, "\n");
}

static void
json_key(struct buf *o, int *first, const char *key)
{
	out_s(o, *first ? "\"" : ",\"");
	*first = 0;
	out_s(o, key);
	out_s(o, "\":");
}

/* The kth "name":n of an object, the name escaped. */
static void
json_entry(struct buf *o, size_t k, const char *name, unsigned long long n)
{
	out_s(o, k ? "," : "");
	out_json(o, name);
	out_s(o, ":");
	out_u(o, n);
}

static void
json_row(struct buf *o, const struct summary_row *r, const char *root,
    const struct report_counts *rc, int *first)
{
	unsigned long long u = 0;
	double d = 0;
	size_t k;
	int inner = 1;

	if (r->kind == SK_FROM_SEND) {
		/* When zr-send wrote the totals of deferred/; absent if not. */
		if (rc->from_send != 0) {
			json_key(o, first, r->json);
			out_u(o, (unsigned long long)rc->from_send);
		}
		return;
	}
	if (r->kind == SK_STATES) {
		for (k = 0; k < qstat_nstates; k++) {
			if (qstat_states[k].json == NULL)
				continue;
			json_key(o, first, qstat_states[k].json);
			out_u(o, report_state_count(rc, k));
		}
		return;
	}
	json_key(o, first, r->json);
	switch (scalar(rc, r->kind, &u, &d)) {
	case SV_COUNT:
		out_u(o, u);
		return;
	case SV_TIME:
		if (u != 0)
			out_u(o, u);
		else
			out_s(o, "null");
		return;
	case SV_FRACTION:
		out_f(o, d);
		return;
	case SV_NONE:
		break;
	}
	switch (r->kind) {
	case SK_QUEUE:
		out_json(o, root);
		break;
	case SK_PRIO:
		out_s(o, "{");
		for (k = 0; k < PRIO_COUNT; k++) {
			json_key(o, &inner, queue_prio_name((enum queue_prio)k));
			out_u(o, rc->prio[k]);
		}
		out_s(o, "}");
		break;
	case SK_HOSTS:
		out_s(o, "{");
		for (k = 0; k < rc->nhosts; k++)
			json_entry(o, k, rc->hosts[k].host, rc->hosts[k].n);
		out_s(o, "}");
		break;
	case SK_COUNTERS:
		out_s(o, "{");
		for (k = 0; k < rc->ncounters; k++)
			json_entry(o, k, rc->counter[k].name,
			    rc->counter[k].value);
		out_s(o, "}");
		break;
	default:
		break;
	}
}

/* A sample: name{label="value"} n, the value escaped; label NULL: none. */
static void
prom_sample(struct buf *o, const char *name, const char *label,
    const char *value)
{
	out_s(o, name);
	if (label != NULL) {
		out_s(o, "{");
		out_s(o, label);
		out_s(o, "=\"");
		out_label(o, value);
		out_s(o, "\"}");
	}
	out_s(o, " ");
}

/* A whole sample line with a count. */
static void
prom_line(struct buf *o, const char *name, const char *label,
    const char *value, unsigned long long n)
{
	prom_sample(o, name, label, value);
	out_u(o, n);
	out_s(o, "\n");
}

/*
 * zr-send's counters: messages_X and rcpts_X as results of one family
 * each, deferrals_X as the reasons of one, the others as counters of
 * their own.
 */
static void
prom_counters(struct buf *o, const struct report_counts *rc)
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
				out_metric(o, fam[f].metric, "counter",
				    fam[f].help);
			prom_line(o, fam[f].metric, fam[f].label, n + pl,
			    rc->counter[k].value);
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
		out_metric(o, name, "counter", "A counter of zr-send.");
		prom_line(o, name, NULL, NULL, rc->counter[k].value);
	}
}

static void
prom_row(struct buf *o, const struct summary_row *r,
    const struct report_counts *rc)
{
	unsigned long long u = 0;
	double d = 0;
	size_t k;

	if (r->kind == SK_COUNTERS) {
		prom_counters(o, rc);
		return;
	}
	out_metric(o, r->metric, "gauge", r->help);
	switch (r->kind) {
	case SK_STATES:
		for (k = 0; k < qstat_nstates; k++) {
			if (qstat_states[k].json == NULL)
				continue;
			prom_line(o, r->metric, r->label, qstat_states[k].json,
			    report_state_count(rc, k));
		}
		return;
	case SK_PRIO:
		for (k = 0; k < PRIO_COUNT; k++) {
			prom_line(o, r->metric, r->label,
			    queue_prio_name((enum queue_prio)k), rc->prio[k]);
		}
		return;
	case SK_HOSTS:
		for (k = 0; k < rc->nhosts; k++) {
			prom_line(o, r->metric, r->label, rc->hosts[k].host,
			    rc->hosts[k].n);
		}
		return;
	default:
		break;
	}
	switch (scalar(rc, r->kind, &u, &d)) {
	case SV_TIME:
		/* Pending messages only, and no sample without one. */
		if (r->kind == SK_OLDEST_PENDING && u == 0)
			return;
		prom_line(o, r->metric, NULL, NULL, u);
		break;
	case SV_COUNT:
		prom_line(o, r->metric, NULL, NULL, u);
		break;
	case SV_FRACTION:
		prom_sample(o, r->metric, NULL, NULL);
		out_f(o, d);
		out_s(o, "\n");
		break;
	case SV_NONE:
		break;
	}
}

void
summary_render(enum summary_format f, const char *root,
    const struct report_counts *rc, time_t now, struct buf *o)
{
	size_t k;
	int first = 1;

	if (f == SUMMARY_JSON)
		out_s(o, "{");
	for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		const struct summary_row *r = &rows[k];

		if (f == SUMMARY_TEXT && r->text != NULL)
			text_row(o, r, root, rc, now);
		else if (f == SUMMARY_JSON && r->json != NULL)
			json_row(o, r, root, rc, &first);
		else if (f == SUMMARY_PROM && r->metric != NULL)
			prom_row(o, r, rc);
	}
	if (f == SUMMARY_JSON)
		out_s(o, "}\n");
}
