/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
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
#include "http.h"
#include "dests.h"
#include "report.h"
#include "summary.h"
#include "suspend.h"

/* A notification pending longer than this (s) is a problem for --check. */
#define NOTIFY_PENDING_MAX 3600

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
		} else if (strcmp(a, "--http") == 0) {
			c->mode = QS_HTTP;
		} else if (strcmp(a, "-j") == 0) {
			c->mode = QS_POSTQUEUE;
		} else if ((strcmp(a, "--suspend") == 0 ||
		    strcmp(a, "--resume") == 0) && i + 1 < argc &&
		    c->mode == QS_SUMMARY) {
			c->mode = a[2] == 's' ? QS_SUSPEND : QS_RESUME;
			c->arg = argv[++i];
			/* DURATION is optional, and only for --suspend. */
			if (c->mode == QS_SUSPEND && i + 1 < argc &&
			    argv[i + 1][0] != '-')
				c->dur = argv[++i];
		} else if (strcmp(a, "--exact") == 0) {
			c->exact = 1;
		} else if (strcmp(a, "--destinations") == 0) {
			c->mode = QS_DESTS;
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

	if (!report_count(q, &rc, c->exact))
		return EXIT_TEMP;
	summary_render(c->json ? SUMMARY_JSON : SUMMARY_TEXT, q->root, &rc,
	    time(NULL), o);
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
	if (r == 0 && errno == QUEUE_ENOTREG)
		warn_x("not a regular file: ", queue_dir_name(it.dir), "/",
		    it.id, " (zr-qstat --check --fix sets it aside)");
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

/* What --check found and mended. */
struct check {
	const struct qstat_conf *c;
	struct queue *q;
	enum queue_dir dir;
	unsigned long long problems, fixed;
};

/* A stray in ck->dir, or in state/ when state is set. */
static void
check_stray(struct check *ck, bool state, const char *name, const char *kind)
{
	const char *from = state ? "state" : queue_dir_name(ck->dir);
	int r;

	warn_x("problem: ", from, "/", name, " is not a regular file (", kind,
	    ")");
	ck->problems++;
	if (!ck->c->fix)
		return;
	r = state ? queue_state_stray(ck->q, name) :
	    queue_stray(ck->q, ck->dir, name);
	if (r == 0) {
		warn_sys("unable to set aside ", from, "/", name);
		return;
	}
	log_info("id=", name, r == 1 ? " action=set-aside to=bad" :
	    " action=removed", " from=", from);
	ck->fixed++;
}

static int
stray_msg(const char *name, const char *kind, void *ctx)
{
	check_stray(ctx, false, name, kind);
	return 1;
}

static int
stray_state(const char *name, const char *kind, void *ctx)
{
	check_stray(ctx, true, name, kind);
	return 1;
}

static int
state_orphan(const char *name, void *ctx)
{
	struct check *ck = ctx;
	enum queue_dir d;
	char id[QUEUE_ID_SIZE];
	int r;

	memcpy(id, name, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	r = queue_locate(ck->q, id, &d);
	if (r == -1)
		return -1;
	if (r == 1) {
		struct stat st;

		/* zr-send retries a notification with back-off; an hour is long. */
		if (strncmp(name + QUEUE_ID_LEN, ".notify-", 8) == 0 &&
		    queue_state_stat(ck->q, name, &st) == 1 &&
		    st.st_mtime < time(NULL) - NOTIFY_PENDING_MAX) {
			warn_x("problem: notification pending for over an "
			    "hour: state/", name);
			ck->problems++;
		}
		return 1;
	}
	warn_x("problem: state file without a message: state/", name);
	ck->problems++;
	/* What zr-send's cleanup does too: the message is gone for good. */
	if (ck->c->fix) {
		if (queue_state_remove(ck->q, name)) {
			log_info("id=", name, " action=removed "
			    "what=orphan-state-file");
			ck->fixed++;
		} else {
			warn_sys("unable to remove state/", name);
		}
	}
	return 1;
}

/*
 * How far on a copy is; the copy furthest on stays, so that nothing is
 * delivered again. active/ is not ranked: a copy there is being delivered
 * and is never touched.
 */
static int
rank(enum queue_dir d)
{
	if (d >= QD_DONE_DELIVERED && d <= QD_DONE_CANCELLED)
		return 4;
	return d == QD_DEFERRED ? 3 : d == QD_HOLD ? 2 : 1;
}

/*
 * An id found in several directories (items[0..n), sorted by directory).
 * The scans read one directory after another, so a message that zr-send
 * moved in between is seen twice: it counts only when the names are there
 * now and are two files, or two links to one.
 */
static void
check_dup(struct check *ck, const struct item *it, size_t n)
{
	struct stat st[QD_COUNT];
	size_t i, keep = 0, there = 0;
	bool busy = false, same = true;

	for (i = 0; i < n && i < QD_COUNT; i++) {
		if (queue_stat(ck->q, it[i].dir, it[i].id, &st[i]) != 1) {
			st[i].st_nlink = 0;
			continue;
		}
		if (there > 0 && (st[i].st_ino != st[keep].st_ino ||
		    st[i].st_dev != st[keep].st_dev || st[i].st_nlink > 1))
			same = false;
		if (there == 0 || it[i].dir == QD_ACTIVE ||
		    (it[keep].dir != QD_ACTIVE &&
		    rank(it[i].dir) > rank(it[keep].dir)))
			keep = i;
		there++;
		busy = busy || it[i].dir == QD_ACTIVE;
	}
	if (there < 2 || same)
		return;
	for (i = 0; i < n && i < QD_COUNT; i++) {
		if (i == keep || st[i].st_nlink == 0)
			continue;
		warn_x("problem: ", it[i].id, " is in both ",
		    queue_dir_name(it[i < keep ? i : keep].dir), " and ",
		    queue_dir_name(it[i < keep ? keep : i].dir));
		ck->problems++;
		if (!ck->c->fix)
			continue;
		if (busy) {
			warn_x("not fixed: ", it[i].id, " is being delivered; ",
			    "try again after the attempt");
		} else if (queue_set_aside(ck->q, it[i].dir, it[i].id)) {
			log_info("id=", it[i].id, " action=set-aside to=bad "
			    "from=", queue_dir_name(it[i].dir), " kept=",
			    queue_dir_name(it[keep].dir));
			ck->fixed++;
		} else {
			warn_sys("unable to set aside ",
			    queue_dir_name(it[i].dir), "/", it[i].id);
		}
	}
}

static int
by_id_dir(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : (int)x->dir - (int)y->dir;
}

/*
 * The invariants of queue-layout/README that can be seen from outside:
 * each id in one directory only, every queue file a regular file, every
 * envelope readable, no state file without its message.
 */
static int
check(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	struct check ck = { c, q, QD_TODO_URGENT, 0, 0 };
	unsigned mask = ((1u << QD_COUNT) - 1) & ~BIT(QD_BAD);
	struct scan s;
	size_t i, j;
	int r, d;

	for (d = 0; d < QD_COUNT; d++) {
		if (!(mask & BIT(d)))
			continue;
		ck.dir = (enum queue_dir)d;
		if (queue_scan_strays(q, ck.dir, NULL, stray_msg, &ck) == -1) {
			warn_sys("unable to read ", q->root, "/",
			    queue_dir_name(ck.dir));
			return EXIT_TEMP;
		}
	}
	if (!report_gather(q, mask, &s))
		return EXIT_TEMP;
	if (s.n > 1)
		qsort(s.items, s.n, sizeof *s.items, by_id_dir);
	for (i = 0; i < s.n; i = j) {
		for (j = i + 1; j < s.n &&
		    strcmp(s.items[j].id, s.items[i].id) == 0; j++)
			;
		if (j - i > 1)
			check_dup(&ck, &s.items[i], j - i);
	}
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;

		r = report_load(q, it, &e);
		envelope_free(&e);
		if (r == -1) {
			free(s.items);
			return EXIT_TEMP;
		}
		if (r == 1 || errno == ENOENT)
			continue;
		if (errno == QUEUE_ENOTREG) {
			struct stat st;

			/* It became a stray since the scan. */
			ck.dir = it->dir;
			if (queue_stat(q, it->dir, it->id, &st) == 1)
				check_stray(&ck, false, it->id,
				    queue_kind(st.st_mode));
			continue;
		}
		ck.problems++;
		if (c->fix) {
			if (queue_set_aside(q, it->dir, it->id)) {
				log_info("id=", it->id, " action=set-aside "
				    "to=bad from=", queue_dir_name(it->dir));
				ck.fixed++;
			} else {
				warn_sys("unable to set aside ", it->id);
			}
		}
	}
	free(s.items);
	if (queue_state_scan_strays(q, state_orphan, stray_state, &ck) == -1)
		return EXIT_TEMP;
	out_s(o, "problems ");
	out_u(o, ck.problems);
	out_s(o, " fixed ");
	out_u(o, ck.fixed);
	out_s(o, "\n");
	return ck.problems > ck.fixed ? QSTAT_PROBLEMS : EXIT_OK;
}

int
qstat_run(const struct qstat_conf *c, struct buf *o)
{
	struct queue q;
	int r = EXIT_BUG;

	/* Opens the queue itself, to answer 503 when it cannot. */
	if (c->mode == QS_HTTP)
		return http_serve(c->queuedir, 0, o);
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
	case QS_DESTS:
		r = dests_show(&q, c->json, o);
		break;
	case QS_SUSPEND:
	case QS_RESUME:
		r = suspend_run(&q, c->mode == QS_RESUME, c->arg, c->dur, o);
		break;
	case QS_HTTP:
		break;		/* served above */
	}
	queue_close(&q);
	return r;
}
