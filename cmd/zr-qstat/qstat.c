/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "qstat.h"
#include "qstate.h"
#include "queue.h"
#include "out.h"
#include "export.h"
#include "report.h"

int
qstat_args(struct qstat_conf *c, int argc, char **argv)
{
	int i;

	memset(c, 0, sizeof *c);
	c->mode = QS_SUMMARY;
	c->queuedir = queue_default();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		static const struct {
			const char *name;
			enum qstat_op op;
			int takes_id;
		} opts[] = {
			{ "--hold", OP_HOLD, 1 }, { "--release", OP_RELEASE, 1 },
			{ "--cancel", OP_CANCEL, 1 }, { "--retry", OP_RETRY, 1 },
			{ "--remove", OP_REMOVE, 1 },
			{ "--clear-expired", OP_CLEAR_EXPIRED, 0 },
			{ "--purge", OP_PURGE, 0 },
		};
		size_t k;

		for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
			if (strcmp(a, opts[k].name) == 0)
				break;
		if (k < sizeof opts / sizeof opts[0]) {
			if (c->mode != QS_SUMMARY)
				return 0;
			c->mode = QS_OP;
			c->op = opts[k].op;
			if (opts[k].takes_id) {
				if (i + 1 >= argc)
					return 0;
				c->arg = argv[++i];
			}
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			c->json = 1;
		} else if (strcmp(a, "--prometheus") == 0) {
			c->mode = QS_PROM;
		} else if (strcmp(a, "-j") == 0) {
			c->mode = QS_POSTQUEUE;
		} else if (strcmp(a, "--check") == 0) {
			c->mode = QS_CHECK;
		} else if (strcmp(a, "--fix") == 0) {
			c->fix = 1;
		} else if (strcmp(a, "-p") == 0) {
			c->mode = QS_MAILQ;
		} else if (strcmp(a, "-q") == 0 && i + 1 < argc) {
			c->queuedir = argv[++i];
		} else if (strcmp(a, "-l") == 0) {
			c->mode = QS_LIST;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				c->arg = argv[++i];
		} else if (strcmp(a, "-s") == 0 && i + 1 < argc) {
			c->mode = QS_SHOW;
			c->arg = argv[++i];
		} else {
			return 0;
		}
	}
	if (c->fix && c->mode != QS_CHECK)
		return 0;
	return 1;
}

