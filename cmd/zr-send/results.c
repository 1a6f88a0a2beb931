/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "grow.h"
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
results_init(struct results *r)
{
	memset(r, 0, sizeof *r);
	return queue_id_new(r->run);
}

void
results_free(struct results *r)
{
	free(r->v);
	zs_free(&r->acked);
	zs_free(&r->names);
	memset(r, 0, sizeof *r);
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
		/* Nothing else runs yet: start-up waits for the results. */
		(void)poll(NULL, 0, RESULTS_POLL_MS);
	}
	close(fd);	/* the lock goes with it */
	return ok;
}

/* The acknowledged recipients of one record into acked. 1, or 0. */
static int
take(struct zs *acked, const struct job_req *j, const struct job_report *r)
{
	const char *a = j->rcpts.s;
	size_t i;

	for (i = 0; i < j->nrcpt; i++, a += strlen(a) + 1)
		if (job_rcpt_status(r, i) == RS_DELIVERED &&
		    (!zs_cats(acked, j->id) || !zs_catc(acked, '\0') ||
		    !zs_cats(acked, a) || !zs_catc(acked, '\0') ||
		    !zs_cats(acked, r->host) || !zs_catc(acked, '\0') ||
		    !zs_cats(acked, r->text) || !zs_catc(acked, '\0')))
			return 0;
	return 1;
}

static int
read_one(const char *name, void *ctx)
{
	struct results *rs = ((void **)ctx)[0];
	struct queue *q = ((void **)ctx)[1];
	struct zs t = ZS_INIT;
	size_t off = 0;
	int g = queue_state_read(q, name, &t);

	if (!zs_cats(&rs->names, name) || !zs_catc(&rs->names, '\0'))
		goto fail;
	if (g != 1) {
		/* A stray or an unreadable journal must not stop the start. */
		if (g == -1)
			warn_sys("unable to read state/", name);
		zs_free(&t);
		return 1;
	}
	/* Records follow one another; a torn last one is left out. */
	while (off < t.len) {
		struct job_req j;
		struct job_report r;
		size_t used;
		long rl;

		if (!job_readb(t.s + off, t.len - off, &j, &used))
			break;
		rl = job_report_len(t.s + off + used, t.len - off - used);
		if (rl <= 0 || !job_report_parse(t.s + off + used, (size_t)rl,
		    &r)) {
			job_req_free(&j);
			break;
		}
		off += used + (size_t)rl;
		g = j.bad.len == 0 && j.id[0] != '\0' ?
		    take(&rs->acked, &j, &r) : 1;
		job_report_free(&r);
		job_req_free(&j);
		if (!g)
			goto fail;
	}
	if (off < t.len)
		warn_x("a record in state/", name, " is damaged or torn; "
		    "what follows it is not used");
	zs_free(&t);
	return 1;
fail:
	zs_free(&t);
	return -1;
}

int
results_read(struct results *rs, struct queue *q)
{
	void *ctx[2] = { rs, q };

	return queue_journal_scan(q, read_one, ctx) == 1;
}

int
results_fold(struct results *rs, struct queue *q, const char *id, size_t *n)
{
	struct envelope e;
	struct qstate st;
	struct zs t = ZS_INIT;
	struct stat fst;
	const char *p = rs->acked.s, *end = rs->acked.s + rs->acked.len;
	int fd = -1, ok = 0, any = 0, have = 0;

	*n = 0;
	for (; p < end && !any; ) {
		any = strcmp(p, id) == 0;
		for (int k = 0; k < 4; k++)
			p += strlen(p) + 1;
	}
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
	have = 1;
	/* What the state file repeats of the message file (qstate.h). */
	st.prio = (int)e.prio;
	st.size = fstat(fd, &fst) == 0 ? (long long)fst.st_size : -1;
	for (p = rs->acked.s; p < end; ) {
		const char *pid = p, *addr, *host, *text;
		size_t i;

		addr = pid + strlen(pid) + 1;
		host = addr + strlen(addr) + 1;
		text = host + strlen(host) + 1;
		p = text + strlen(text) + 1;
		if (strcmp(pid, id) != 0)
			continue;
		/*
		 * Only what a receiver took is folded: anything else is tried
		 * again, as after any interrupted attempt, so that a failure
		 * still gets its notification on the normal path.
		 */
		for (i = 0; i < e.nrcpt; i++)
			if (strcmp(e.rcpt[i].addr, addr) == 0 &&
			    st.rcpt[i].status != RS_DELIVERED) {
				st.rcpt[i].status = RS_DELIVERED;
				st.rcpt[i].attempts++;
				qstate_set_reply(&st.rcpt[i], host, text,
				    strlen(text));
				(*n)++;
				break;
			}
	}
	t.len = 0;
	ok = *n == 0 || (qstate_format(&st, &t) &&
	    queue_state_write(q, id, t.s, t.len));
out:
	if (have)
		qstate_free(&st);
	if (fd != -1)
		close(fd);
	envelope_free(&e);
	zs_free(&t);
	return ok;
}

void
results_read_done(struct results *rs, struct queue *q)
{
	const char *p = rs->names.s, *end = rs->names.s + rs->names.len;

	for (; p < end; p += strlen(p) + 1)
		(void)queue_state_remove(q, p);
	zs_free(&rs->names);
	zs_free(&rs->acked);
}

long
results_new(struct results *rs, struct queue *q)
{
	struct results_journal *j;
	size_t i;
	int fd;

	for (i = 0; i < rs->n && rs->v[i].name[0] != '\0'; i++)
		;
	if (i == rs->n) {
		if (!grow(&rs->v, &rs->cap, rs->n + 1))
			return -1;
		rs->v[rs->n++].name[0] = '\0';
	}
	j = &rs->v[i];
	if (fmt_snprintf(j->name, sizeof j->name, "journal.%s.%llx", rs->run,
	    ++rs->seq) == -1) {
		j->name[0] = '\0';
		return -1;
	}
	fd = queue_journal_create(q, j->name);
	if (fd == -1) {
		j->name[0] = '\0';
		return -1;
	}
	close(fd);
	j->refs = j->jobs = 0;
	j->alive = true;
	return (long)i;
}

bool
results_ours(const struct results *rs, const char *name)
{
	size_t n = strlen(rs->run);

	return strncmp(name, "journal.", 8) == 0 &&
	    strncmp(name + 8, rs->run, n) == 0 && name[8 + n] == '.';
}

const char *
results_name(const struct results *rs, long i)
{
	return rs->v[i].name;
}

static void
maybe_remove(struct results *rs, struct queue *q, long i)
{
	struct results_journal *j = &rs->v[i];

	if (j->alive || j->refs > 0)
		return;
	(void)queue_state_remove(q, j->name);
	j->name[0] = '\0';
}

bool
results_full(const struct results *rs, long i)
{
	return rs->v[i].jobs >= RESULTS_JOBS_MAX;
}

void
results_ref(struct results *rs, long i)
{
	rs->v[i].refs++;
	rs->v[i].jobs++;
}

void
results_unref(struct results *rs, struct queue *q, long i)
{
	if (rs->v[i].refs > 0)
		rs->v[i].refs--;
	maybe_remove(rs, q, i);
}

void
results_dead(struct results *rs, struct queue *q, long i)
{
	rs->v[i].alive = false;
	maybe_remove(rs, q, i);
}
