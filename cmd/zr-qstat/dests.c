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