static int
summary(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	struct report_counts rc;
	time_t now = time(NULL), oldest;
	size_t k;

	if (!report_count(q, &rc))
		return EXIT_TEMP;
	oldest = rc.oldest;

	if (c->json) {
		out_s(o, "{\"queue\":");
		out_json(o, q->root);
		out_s(o, ",\"total\":");
		out_u(o, rc.total);
		for (k = 0; k < qstat_nstates; k++) {
			if (qstat_states[k].json == NULL)
				continue;
			out_s(o, ",\"");
			out_s(o, qstat_states[k].json);
			out_s(o, "\":");
			out_u(o, report_state_count(&rc, k));
		}
		out_s(o, ",\"total_size\":");
		out_u(o, rc.bytes);
		out_s(o, ",\"oldest_message_time\":");
		if (oldest != 0)
			out_u(o, (unsigned long long)oldest);
		else
			out_s(o, "null");
		out_s(o, ",\"by_priority\":{");
		for (k = 0; k < PRIO_COUNT; k++) {
			out_s(o, k ? ",\"" : "\"");
			out_s(o, queue_prio_name((enum queue_prio)k));
			out_s(o, "\":");
			out_u(o, rc.prio[k]);
		}
		out_s(o, "},\"average_queue_time\":");
		out_f(o, rc.avg_age);
		out_s(o, ",\"average_retry_count\":");
		out_f(o, rc.avg_attempts);
		out_s(o, ",\"next_retry_time\":");
		if (rc.next_retry > 0)
			out_u(o, (unsigned long long)rc.next_retry);
		else
			out_s(o, "null");
		out_s(o, ",\"by_host\":{");
		for (k = 0; k < rc.nhosts; k++) {
			out_s(o, k ? "," : "");
			out_json(o, rc.hosts[k].host);
			out_s(o, ":");
			out_u(o, rc.hosts[k].n);
		}
		out_s(o, "},\"counters\":{");
		for (k = 0; k < rc.ncounters; k++) {
			out_s(o, k ? "," : "");
			out_json(o, rc.counter[k].name);
			out_s(o, ":");
			out_u(o, rc.counter[k].value);
		}
		out_s(o, "}}\n");
		report_counts_free(&rc);
		return EXIT_OK;
	}
	out_s(o, "queue ");
	out_s(o, q->root);
	out_s(o, "\nmessages              ");
	out_upad(o, rc.total, 8);
	out_s(o, "\n");
	for (k = 0; k < qstat_nstates; k++) {
		if (qstat_states[k].json == NULL)
			continue;
		out_s(o, "  ");
		out_pad(o, qstat_states[k].name, 20, 0);
		out_upad(o, report_state_count(&rc, k), 8);
		out_s(o, "\n");
	}
	out_s(o, "by priority          ");
	for (k = 0; k < PRIO_COUNT; k++) {
		out_s(o, " ");
		out_s(o, queue_prio_name((enum queue_prio)k));
		out_s(o, "=");
		out_u(o, rc.prio[k]);
	}
	out_s(o, "\ntotal size            ");
	out_upad(o, rc.bytes, 8);
	out_s(o, " bytes\noldest message        ");
	if (oldest != 0) {
		char when[64];
		struct tm tm;

		if (localtime_r(&oldest, &tm) != NULL &&
		    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm))
			out_s(o, when);
		out_s(o, " (");
		out_age(o, (long long)(now - oldest));
		out_s(o, " ago)");
	} else {
		out_s(o, "none");
	}
	out_s(o, "\naverage queue time    ");
	out_age(o, (long long)rc.avg_age);
	out_s(o, " (pending messages)\naverage attempts      ");
	out_f(o, rc.avg_attempts);
	out_s(o, "\nnext retry            ");
	if (rc.next_retry > 0) {
		out_s(o, "in ");
		out_age(o, rc.next_retry - (long long)now);
	} else {
		out_s(o, "none");
	}
	out_s(o, "\n");
	if (rc.nhosts > 0)
		out_s(o, "by host (last attempt)\n");
	for (k = 0; k < rc.nhosts; k++) {
		out_s(o, "  ");
		out_pad(o, rc.hosts[k].host, 28, 0);
		out_upad(o, rc.hosts[k].n, 8);
		out_s(o, "\n");
	}
	if (rc.ncounters > 0)
		out_s(o, "since the counters began (zr-send)\n");
	for (k = 0; k < rc.ncounters; k++) {
		out_s(o, "  ");
		out_pad(o, rc.counter[k].name, 28, 0);
		out_upad(o, rc.counter[k].value, 8);
		out_s(o, "\n");
	}
	report_counts_free(&rc);
	return EXIT_OK;
}

