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

/* Directories a state name on the command line stands for. */
struct state_name {
	const char *name;
	const char *json;	/* the key in --json output, or NULL */
	unsigned dirs;		/* bit (1 << enum queue_dir) per directory */
};

#define BIT(d) (1u << (d))
#define TODO_BITS (BIT(QD_TODO_URGENT) | BIT(QD_TODO_HIGH) | \
	BIT(QD_TODO_NORMAL) | BIT(QD_TODO_LOW))
#define PENDING_BITS (TODO_BITS | BIT(QD_ACTIVE) | BIT(QD_DEFERRED) | \
	BIT(QD_HOLD))

static const struct state_name states[] = {
	{ "queued", "queued", TODO_BITS },
	{ "in_progress", "in_progress", BIT(QD_ACTIVE) },
	{ "deferred", "deferred", BIT(QD_DEFERRED) },
	{ "held", "held", BIT(QD_HOLD) },
	{ "delivered", "delivered", BIT(QD_DONE_DELIVERED) },
	{ "partially_delivered", "partially_delivered", BIT(QD_DONE_PARTIAL) },
	{ "failed", "failed", BIT(QD_DONE_FAILED) },
	{ "expired", "expired", BIT(QD_DONE_EXPIRED) },
	{ "cancelled", "cancelled", BIT(QD_DONE_CANCELLED) },
	{ "damaged", "damaged", BIT(QD_BAD) },
	/* Aliases, for lists only. */
	{ "active", NULL, BIT(QD_ACTIVE) },
	{ "hold", NULL, BIT(QD_HOLD) },
	{ "partial", NULL, BIT(QD_DONE_PARTIAL) },
	{ "bad", NULL, BIT(QD_BAD) },
	{ "pending", NULL, PENDING_BITS },
	{ "done", NULL, BIT(QD_DONE_DELIVERED) | BIT(QD_DONE_PARTIAL) |
	    BIT(QD_DONE_FAILED) | BIT(QD_DONE_EXPIRED) |
	    BIT(QD_DONE_CANCELLED) },
	{ "all", NULL, (1u << QD_COUNT) - 1 },
};
#define NSTATES (sizeof states / sizeof states[0])

/* The state name shown for a directory. */
static const char *
dir_state(enum queue_dir d)
{
	size_t i;

	for (i = 0; i < NSTATES; i++)
		if (states[i].json != NULL && (states[i].dirs & BIT(d)))
			return states[i].name;
	return "?";
}

int
qstat_args(struct qstat_conf *c, int argc, char **argv)
{
	int i;

	memset(c, 0, sizeof *c);
	c->mode = QS_SUMMARY;
	c->queuedir = queue_default();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			c->json = 1;
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

/* Output helpers: a write error is noticed at the final flush. */
static void
out_s(struct buf *o, const char *s)
{
	(void)buf_puts(o, s);
}

static void
out_u(struct buf *o, unsigned long long u)
{
	char tmp[FMT_ULONG];

	(void)buf_put(o, tmp, fmt_ulong(tmp, u));
}

/* Left-pad to width. */
static void
out_pad(struct buf *o, const char *s, size_t width, int right)
{
	size_t n = strlen(s);

	if (!right)
		out_s(o, s);
	while (n++ < width)
		out_s(o, " ");
	if (right)
		out_s(o, s);
}

static void
out_upad(struct buf *o, unsigned long long u, size_t width)
{
	char tmp[FMT_ULONG + 1];

	tmp[fmt_ulong(tmp, u)] = '\0';
	out_pad(o, tmp, width, 1);
}

/* A JSON string; bytes outside printable ASCII are escaped. */
static void
out_json(struct buf *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	out_s(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			(void)buf_put(o, e, 2);
		} else if (c < 32 || c >= 127) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			(void)buf_put(o, e, 6);
		} else {
			(void)buf_put(o, (const char *)&c, 1);
		}
	}
	out_s(o, "\"");
}

static void
out_age(struct buf *o, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120) {
		out_u(o, (unsigned long long)secs);
		out_s(o, "s");
	} else if (secs < 7200) {
		out_u(o, (unsigned long long)secs / 60);
		out_s(o, "m");
	} else if (secs < 172800) {
		out_u(o, (unsigned long long)secs / 3600);
		out_s(o, "h");
	} else {
		out_u(o, (unsigned long long)secs / 86400);
		out_s(o, "d");
	}
}

