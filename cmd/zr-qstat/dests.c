/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "dests.h"
#include "die.h"
#include "out.h"
#include "zs.h"

/* One "key=value" word as a JSON member: digits as a number. */
static void
member(struct buf *o, char *w)
{
	char *eq = strchr(w, '=');

	if (eq == NULL)
		return;
	*eq = '\0';
	out_s(o, ",");
	out_json(o, w);
	out_s(o, ":");
	if (eq[1] != '\0' && strspn(eq + 1, "0123456789") == strlen(eq + 1))
		out_s(o, eq + 1);
	else
		out_json(o, eq + 1);
}

/* A line as a JSON object: the destination, then its fields. */
static void
line_json(struct buf *o, char *line)
{
	char *w = line, *sp;

	sp = strchr(w, ' ');
	if (sp != NULL)
		*sp = '\0';
	out_s(o, "{\"destination\":");
	out_json(o, w);
	while (sp != NULL) {
		w = sp + 1;
		sp = strchr(w, ' ');
		if (sp != NULL)
			*sp = '\0';
		member(o, w);
	}
	out_s(o, "}");
}

int
dests_show(struct queue *q, int json, struct buf *o)
{
	struct zs t = ZS_INIT;
	char *p, *nl;
	int r = queue_stats_read(q, "destinations", &t), first = 1;

	if (r == -1) {
		warn_sys("unable to read stats/destinations");
		return EXIT_TEMP;
	}
	if (json)
		out_s(o, "[");
	for (p = t.s; r == 1 && p != NULL && p < t.s + t.len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(t.s + t.len - p));
		if (nl == NULL)
			break;
		*nl = '\0';
		if (json) {
			out_s(o, first ? "" : ",");
			line_json(o, p);
		} else {
			out_s(o, p);
			out_s(o, "\n");
		}
		first = 0;
	}
	if (json)
		out_s(o, "]\n");
	zs_free(&t);
	return EXIT_OK;
}

/* The value of key in a line's words ("" when it has none). */
static void
field(const char *line, const char *key, char *v, size_t size)
{
	size_t kn = strlen(key), n;
	const char *p = line;

	v[0] = '\0';
	while ((p = strchr(p, ' ')) != NULL) {
		p++;
		if (strncmp(p, key, kn) == 0 && p[kn] == '=') {
			n = strcspn(p + kn + 1, " ");
			if (n < size) {
				memcpy(v, p + kn + 1, n);
				v[n] = '\0';
			}
			return;
		}
	}
}

/* Each destination's value of key in t's lines, as name{destination}. */
static void
series(struct buf *o, const char *t, const char *name, const char *key,
    const char *result, int flag)
{
	const char *p = t, *nl;
	char v[32];

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		char line[1024];
		size_t n = (size_t)(nl - p), sp;

		if (n >= sizeof line)
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		field(line, key, v, sizeof v);
		sp = strcspn(line, " ");
		line[sp] = '\0';
		out_s(o, name);
		out_s(o, "{destination=\"");
		out_label(o, line);
		if (result != NULL) {
			out_s(o, "\",result=\"");
			out_s(o, result);
		}
		out_s(o, "\"} ");
		out_s(o, flag ? (v[0] != '\0' && strcmp(v, "0") != 0 ? "1" :
		    "0") : v[0] != '\0' ? v : "0");
		out_s(o, "\n");
	}
}

void
dests_prometheus(struct queue *q, struct buf *o)
{
	static const struct { const char *name, *key, *help; int flag; } g[] = {
		{ "zr_destination_inflight", "inflight",
		    "Deliveries in flight, by destination.", 0 },
		{ "zr_destination_pending", "pending",
		    "Jobs held back by the destination's limits.", 0 },
		{ "zr_destination_queued", "queued",
		    "Jobs zr-send holds for the destination, not in flight.", 0 },
		{ "zr_destination_throttled", "throttled_until",
		    "1 while a throttling reply's rule is in force.", 1 },
		{ "zr_destination_suspended", "suspended_until",
		    "1 while the destination is suspended.", 1 },
	};
	static const char *const results[][2] = {
		{ "delivered", "delivered_total" },
		{ "deferred", "deferred_total" },
		{ "failed", "failed_total" },
	};
	struct zs t = ZS_INIT;
	size_t k;

	if (queue_stats_read(q, "destinations", &t) != 1 || !zs_0(&t)) {
		zs_free(&t);
		return;
	}
	for (k = 0; k < sizeof g / sizeof g[0]; k++) {
		out_metric(o, g[k].name, "gauge", g[k].help);
		series(o, t.s, g[k].name, g[k].key, NULL, g[k].flag);
	}
	out_metric(o, "zr_destination_deliveries_total", "counter",
	    "Recipients' deliveries by result since zr-send started.");
	for (k = 0; k < sizeof results / sizeof results[0]; k++)
		series(o, t.s, "zr_destination_deliveries_total",
		    results[k][1], results[k][0], 0);
	zs_free(&t);
}