static int
list(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	unsigned mask = report_state_mask(c->arg);
	time_t now = time(NULL);
	struct scan s;
	size_t i, k;
	int first = 1, code = EXIT_OK;

	if (mask == 0) {
		warn_x("unknown state: ", c->arg);
		return EXIT_PERM;
	}
	if (!report_gather(q, mask, &s))
		return EXIT_TEMP;
	if (c->json)
		out_s(o, "[");
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;
		struct qstate st;
		int r = report_load(q, it, &e);

		if (r == -1)
			code = EXIT_TEMP;
		if (r != 1) {
			envelope_free(&e);
			continue;
		}
		if (!report_load_state(q, it, &e, &st)) {
			envelope_free(&e);
			code = EXIT_TEMP;
			continue;
		}
		if (c->json) {
			out_s(o, first ? "\n{\"id\":" : ",\n{\"id\":");
			out_json(o, it->id);
			out_s(o, ",\"state\":");
			out_json(o, report_state_name(it->dir));
			out_s(o, ",\"priority\":");
			out_json(o, queue_prio_name(e.prio));
			out_s(o, ",\"arrival_time\":");
			out_u(o, (unsigned long long)e.arrival);
			out_s(o, ",\"size\":");
			out_u(o, (unsigned long long)e.size);
			out_s(o, ",\"attempts\":");
			out_u(o, st.attempts);
			out_s(o, ",\"next_attempt_time\":");
			out_u(o, (unsigned long long)st.next);
			out_s(o, ",\"sender\":");
			out_json(o, e.sender);
			out_s(o, ",\"recipients\":[");
			for (k = 0; k < e.nrcpt; k++) {
				out_s(o, k ? ",{\"address\":" : "{\"address\":");
				out_json(o, e.rcpt[k].addr);
				out_s(o, ",\"status\":");
				out_json(o, qstate_status_name(st.rcpt[k].status));
				/* Where its route led last. */
				out_s(o, ",\"host\":");
				out_json(o, st.rcpt[k].host);
				out_s(o, "}");
			}
			out_s(o, "]}");
		} else {
			out_s(o, it->id);
			out_s(o, " ");
			out_pad(o, report_state_name(it->dir), 12, 0);
			out_pad(o, queue_prio_name(e.prio), 7, 0);
			out_s(o, " age=");
			out_age(o, (long long)(now - (time_t)e.arrival));
			out_s(o, " size=");
			out_u(o, (unsigned long long)e.size);
			out_s(o, " attempts=");
			out_u(o, st.attempts);
			out_s(o, " <");
			out_s(o, e.sender);
			out_s(o, ">");
			for (k = 0; k < e.nrcpt; k++) {
				out_s(o, " <");
				out_s(o, e.rcpt[k].addr);
				out_s(o, ">");
				if (st.rcpt[k].host[0] != '\0') {
					out_s(o, " host=");
					out_s(o, st.rcpt[k].host);
				}
			}
			out_s(o, "\n");
		}
		first = 0;
		qstate_free(&st);
		envelope_free(&e);
	}
	if (c->json)
		out_s(o, first ? "]\n" : "\n]\n");
	free(s.items);
	return code;
}

