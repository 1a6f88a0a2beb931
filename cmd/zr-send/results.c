/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "job.h"
#include "qstate.h"
#include "results.h"

/* How often a lock held by a deliverer of the dead scheduler is tried. */
#define RESULTS_POLL_MS 20

static long long
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int
results_wait(struct queue *q, const char *id, long long deadline_ms)
{
	int fd = queue_openmsg(q, QD_ACTIVE, id), ok = 0;

	if (fd == -1)
		return 0;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			ok = 1;
			break;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		if (mono_ms() >= deadline_ms)
			break;
		/* Nothing else runs yet: start-up waits for the last results. */
		(void)poll(NULL, 0, RESULTS_POLL_MS);
	}
	close(fd);	/* the lock goes with it */
	return ok;
}

int
results_collect(struct queue *q, struct zs *names)
{
	struct queue_cursor c;
	const char *name;
	int r;

	if (!queue_cursor_open_state(q, &c))
		return errno == ENOENT;
	while ((r = queue_cursor_next(&c, &name)) == 1)
		if (queue_result_name(name, NULL, NULL) &&
		    (!zs_cats(names, name) || !zs_catc(names, '\0'))) {
			r = -1;
			break;
		}
	queue_cursor_close(&c);
	return r == 0;
}

/* The envelope recipient a job's address names, or SIZE_MAX. */
static size_t
rcpt_index(const struct envelope *e, const char *addr)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++)
		if (strcmp(e->rcpt[i].addr, addr) == 0)
			return i;
	return (size_t)-1;
}

/* One result file into st. 1, 0 when damaged, -1 on error. */
static int
fold_one(struct queue *q, const struct envelope *e, struct qstate *st,
    const char *name, size_t *n)
{
	struct zs t = ZS_INIT;
	struct job_req j;
	struct job_report r;
	const char *a;
	size_t used, i;
	int g = queue_state_read(q, name, &t);

	if (g != 1) {
		zs_free(&t);
		return g == 0 ? 1 : -1;	/* gone meanwhile: nothing to fold */
	}
	if (!job_readb(t.s, t.len, &j, &used)) {
		zs_free(&t);
		return 0;
	}
	if (!job_report_parse(t.s + used, t.len - used, &r)) {
		job_req_free(&j);
		zs_free(&t);
		return 0;
	}
	a = j.rcpts.s;
	for (i = 0; i < j.nrcpt; i++, a += strlen(a) + 1) {
		size_t k = rcpt_index(e, a);

		/*
		 * Only what a receiver took is folded: anything else is
		 * tried again, as after any interrupted attempt, so that a
		 * failure still gets its notification on the normal path.
		 */
		if (k == (size_t)-1 || job_rcpt_status(&r, i) != RS_DELIVERED ||
		    st->rcpt[k].status == RS_DELIVERED)
			continue;
		st->rcpt[k].status = RS_DELIVERED;
		st->rcpt[k].attempts++;
		qstate_set_reply(&st->rcpt[k], r.host, r.text,
		    strlen(r.text));
		(*n)++;
	}
	job_report_free(&r);
	job_req_free(&j);
	zs_free(&t);
	return 1;
}

int
results_fold(struct queue *q, const char *id, const struct zs *names,
    size_t *n)
{
	struct envelope e;
	struct qstate st;
	struct zs t = ZS_INIT;
	const char *p = names->s, *end = names->s + names->len;
	int fd, ok = 0, any = 0;

	*n = 0;
	for (; p < end; p += strlen(p) + 1)
		if (strncmp(p, id, QUEUE_ID_LEN) == 0)
			any = 1;
	if (!any)
		return 1;
	envelope_init(&e);
	fd = queue_openmsg(q, QD_ACTIVE, id);
	if (fd == -1 || !envelope_read(&e, fd))
		goto out;
	if (queue_state_read(q, id, &t) == 1) {
		if (!qstate_parse(&st, e.nrcpt, t.s, t.len))
			goto out;
	} else if (!qstate_init(&st, e.nrcpt)) {
		goto out;
	}
	for (p = names->s; p < end; p += strlen(p) + 1) {
		int g;

		if (strncmp(p, id, QUEUE_ID_LEN) != 0)
			continue;
		g = fold_one(q, &e, &st, p, n);
		if (g == -1)
			goto freestate;
		if (g == 0 && !queue_state_set_aside(q, p))
			warn_sys("unable to set aside damaged state/", p);
	}
	t.len = 0;
	/* The state first: only then may the records go. */
	if (*n > 0 && (!qstate_format(&st, &t) ||
	    !queue_state_write(q, id, t.s, t.len)))
		goto freestate;
	for (p = names->s; p < end; p += strlen(p) + 1)
		if (strncmp(p, id, QUEUE_ID_LEN) == 0)
			(void)queue_state_remove(q, p);
	ok = 1;
freestate:
	qstate_free(&st);
out:
	if (fd != -1)
		close(fd);
	envelope_free(&e);
	zs_free(&t);
	return ok;
}

void
results_remove(struct queue *q, const char *id, const unsigned long long *ds,
    size_t count)
{
	char name[QUEUE_ID_SIZE + FMT_ULONG + 2];
	size_t i;

	for (i = 0; i < count; i++)
		if (fmt_snprintf(name, sizeof name, "%s.r%llu", id, ds[i]) != -1)
			(void)queue_state_remove(q, name);
}