/* One message as found in a directory. */
struct item {
	char id[QUEUE_ID_SIZE];
	enum queue_dir dir;
	off_t bytes;			/* file size */
};

struct scan {
	struct queue *q;
	enum queue_dir dir;
	struct item *items;
	size_t n, cap;
	int err;
};

static int
collect(const char *id, void *ctx)
{
	struct scan *s = ctx;
	struct stat st;
	struct item *it;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		it = realloc(s->items, cap * sizeof *it);
		if (it == NULL)
			return -1;
		s->items = it;
		s->cap = cap;
	}
	/* A file that vanished between readdir and stat moved on: skip it. */
	if (fstatat(queue_dirfd(s->q, s->dir), id, &st, 0) == -1)
		return errno == ENOENT ? 1 : -1;
	it = &s->items[s->n++];
	memcpy(it->id, id, QUEUE_ID_SIZE);
	it->dir = s->dir;
	it->bytes = st.st_size;
	return 1;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->id,
	    ((const struct item *)b)->id);
}

/* Every message in the directories of mask, sorted by id (arrival). */
static int
gather(struct queue *q, unsigned mask, struct scan *s)
{
	int d;

	memset(s, 0, sizeof *s);
	s->q = q;
	for (d = 0; d < QD_COUNT; d++) {
		if (!(mask & BIT(d)))
			continue;
		s->dir = (enum queue_dir)d;
		if (queue_scan(q, s->dir, collect, s) == -1) {
			warn_sys("unable to read ", q->root, "/",
			    queue_dir_name(s->dir));
			return 0;
		}
	}
	if (s->n > 1)
		qsort(s->items, s->n, sizeof *s->items, by_id);
	return 1;
}

/* Read a message's envelope; 1, 0 when gone or damaged (warned), -1. */
static int
load(struct queue *q, const struct item *it, struct envelope *e)
{
	int fd = queue_openmsg(q, it->dir, it->id), ok;

	envelope_init(e);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		warn_sys("unable to open ", queue_dir_name(it->dir), "/", it->id);
		return -1;
	}
	ok = envelope_read(e, fd);
	close(fd);
	if (!ok) {
		if (errno == EPROTO) {
			warn_x("damaged envelope: ", queue_dir_name(it->dir), "/",
			    it->id);
			return 0;
		}
		warn_sys("unable to read ", queue_dir_name(it->dir), "/", it->id);
		return -1;
	}
	return 1;
}

/* The state file, or an all-pending state when there is none. */
static int
load_state(struct queue *q, const struct item *it, const struct envelope *e,
    struct qstate *st)
{
	struct zs raw = ZS_INIT;
	int r = queue_state_read(q, it->id, &raw), ok;

	if (r == 1)
		ok = qstate_parse(st, e->nrcpt, raw.s, raw.len);
	else
		ok = r == 0 && qstate_init(st, e->nrcpt);
	if (!ok && r == 1)
		warn_x("damaged state file: state/", it->id);
	zs_free(&raw);
	return ok || (r == 1 && qstate_init(st, e->nrcpt));
}