static int
show(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	struct item it;
	struct envelope e;
	struct qstate st;
	struct zs raw = ZS_INIT;
	size_t k;
	int r, fd;

	if (!queue_id_valid(c->arg)) {
		warn_x("not a queue id: ", c->arg);
		return EXIT_PERM;
	}
	r = queue_locate(q, c->arg, &it.dir);
	if (r == -1) {
		warn_sys("unable to search ", q->root);
		return EXIT_TEMP;
	}
	if (r == 0) {
		warn_x("no such message: ", c->arg);
		return QSTAT_NOTFOUND;
	}
	memcpy(it.id, c->arg, QUEUE_ID_SIZE);
	r = report_load(q, &it, &e);
	if (r != 1)
		return r == 0 ? QSTAT_NOTFOUND : EXIT_TEMP;
	if (!report_load_state(q, &it, &e, &st)) {
		envelope_free(&e);
		return EXIT_TEMP;
	}
	if (c->json) {
		out_s(o, "{\"id\":");
		out_json(o, it.id);
		out_s(o, ",\"state\":");
		out_json(o, report_state_name(it.dir));
		out_s(o, ",\"priority\":");
		out_json(o, queue_prio_name(e.prio));
		out_s(o, ",\"arrival_time\":");
		out_u(o, (unsigned long long)e.arrival);
		out_s(o, ",\"size\":");
		out_u(o, (unsigned long long)e.size);
		out_s(o, ",\"client\":");
		out_json(o, e.client != NULL ? e.client : "");
		out_s(o, ",\"attempts\":");
		out_u(o, st.attempts);
		out_s(o, ",\"next_attempt_time\":");
		out_u(o, (unsigned long long)st.next);
		out_s(o, ",\"sender\":");
		out_json(o, e.sender);
		out_s(o, ",\"recipients\":[");
		for (k = 0; k < e.nrcpt; k++) {
			const struct qstate_rcpt *sr = &st.rcpt[k];

			out_s(o, k ? ",{\"address\":" : "{\"address\":");
			out_json(o, e.rcpt[k].addr);
			out_s(o, ",\"status\":");
			out_json(o, qstate_status_name(sr->status));
			out_s(o, ",\"attempts\":");
			out_u(o, sr->attempts);
			out_s(o, ",\"host\":");
			out_json(o, sr->host);
			out_s(o, ",\"last_reply\":");
			out_json(o, sr->reply);
			out_s(o, "}");
		}
		out_s(o, "]}\n");
	} else {
		out_s(o, "state ");
		out_s(o, report_state_name(it.dir));
		out_s(o, " (");
		out_s(o, queue_dir_name(it.dir));
		out_s(o, ")\n");
		/* The envelope as stored: what a person would cat. */
		fd = queue_openmsg(q, it.dir, it.id);
		if (fd != -1) {
			if (!zs_readyplus(&raw, e.data_offset) ||
			    pread(fd, raw.s, e.data_offset, 0) !=
			    (ssize_t)e.data_offset)
				r = -1;
			else
				(void)buf_put(o, raw.s, e.data_offset);
			close(fd);
		}
		for (k = 0; k < e.nrcpt; k++) {
			const struct qstate_rcpt *sr = &st.rcpt[k];

			out_s(o, "status <");
			out_s(o, e.rcpt[k].addr);
			out_s(o, "> ");
			out_s(o, qstate_status_name(sr->status));
			out_s(o, " attempts=");
			out_u(o, sr->attempts);
			if (sr->host[0] != '\0') {
				out_s(o, " host=");
				out_s(o, sr->host);
			}
			if (sr->reply[0] != '\0') {
				out_s(o, " reply=\"");
				out_s(o, sr->reply);
				out_s(o, "\"");
			}
			out_s(o, "\n");
		}
	}
	zs_free(&raw);
	qstate_free(&st);
	envelope_free(&e);
	return r == -1 ? EXIT_TEMP : EXIT_OK;
}

