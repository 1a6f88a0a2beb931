/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "grow.h"
#include "report.h"
#include "scan.h"

const struct state_name qstat_states[] = {
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
const size_t qstat_nstates = sizeof qstat_states / sizeof qstat_states[0];

const char *
report_state_name(enum queue_dir d)
{
	size_t i;

	for (i = 0; i < qstat_nstates; i++)
		if (qstat_states[i].json != NULL && (qstat_states[i].dirs & BIT(d)))
			return qstat_states[i].name;
	return "?";
}

static int
collect(const char *id, void *ctx)
{
	struct scan *s = ctx;
	struct stat st;
	struct item *it;

	if (!grow(&s->items, &s->cap, s->n + 1))
		return -1;
	/* The caller finds the size when it opens the file anyway. */
	st.st_size = -1;
	/* A file that vanished between readdir and stat moved on: skip it. */
	if (!(s->nostat & BIT(s->dir)) &&
	    fstatat(queue_dirfd(s->q, s->dir), id, &st, 0) == -1)
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

/*
 * Every message in the directories of mask, in directory order; those of
 * the directories in nostat with bytes -1.
 */
static int
gather(struct queue *q, unsigned mask, unsigned nostat, struct scan *s)
{
	int d;

	memset(s, 0, sizeof *s);
	s->q = q;
	s->nostat = nostat;
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
	return 1;
}

int
report_gather(struct queue *q, unsigned mask, struct scan *s)
{
	if (!gather(q, mask, 0, s))
		return 0;
	if (s->n > 1)
		qsort(s->items, s->n, sizeof *s->items, by_id);
	return 1;
}

/* report_load, and the file's size in *bytes once it is open. */
static int
load_sized(struct queue *q, const struct item *it, struct envelope *e,
    off_t *bytes)
{
	int fd = queue_openmsg(q, it->dir, it->id), ok;
	struct stat st;

	envelope_init(e);
	if (fd == -1) {
		/* Gone, or a stray since the scan: --check reports those. */
		if (errno == ENOENT || errno == QUEUE_ENOTREG)
			return 0;
		warn_sys("unable to open ", queue_dir_name(it->dir), "/", it->id);
		return -1;
	}
	if (fstat(fd, &st) == 0)
		*bytes = st.st_size;
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

int
report_load(struct queue *q, const struct item *it, struct envelope *e)
{
	off_t bytes;

	return load_sized(q, it, e, &bytes);
}

int
report_load_state(struct queue *q, const struct item *it, const struct envelope *e,
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

unsigned
report_state_mask(const char *name)
{
	size_t i;

	if (name == NULL)
		return PENDING_BITS;
	for (i = 0; i < qstat_nstates; i++)
		if (strcmp(qstat_states[i].name, name) == 0)
			return qstat_states[i].dirs;
	return 0;
}


/* Count n messages, the least of id, under host, which keeps its least id. */
static int
host_add(struct report_counts *rc, const char *host, const char *id,
    unsigned long long n)
{
	struct report_host *h;
	size_t i;

	for (i = 0; i < rc->nhosts; i++)
		if (strcmp(rc->hosts[i].host, host) == 0) {
			rc->hosts[i].n += n;
			if (strcmp(id, rc->hosts[i].first) < 0)
				memcpy(rc->hosts[i].first, id, QUEUE_ID_SIZE);
			return 1;
		}
	if (!grow(&rc->hosts, &rc->hosts_cap, rc->nhosts + 1))
		return 0;
	h = rc->hosts;
	memcpy(h[rc->nhosts].host, host, strlen(host) + 1);
	memcpy(h[rc->nhosts].first, id, QUEUE_ID_SIZE);
	h[rc->nhosts++].n = n;
	return 1;
}

static int
by_first(const void *a, const void *b)
{
	return strcmp(((const struct report_host *)a)->first,
	    ((const struct report_host *)b)->first);
}

/* stats/counters ("zr-stats 1", then "name value" lines), as it is. */
static void
counters(struct queue *q, struct report_counts *rc)
{
	struct zs t = ZS_INIT;
	size_t i = 0;

	if (queue_stats_read(q, "counters", &t) != 1 || t.len < 11 ||
	    memcmp(t.s, "zr-stats 1\n", 11) != 0) {
		zs_free(&t);
		return;
	}
	i = 11;
	while (i < t.len && rc->ncounters < REPORT_COUNTERS_MAX) {
		const char *line = t.s + i, *nl = memchr(line, '\n', t.len - i);
		const char *sp;
		size_t len = nl != NULL ? (size_t)(nl - line) : t.len - i;
		struct report_counter *c = &rc->counter[rc->ncounters];

		i += len + 1;
		sp = memchr(line, ' ', len);
		if (sp == NULL || (size_t)(sp - line) >= sizeof c->name ||
		    scan_ulongb(sp + 1, len - (size_t)(sp + 1 - line),
		    &c->value) != len - (size_t)(sp + 1 - line))
			continue;
		memcpy(c->name, line, (size_t)(sp - line));
		c->name[sp - line] = '\0';
		rc->ncounters++;
	}
	zs_free(&t);
}

/*
 * What the summary reads of a message out of todo/. Envelopes are read
 * only for those; a terminal message without a state file was delivered
 * at the first try and has nothing more to tell. One whose state file
 * repeats the priority, the count and the size is not opened either: a
 * million message files beside their state files do not fit the page
 * cache. *r is queue_state_read's answer (the text in raw), *said whether
 * *st holds the parsed state already; 1 when e can be counted. *bytes is
 * the file's size, 0 when it is gone since the scan (counted where the
 * scan found it, as before, but of unknown size).
 */
static int
read_message(struct queue *q, const struct item *it, struct zs *raw, int *r,
    struct envelope *e, struct qstate *st, int *said, off_t *bytes)
{
	struct stat fst;
	int loaded = 0;

	raw->len = 0;
	*r = queue_state_read(q, it->id, raw);
	if (*r == 1 && qstate_parse(st, QSTATE_NRCPT_FILE, raw->s, raw->len)) {
		*said = st->prio >= 0 && st->size >= 0;
		if (!*said)
			qstate_free(st);
	}
	if (*said) {
		e->prio = (enum queue_prio)st->prio;
		*bytes = (off_t)st->size;
		loaded = 1;
	} else if ((BIT(it->dir) & PENDING_BITS) || *r == 1) {
		loaded = load_sized(q, it, e, bytes) == 1;
	} else if (fstatat(queue_dirfd(q, it->dir), it->id, &fst, 0) == 0) {
		*bytes = fst.st_size;
	}
	if (*bytes < 0)
		*bytes = 0;
	return loaded;
}

/* What stats/deferred says of deferred/ (zr-send(8)). */
struct sendsum {
	unsigned long long pid, written, messages, bytes, attempts, next;
	unsigned long long prio[PRIO_COUNT];
};

/* One "host NAME N LEAST-ID" line into rc; 0 when malformed. */
static int
sendsum_host(struct report_counts *rc, char *v)
{
	char *n = strchr(v, ' '), *id;
	unsigned long long u;

	if (n == NULL)
		return 0;
	*n++ = '\0';
	id = strchr(n, ' ');
	if (id == NULL)
		return 0;
	*id++ = '\0';
	if (strlen(v) > QSTATE_HOST_MAX || *v == '\0' ||
	    !scan_ulong_all(n, &u) || !queue_id_valid(id))
		return 0;
	return host_add(rc, v, id, u);
}

/* One "KEY VALUE" line other than a host; 0 when malformed. */
static int
sendsum_line(struct sendsum *a, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "pid", offsetof(struct sendsum, pid) },
		{ "written", offsetof(struct sendsum, written) },
		{ "messages", offsetof(struct sendsum, messages) },
		{ "bytes", offsetof(struct sendsum, bytes) },
		{ "attempts", offsetof(struct sendsum, attempts) },
		{ "next", offsetof(struct sendsum, next) },
	};
	enum queue_prio p;
	const char *sp;
	size_t i;

	if (strcmp(k, "prio") == 0) {
		char name[16];

		sp = strchr(v, ' ');
		if (sp == NULL || (size_t)(sp - v) >= sizeof name)
			return 0;
		memcpy(name, v, (size_t)(sp - v));
		name[sp - v] = '\0';
		return queue_prio_parse(name, &p) &&
		    scan_ulong_all(sp + 1, &a->prio[p]);
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(k, keys[i].key) == 0)
			return scan_ulong_all(v, (unsigned long long *)
			    (void *)((char *)a + keys[i].off));
	return 1;	/* a key of a later zr-send */
}

/*
 * stats/deferred, when zr-send wrote it within REPORT_SEND_FRESH and still
 * runs: 1, its hosts counted into rc. Anything else (absent, stale,
 * damaged, its writer gone): 0 and rc's hosts as they were, and the
 * caller reads deferred/ itself.
 */
static int
sendsum_load(struct queue *q, time_t now, struct sendsum *a,
    struct report_counts *rc)
{
	struct zs t = ZS_INIT;
	size_t i, nhosts = rc->nhosts;
	int ok;

	memset(a, 0, sizeof *a);
	ok = queue_stats_read(q, "deferred", &t) == 1 && zs_0(&t) &&
	    t.len >= 11 && memcmp(t.s, "zr-stats 1\n", 11) == 0;
	for (i = 11; ok && i < t.len;) {
		char *line = t.s + i, *nl = memchr(line, '\n', t.len - i), *sp;

		if (nl == NULL)
			break;
		*nl = '\0';
		i = (size_t)(nl - t.s) + 1;
		sp = strchr(line, ' ');
		if (sp == NULL) {
			ok = 0;
			break;
		}
		*sp++ = '\0';
		ok = strcmp(line, "host") == 0 ? sendsum_host(rc, sp) :
		    sendsum_line(a, line, sp);
	}
	zs_free(&t);
	ok = ok && a->pid > 0 && a->pid <= INT_MAX &&
	    a->written + REPORT_SEND_FRESH >= (unsigned long long)now &&
	    (kill((pid_t)a->pid, 0) == 0 || errno != ESRCH);
	if (!ok)
		rc->nhosts = nhosts;
	return ok;
}

/* The least number of deferred messages for which stats/deferred is used. */
static unsigned long long
send_min(void)
{
	const char *v = getenv("ZR_QSTAT_SENDMIN");
	unsigned long long u;

	return v != NULL && scan_ulong_all(v, &u) ? u : REPORT_SENDMIN;
}

/*
 * A queue of a million deferred messages is two million files: zr-send
 * has what the summary wants of them in memory, and writes it. Whether
 * its word stands in for reading them (true: counted into rc, and
 * *attempts), as REPORT_SENDMIN says.
 */
static bool
from_send(struct queue *q, const struct scan *s, time_t now,
    struct report_counts *rc, unsigned long long *attempts)
{
	struct sendsum a;
	unsigned long long ndeferred = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		ndeferred += s->items[i].dir == QD_DEFERRED;
	if (ndeferred == 0 || ndeferred < send_min() ||
	    !sendsum_load(q, now, &a, rc))
		return false;
	rc->from_send = (time_t)a.written;
	rc->bytes += a.bytes;
	*attempts += a.attempts;
	for (i = 0; i < PRIO_COUNT; i++)
		rc->prio[i] += a.prio[i];
	rc->next_retry = (long long)a.next;
	return true;
}

int
report_count(struct queue *q, struct report_counts *rc, int exact)
{
	unsigned long long npending = 0, attempts = 0;
	struct zs raw = ZS_INIT;
	double age = 0;
	time_t now = time(NULL);
	struct scan s;
	size_t i, k;
	bool fromsend;

	memset(rc, 0, sizeof *rc);
	/*
	 * Counts need no order: unsorted, and the hosts put in the order of
	 * their first message afterwards, as a sorted walk met them. Sums
	 * are of whole seconds, exact in a double in any order. A name
	 * lookup in a directory of a million entries is the cost (the
	 * kernel's dentry hash): the files whose envelope is read are sized
	 * by the fstat of that open, not by a stat of their own.
	 */
	if (!gather(q, (1u << QD_COUNT) - 1, ~(TODO_BITS | BIT(QD_BAD)), &s))
		return 0;
	fromsend = !exact && from_send(q, &s, now, rc, &attempts);
	for (i = 0; i < s.n; i++) {
		const struct item *it = &s.items[i];
		time_t t = queue_id_time(it->id);
		off_t bytes = it->bytes;
		struct envelope e;
		struct qstate st;
		int r = 0, loaded = 0, said = 0;

		envelope_init(&e);
		if (it->dir != QD_BAD && it->dir > QD_TODO_LOW &&
		    !(fromsend && it->dir == QD_DEFERRED)) {
			loaded = read_message(q, it, &raw, &r, &e, &st, &said,
			    &bytes);
		}
		rc->dir[it->dir]++;
		/* Unknown (-1) for the deferred ones zr-send has counted. */
		if (bytes > 0)
			rc->bytes += (unsigned long long)bytes;
		if (it->dir == QD_BAD)
			continue;
		rc->total++;
		if (rc->oldest == 0 || t < rc->oldest)
			rc->oldest = t;
		if (BIT(it->dir) & PENDING_BITS) {
			npending++;
			age += (double)(now - t);
			if (rc->oldest_pending == 0 || t < rc->oldest_pending)
				rc->oldest_pending = t;
		}
		if (it->dir <= QD_TODO_LOW ||
		    (fromsend && it->dir == QD_DEFERRED)) {
			if (it->dir == QD_DEFERRED)
				continue;
			/* Queued and never tried: nothing more to read. */
			rc->prio[it->dir - QD_TODO_URGENT]++;
			continue;
		}
		if (!loaded) {
			envelope_free(&e);
			continue;
		}
		if (BIT(it->dir) & PENDING_BITS)
			rc->prio[e.prio]++;
		if (r == 1 && (said || qstate_parse(&st, e.nrcpt, raw.s,
		    raw.len))) {
			if (BIT(it->dir) & PENDING_BITS)
				attempts += st.attempts;
			if (it->dir == QD_DEFERRED && st.next > 0 &&
			    (rc->next_retry == 0 || st.next < rc->next_retry))
				rc->next_retry = st.next;
			for (k = 0; k < st.nrcpt; k++)
				if (st.rcpt[k].host[0] != '\0') {
					(void)host_add(rc, st.rcpt[k].host,
					    it->id, 1);
					break;
				}
			qstate_free(&st);
		}
		envelope_free(&e);
	}
	zs_free(&raw);
	free(s.items);
	if (rc->nhosts > 1)
		qsort(rc->hosts, rc->nhosts, sizeof *rc->hosts, by_first);
	if (npending > 0) {
		rc->avg_age = age / (double)npending;
		rc->avg_attempts = (double)attempts / (double)npending;
	}
	counters(q, rc);
	return 1;
}

void
report_counts_free(struct report_counts *rc)
{
	free(rc->hosts);
	rc->hosts = NULL;
	rc->nhosts = rc->hosts_cap = 0;
}

unsigned long long
report_state_count(const struct report_counts *rc, size_t k)
{
	unsigned long long n = 0;
	int d;

	for (d = 0; d < QD_COUNT; d++)
		if (qstat_states[k].dirs & BIT(d))
			n += rc->dir[d];
	return n;
}