static int
summary(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	unsigned long long count[QD_COUNT] = { 0 }, prio[PRIO_COUNT] = { 0 };
	unsigned long long total = 0, size = 0;
	time_t oldest = 0, now = time(NULL);
	struct scan s;
	size_t i, k;

	if (!gather(q, (1u << QD_COUNT) - 1, &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		time_t t = queue_id_time(it->id);

		count[it->dir]++;
		size += (unsigned long long)it->bytes;
		if (it->dir == QD_BAD)
			continue;
		total++;
		if (oldest == 0 || t < oldest)
			oldest = t;
		if (it->dir <= QD_TODO_LOW) {
			prio[it->dir - QD_TODO_URGENT]++;
		} else if (BIT(it->dir) & PENDING_BITS) {
			struct envelope e;

			/* Only messages out of todo/ need their envelope read. */
			if (load(q, it, &e) == 1)
				prio[e.prio]++;
			envelope_free(&e);
		}
	}
	free(s.items);

	if (c->json) {
		out_s(o, "{\"queue\":");
		out_json(o, q->root);
		out_s(o, ",\"total\":");
		out_u(o, total);
		for (k = 0; k < NSTATES; k++) {
			unsigned long long n = 0;

			if (states[k].json == NULL)
				continue;
			for (i = 0; i < QD_COUNT; i++)
				if (states[k].dirs & BIT(i))
					n += count[i];
			out_s(o, ",\"");
			out_s(o, states[k].json);
			out_s(o, "\":");
			out_u(o, n);
		}
		out_s(o, ",\"total_size\":");
		out_u(o, size);
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
			out_u(o, prio[k]);
		}
		out_s(o, "}}\n");
		return EXIT_OK;
	}
	out_s(o, "queue ");
	out_s(o, q->root);
	out_s(o, "\nmessages              ");
	out_upad(o, total, 8);
	out_s(o, "\n");
	for (k = 0; k < NSTATES; k++) {
		unsigned long long n = 0;

		if (states[k].json == NULL)
			continue;
		for (i = 0; i < QD_COUNT; i++)
			if (states[k].dirs & BIT(i))
				n += count[i];
		out_s(o, "  ");
		out_pad(o, states[k].name, 20, 0);
		out_upad(o, n, 8);
		out_s(o, "\n");
	}
	out_s(o, "by priority          ");
	for (k = 0; k < PRIO_COUNT; k++) {
		out_s(o, " ");
		out_s(o, queue_prio_name((enum queue_prio)k));
		out_s(o, "=");
		out_u(o, prio[k]);
	}
	out_s(o, "\ntotal size            ");
	out_upad(o, size, 8);
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
	out_s(o, "\n");
	return EXIT_OK;
}

static unsigned
state_mask(const char *name)
{
	size_t i;

	if (name == NULL)
		return PENDING_BITS;
	for (i = 0; i < NSTATES; i++)
		if (strcmp(states[i].name, name) == 0)
			return states[i].dirs;
	return 0;
}

static int
list(const struct qstat_conf *c, struct queue *q, struct buf *o)
{
	unsigned mask = state_mask(c->arg);
	time_t now = time(NULL);
	struct scan s;
	size_t i, k;
	int first = 1, code = EXIT_OK;

	if (mask == 0) {
		warn_x("unknown state: ", c->arg);
		return EXIT_PERM;
	}
	if (!gather(q, mask, &s))
		return EXIT_TEMP;
	if (c->json)
		out_s(o, "[");
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;
		struct qstate st;
		int r = load(q, it, &e);

		if (r == -1)
			code = EXIT_TEMP;
		if (r != 1) {
			envelope_free(&e);
			continue;
		}
		if (!load_state(q, it, &e, &st)) {
			envelope_free(&e);
			code = EXIT_TEMP;
			continue;
		}
		if (c->json) {
			out_s(o, first ? "\n{\"id\":" : ",\n{\"id\":");
			out_json(o, it->id);
			out_s(o, ",\"state\":");
			out_json(o, dir_state(it->dir));
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
				out_s(o, "}");
			}
			out_s(o, "]}");
		} else {
			out_s(o, it->id);
			out_s(o, " ");
			out_pad(o, dir_state(it->dir), 12, 0);
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
	r = load(q, &it, &e);
	if (r != 1)
		return r == 0 ? QSTAT_NOTFOUND : EXIT_TEMP;
	if (!load_state(q, &it, &e, &st)) {
		envelope_free(&e);
		return EXIT_TEMP;
	}
	if (c->json) {
		out_s(o, "{\"id\":");
		out_json(o, it.id);
		out_s(o, ",\"state\":");
		out_json(o, dir_state(it.dir));
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
		out_s(o, dir_state(it.dir));
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

	if (!gather(q, PENDING_BITS, &s))
		return EXIT_TEMP;
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		struct envelope e;
		struct qstate st;
		char when[32];
		struct tm tm;
		time_t t;

		if (load(q, it, &e) != 1 || !load_state(q, it, &e, &st)) {
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
state_orphan(const char *id, void *ctx)
{
	struct queue *q = ctx;
	enum queue_dir d;
	int r = queue_locate(q, id, &d);

	if (r == 0)
		warn_x("problem: state file without a message: state/", id);
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

	if (!gather(q, ((1u << QD_COUNT) - 1) & ~BIT(QD_BAD), &s))
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
		r = load(q, it, &e);
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
	}
	queue_close(&q);
	return r;
}