/* The sendmail/Postfix `mailq` view, which scripts and people expect. */
static int
mailq(struct queue *q, struct buf *o)
{
	unsigned long long bytes = 0;
	struct scan s;
	size_t i, k, shown = 0;

	if (!report_gather(q, PENDING_BITS, &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;
		struct qstate st;
		char when[32];
		struct tm tm;
		time_t t;

		if (report_load(q, it, &e) != 1 || !report_load_state(q, it, &e, &st)) {
			envelope_free(&e);
			continue;
		}
		if (shown++ == 0)
			out_s(o, "-Queue ID-------------------------- --Size-- "
			    "----Arrival Time---- -Sender/Recipient-------\n");
		out_s(o, it->id);
		out_s(o, it->dir == QD_ACTIVE ? "*" : it->dir == QD_HOLD ?
		    "!" : " ");
		out_upad(o, (unsigned long long)e.size, 8);
		t = (time_t)e.arrival;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%a %b %e %H:%M:%S", &tm) == 0)
			when[0] = '\0';
		out_s(o, " ");
		out_pad(o, when, 20, 0);
		out_s(o, " ");
		out_s(o, *e.sender ? e.sender : "MAILER-DAEMON");
		out_s(o, "\n");
		for (k = 0; k < e.nrcpt; k++) {
			const struct qstate_rcpt *sr = &st.rcpt[k];

			if (sr->status != RS_PENDING && sr->status != RS_DEFERRED)
				continue;
			if (sr->reply[0] != '\0') {
				out_pad(o, "", 46, 0);
				out_s(o, "(");
				out_s(o, sr->reply);
				out_s(o, ")\n");
			}
			out_pad(o, "", 56, 0);
			out_s(o, e.rcpt[k].addr);
			out_s(o, "\n");
		}
		out_s(o, "\n");
		bytes += (unsigned long long)e.size;
		qstate_free(&st);
		envelope_free(&e);
	}
	free(s.items);
	if (shown == 0) {
		out_s(o, "Mail queue is empty\n");
	} else {
		out_s(o, "-- ");
		out_u(o, (bytes + 1023) / 1024);
		out_s(o, " Kbytes in ");
		out_u(o, shown);
		out_s(o, shown == 1 ? " Request.\n" : " Requests.\n");
	}
	return EXIT_OK;
}

static int
state_orphan(const char *name, void *ctx)
{
	struct queue *q = ctx;
	enum queue_dir d;
	char id[QUEUE_ID_SIZE];
	int r;

	memcpy(id, name, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	r = queue_locate(q, id, &d);
	if (r == 0)
		warn_x("problem: state file without a message: state/", name);
	return r == -1 ? -1 : r == 0 ? 2 : 1;
}

/*
 * The invariants of queue-layout/README that can be seen from outside:
 * each id in one directory only, every envelope readable, no state file
 * without its message.
 */
static int
check(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	unsigned long long problems = 0, fixed = 0;
	struct scan s;
	size_t i;
	int r;

	if (!report_gather(q, ((1u << QD_COUNT) - 1) & ~BIT(QD_BAD), &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;

		if (i > 0 && strcmp(it->id, s.items[i - 1].id) == 0) {
			warn_x("problem: ", it->id, " is in both ",
			    queue_dir_name(s.items[i - 1].dir), " and ",
			    queue_dir_name(it->dir));
			problems++;
			continue;
		}
		r = report_load(q, it, &e);
		envelope_free(&e);
		if (r == -1)
			return EXIT_TEMP;
		if (r == 1 || errno == ENOENT)
			continue;
		problems++;
		if (c->fix) {
			if (queue_move(q, it->id, it->dir, QD_BAD)) {
				log_info("id=", it->id, " set aside from ",
				    queue_dir_name(it->dir), " to bad/");
				fixed++;
			} else {
				warn_sys("unable to set aside ", it->id);
			}
		}
	}
	free(s.items);
	r = queue_state_scan(q, state_orphan, q);
	if (r == -1)
		return EXIT_TEMP;
	if (r == 2)
		problems++;
	out_s(o, "problems ");
	out_u(o, problems);
	out_s(o, " set aside ");
	out_u(o, fixed);
	out_s(o, "\n");
	return problems > fixed ? QSTAT_PROBLEMS : EXIT_OK;
}

int
qstat_run(const struct qstat_conf *c, struct buf *o)
{
	struct queue q;
	int r = EXIT_BUG;

	if (!queue_open(&q, c->queuedir)) {
		warn_sys("unable to open queue ", c->queuedir);
		return EXIT_TEMP;
	}
	switch (c->mode) {
	case QS_SUMMARY:
		r = summary(c, &q, o);
		break;
	case QS_LIST:
		r = list(c, &q, o);
		break;
	case QS_SHOW:
		r = show(c, &q, o);
		break;
	case QS_MAILQ:
		r = mailq(&q, o);
		break;
	case QS_CHECK:
		r = check(c, &q, o);
		break;
	case QS_OP:
		r = ops_run(&q, c->op, c->arg, o);
		if (r == EXIT_OK && (c->op == OP_RELEASE || c->op == OP_RETRY))
			queue_trigger(&q);
		break;
	case QS_PROM:
		r = export_prometheus(&q, o);
		break;
	case QS_POSTQUEUE:
		r = export_postqueue(&q, o);
		break;
	}
	queue_close(&q);
	return r;
}
