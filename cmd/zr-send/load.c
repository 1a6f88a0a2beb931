/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "limit.h"
#include "load.h"
#include "log.h"
#include "msg.h"

/*
 * A stray (an entry with a message's name that is not a regular file) in
 * d, or in state/ when state is set: set aside in bad/, or removed, with
 * one warning; never read, never delivered.
 */
void
load_stray_aside(struct send *s, enum queue_dir d, bool state,
    const char *name, const char *kind)
{
	const char *from = state ? "state" : queue_dir_name(d);
	struct zs l = ZS_INIT;
	int r = state ? queue_state_stray(&s->q, name) :
	    queue_stray(&s->q, d, name);

	if (r == 0) {
		/* Seen again at every scan: one warning is enough. */
		unsigned long long h = 14695981039346656037ULL;
		size_t i;

		for (const char *p = from; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		for (const char *p = name; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		for (i = 0; i < s->nstuck && i < SEND_STUCK; i++)
			if (s->stuck[i] == h)
				return;
		s->stuck[s->nstuck++ % SEND_STUCK] = h;
		warn_sys("id=", name, " event=stray from=", from,
		    " reason=\"unable to set aside, not a regular file\"");
		return;
	}
	if (log_begin(&l, "warning", name) &&
	    zs_cats(&l, "event=stray kind=") && zs_cats(&l, kind) &&
	    zs_cats(&l, r == 1 ? " action=set-aside to=bad from=" :
	    " action=removed from=") && zs_cats(&l, from))
		log_line(&l);
	zs_free(&l);
}

/* An open refused with QUEUE_ENOTREG: what stands there now. */
void
load_stray_found(struct send *s, enum queue_dir d, const char *name)
{
	struct stat st;

	if (queue_stat(&s->q, d, name, &st) == 1)
		load_stray_aside(s, d, false, name, queue_kind(st.st_mode));
}

/* The same for a state file, after queue_state_read failed. */
void
load_state_stray_found(struct send *s, const char *name)
{
	struct stat st;

	/* queue_state_read opened state/ for us. */
	if (errno == QUEUE_ENOTREG &&
	    fstatat(s->q.statefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		load_stray_aside(s, QD_ACTIVE, true, name,
		    queue_kind(st.st_mode));
}

static int
stray_active(const char *name, const char *kind, void *ctx)
{
	load_stray_aside(ctx, QD_ACTIVE, false, name, kind);
	return 1;
}

static int
stray_hold(const char *name, const char *kind, void *ctx)
{
	load_stray_aside(ctx, QD_HOLD, false, name, kind);
	return 1;
}

struct scanctx {
	struct send *s;
	struct sched_list *l;
	enum queue_prio p;
};

static int
stray_todo(const char *name, const char *kind, void *ctx)
{
	struct scanctx *c = ctx;

	load_stray_aside(c->s, queue_todo(c->p), false, name, kind);
	return 1;
}

static int
scan_one(const char *id, void *ctx)
{
	struct scanctx *c = ctx;

	return sched_list_add(c->l, id, c->p, 0) ? 1 : -1;
}

void
load_todo(struct send *s, enum queue_prio p)
{
	struct sched_list *l = &s->sched.todo[p];
	struct scanctx c = { s, l, p };

	/* The directory is the truth: what was started has left it. */
	sched_list_clear(l);
	if (queue_scan_strays(&s->q, queue_todo(p), scan_one, stray_todo,
	    &c) == -1)
		warn_sys("trouble scanning ", queue_dir_name(queue_todo(p)),
		    "; will try again");
	sched_list_sort(l);
	s->rescan[p] = false;
	s->lastscan[p] = clock_ms();
}

/* The message's priority from its envelope; normal when unreadable. */
static enum queue_prio
read_prio(struct send *s, enum queue_dir d, const char *id, int *damaged)
{
	struct envelope e;
	enum queue_prio p = PRIO_NORMAL;
	int fd = queue_openmsg(&s->q, d, id);

	*damaged = 0;
	if (fd == -1) {
		if (errno == QUEUE_ENOTREG)
			*damaged = 2;
		return p;
	}
	envelope_init(&e);
	if (envelope_read(&e, fd))
		p = e.prio;
	else if (errno == EPROTO)
		*damaged = 1;
	envelope_free(&e);
	close(fd);
	return p;
}

void
load_set_aside(struct send *s, const char *id, enum queue_dir from)
{
	struct zs l = ZS_INIT;
	unsigned long long ino = log_ino(&s->q, from, id);

	if (queue_set_aside(&s->q, from, id)) {
		if (log_begin(&l, "warning", id) && zs_cats(&l, "ino=") &&
		    log_num(&l, ino) && zs_cats(&l, " event=damaged "
		    "action=set-aside to=bad from=") &&
		    zs_cats(&l, queue_dir_name(from)))
			log_line(&l);
	} else {
		warn_sys("id=", id, " event=damaged reason=\"unable to set "
		    "aside\"");
	}
	zs_free(&l);
}

struct recover_wait {
	struct send *s;
	long long deadline;	/* CLOCK_MONOTONIC ms, for all of them */
	size_t active;		/* messages found in active/ */
};

static int
wait_one(const char *id, void *ctx)
{
	struct recover_wait *w = ctx;

	w->active++;
	if (!results_wait(&w->s->q, id, w->deadline) && errno != ENOENT)
		warn_sys("id=", id, " reason=\"a delivery of the last run "
		    "still holds it in active/\"");
	return 1;
}

/*
 * Children of a scheduler that died finish their transaction and record
 * its results: wait for them, then read the journals (results.h). With
 * active/ empty no journal holds anything to fold, and finding them means
 * listing all of state/ (a second with a million messages deferred) before
 * the first delivery: the sliced walk of state/ removes them instead.
 */
static void
recover_wait(struct send *s)
{
	struct recover_wait w = { .s = s };
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	/* A deliverer bounds its transaction; a little more for its record. */
	w.deadline = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000 +
	    (long long)(s->conf->timeouttransaction + 10) * 1000;
	if (queue_scan(&s->q, QD_ACTIVE, wait_one, &w) == -1)
		die_sys(EXIT_TEMP, "unable to read the results of the last run");
	if (w.active == 0) {
		s->load.sweep_journals = true;
		return;
	}
	if (!results_read(&s->res, &s->q))
		die_sys(EXIT_TEMP, "unable to read the results of the last run");
}

static int
recover_one(const char *id, void *ctx)
{
	struct send *s = ctx;
	int damaged;
	enum queue_prio p = read_prio(s, QD_ACTIVE, id, &damaged);
	unsigned long long ino = log_ino(&s->q, QD_ACTIVE, id);
	struct zs l = ZS_INIT;
	size_t folded = 0;

	if (damaged == 2) {
		load_stray_found(s, QD_ACTIVE, id);
		return 1;
	}
	if (damaged) {
		load_set_aside(s, id, QD_ACTIVE);
		return 1;
	}
	/* What deliverers recorded before the crash is not sent again. */
	if (!results_fold(&s->res, &s->q, id, &folded))
		warn_sys("id=", id, " reason=\"unable to fold the recorded "
		    "results; they may be sent again\"");
	else if (folded > 0 && zs_cats(&l, "recovered ") && log_msg(&l, ino) &&
	    zs_cats(&l, ": delivered before the crash rcpts=") &&
	    log_num(&l, folded) && log_id(&l, id))
		log_line(&l);
	l.len = 0;
	if (!queue_move_nosync(&s->q, id, QD_ACTIVE, queue_todo(p))) {
		warn_sys("id=", id, " reason=\"unable to recover it from "
		    "active/\"");
		return 1;
	}
	s->sync_dir[queue_todo(p)] = true;
	/* Not "info msg": matchup would read its words as bytes and sender. */
	if (zs_cats(&l, "recovered ") && log_msg(&l, ino) &&
	    zs_cats(&l, ": from active/ to ") &&
	    zs_cats(&l, queue_dir_name(queue_todo(p))) && log_id(&l, id))
		log_line(&l);
	zs_free(&l);
	return 1;
}

/*
 * next from the state file's text (r from queue_state_read), 0 if none,
 * and the facts for stats/deferred (*f: bytes already set).
 */
static long long
state_next(struct send *s, const struct zs *t, int r, size_t nrcpt,
    struct sched_facts *f)
{
	struct qstate st;
	long long next = 0;

	if (r == 1 && qstate_parse(&st, nrcpt, t->s, t->len)) {
		next = st.next;
		*f = qsum_facts(&s->qsum, &st, f->bytes);
		qstate_free(&st);
	}
	return next;
}

static void
load_deferred_one(struct send *s, const char *id)
{
	struct envelope e;
	struct sched_facts f = { 0, 0, 0 };
	struct qstate st;
	struct stat fst;
	struct zs t = ZS_INIT;
	enum queue_prio p = PRIO_NORMAL;
	long long next = 0;
	int r = queue_state_read(&s->q, id, &t), fd;

	if (r == -1)
		load_state_stray_found(s, id);
	/*
	 * A state file that says the priority and the count is all this read
	 * needs: one small file per message, not two (a million pairs do not
	 * fit the page cache). A damaged or stray message file is then found
	 * when the message is tried: msg_open sets it aside.
	 */
	if (r == 1 && qstate_parse(&st, QSTATE_NRCPT_FILE, t.s, t.len)) {
		bool said = st.prio >= 0;

		p = said ? (enum queue_prio)st.prio : p;
		next = st.next;
		f = qsum_facts(&s->qsum, &st,
		    st.size > 0 ? (unsigned long long)st.size : 0);
		qstate_free(&st);
		if (said && f.bytes > 0) {
			limit_load_seen(s, id);
			goto add;
		}
	}
	fd = queue_openmsg(&s->q, QD_DEFERRED, id);
	if (fd == -1) {
		if (errno == QUEUE_ENOTREG)
			load_stray_found(s, QD_DEFERRED, id);
		goto out;
	}
	limit_load_seen(s, id);
	envelope_init(&e);
	if (fstat(fd, &fst) == 0)
		f.bytes = (unsigned long long)fst.st_size;
	if (!envelope_read(&e, fd)) {
		close(fd);
		if (errno == EPROTO)
			load_set_aside(s, id, QD_DEFERRED);
		envelope_free(&e);
		goto out;
	}
	close(fd);
	p = e.prio;
	next = state_next(s, &t, r, e.nrcpt, &f);
	envelope_free(&e);
add:
	/* Its results are in memory only: settle() takes it on. */
	if (!msg_unsaved(s, id)) {
		if (sched_load_add(&s->sched, id, p, next, &f))
			s->load.found++;
		else
			warn_sys("id=", id, " reason=\"unable to remember it "
			    "deferred\"");
	}
out:
	zs_free(&t);
}


/*
 * Take up what the last run left in active/: wait for its deliverers,
 * fold what they recorded into each message's state, and send each
 * message back to todo/ to be tried again.
 */
void
load_recover(struct send *s)
{
	recover_wait(s);
	if (queue_scan_strays(&s->q, QD_ACTIVE, recover_one, stray_active,
	    s) == -1)
		die_sys(EXIT_TEMP, "unable to scan ", s->q.root, "/active");
	/* Folded, or about messages that have left active/: done with. */
	results_read_done(&s->res, &s->q);
}

void
load_hold(struct send *s)
{
	queue_scan_strays(&s->q, QD_HOLD, NULL, stray_hold, s);
}

void
load_deferred_begin(struct send *s, long long now)
{
	struct send_load *l = &s->load;

	if (l->running)
		return;
	if (!queue_cursor_open(&s->q, QD_DEFERRED, &l->cur)) {
		warn_sys("trouble scanning deferred; will try again");
		return;
	}
	l->running = true;
	l->found = l->slices = 0;
	l->started = now;
	l->longest = 0;
	sched_load_begin(&s->sched);
	limit_load_begin(s);
}

/* The end of a read: what it found becomes the deferred list. */
static void
load_deferred_end(struct send *s, bool complete)
{
	struct send_load *l = &s->load;
	struct zs t = ZS_INIT;

	queue_cursor_close(&l->cur);
	l->running = false;
	sched_load_end(&s->sched);
	limit_load_end(s, complete);
	/* The list in use now holds all of deferred/, or only part of it. */
	s->qsum.whole = complete;
	/*
	 * A long read is followed by a whole interval without one: a queue
	 * of a million would otherwise be read again and again, back to back.
	 */
	if (l->slices > 1 && s->next_qrun < clock_ms() +
	    (long long)s->conf->queueinterval * 1000)
		s->next_qrun = clock_ms() +
		    (long long)s->conf->queueinterval * 1000;
	/* The first read, and the long ones: one line each. */
	if ((l->first_done && l->slices < 2) || !log_begin(&t, "info", NULL) ||
	    !zs_cats(&t, "event=deferred-scan messages=") ||
	    !log_num(&t, l->found) ||
	    !zs_cats(&t, " slices=") || !log_num(&t, l->slices) ||
	    !zs_cats(&t, " ms=") ||
	    !log_num(&t, (unsigned long long)(clock_ms() - l->started)) ||
	    !zs_cats(&t, " longest_slice_ms=") ||
	    !log_num(&t, (unsigned long long)l->longest))
		t.len = 0;
	else
		log_line(&t);
	l->first_done = true;
	zs_free(&t);
}

/*
 * The walk of state/ for the notification records a previous run left,
 * within the slice begun at start: 1 when the slice is used up.
 */
static int
notes_step(struct send *s, long long start, unsigned *n)
{
	struct send_load *l = &s->load;
	const char *name;
	int r;

	while ((r = queue_cursor_next(&l->notes, &name)) == 1) {
		if (!queue_journal_name_ok(name))
			notify_load_name(&s->notes, &s->q, name);
		else if (l->sweep_journals && !results_ours(&s->res, name))
			(void)queue_state_remove(&s->q, name);
		if (++*n % LOAD_CHECK == 0 &&
		    clock_ms() - start >= LOAD_SLICE_MS)
			return 1;
	}
	if (r == -1)
		warn_sys("trouble scanning state/ for notifications");
	queue_cursor_close(&l->notes);
	l->notes_running = false;
	return 0;
}

void
load_notes_begin(struct send *s)
{
	if (!queue_cursor_open_state_journals(&s->q, &s->load.notes)) {
		warn_sys("trouble scanning state/ for notifications");
		return;
	}
	s->load.notes_running = true;
}

int
load_step(struct send *s)
{
	struct send_load *l = &s->load;
	long long start = clock_ms(), took;
	const char *name;
	unsigned n = 0;
	int r;

	if (l->notes_running && notes_step(s, start, &n))
		return 1;
	if (!l->running)
		return 0;
	l->slices++;
	while ((r = queue_cursor_next(&l->cur, &name)) == 1) {
		load_deferred_one(s, name);
		if (++n % LOAD_CHECK == 0 &&
		    clock_ms() - start >= LOAD_SLICE_MS)
			break;
	}
	took = clock_ms() - start;
	if (took > l->longest)
		l->longest = took;
	if (r == 1)
		return 1;
	if (r == -1)
		warn_sys("trouble scanning deferred; will try again");
	load_deferred_end(s, r == 0);
	return 0;
}

void
load_abort(struct send *s)
{
	if (s->load.notes_running) {
		queue_cursor_close(&s->load.notes);
		s->load.notes_running = false;
	}
	if (!s->load.running)
		return;
	queue_cursor_close(&s->load.cur);
	s->load.running = false;
	sched_load_end(&s->sched);
}
