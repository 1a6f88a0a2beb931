/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "child.h"
#include "cleanup.h"
#include "clock.h"
#include "die.h"
#include "load.h"
#include "log.h"
#include "loop.h"

enum {
	PH_DONE_FIRST = QD_DONE_DELIVERED,
	PH_DONE_LAST = QD_DONE_CANCELLED,
	PH_TMP,
	PH_STATE,
	PH_END
};

void
cleanup_start(struct send_cleanup *c, time_t before, time_t tmp_before,
    bool orphans, long long now)
{
	void (*stray)(void *, enum queue_dir, bool, const char *,
	    const char *) = c->stray;
	void *ctx = c->ctx;

	cleanup_abort(c);
	memset(c, 0, sizeof *c);
	c->stray = stray;
	c->ctx = ctx;
	c->running = true;
	c->phase = PH_DONE_FIRST;
	c->before = before;
	c->tmp_before = tmp_before;
	c->orphans = orphans;
	c->started = now;
}

void
cleanup_abort(struct send_cleanup *c)
{
	if (c->open)
		queue_cursor_close(&c->cur);
	c->open = false;
	c->running = false;
}

/* One name of the phase: a message past its retention, or an orphan. */
static void
sweep_one(struct send_cleanup *c, struct queue *q, const char *name)
{
	struct stat st;

	if (c->phase <= PH_DONE_LAST) {
		enum queue_dir d = (enum queue_dir)c->phase;

		if (queue_stat(q, d, name, &st) != 1)
			return;
		if (!S_ISREG(st.st_mode)) {
			if (c->stray != NULL)
				c->stray(c->ctx, d, false, name,
				    queue_kind(st.st_mode));
			return;
		}
		/* A rename sets ctime: it says when the message became terminal. */
		if (st.st_ctime < c->before && queue_remove(q, d, name)) {
			queue_state_remove(q, name);
			c->removed++;
		}
	} else {
		enum queue_dir where;
		char id[QUEUE_ID_SIZE];

		if (fstatat(dirfd(c->cur.dir), name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
			if (c->stray != NULL)
				c->stray(c->ctx, QD_ACTIVE, true, name,
				    queue_kind(st.st_mode));
			return;
		}
		/* A state file, or a notification's record: gone with its message. */
		memcpy(id, name, QUEUE_ID_LEN);
		id[QUEUE_ID_LEN] = '\0';
		/*
		 * Most belong to a message in deferred/: one name lookup finds
		 * it there. Only the others walk the directories in the order
		 * messages move (queue_locate), which up to seven lookups cost
		 * on a queue of a million.
		 */
		if (queue_stat(q, QD_DEFERRED, id, &st) == 1)
			return;
		if (queue_locate(q, id, &where) == 0 &&
		    queue_state_remove(q, name))
			c->orphaned++;
	}
}

/* Open the current phase's directory; false when there is none to walk. */
static bool
phase_open(struct send_cleanup *c, struct queue *q)
{
	int ok;

	if (c->phase == PH_TMP) {
		/* tmp/ holds only messages being written: one pass will do. */
		long n = queue_tmp_sweep(q, c->tmp_before);

		if (n > 0)
			c->tmp += n;
		return false;
	}
	if (c->phase == PH_STATE && !c->orphans)
		return false;
	ok = c->phase == PH_STATE ? queue_cursor_open_state(q, &c->cur) :
	    queue_cursor_open(q, (enum queue_dir)c->phase, &c->cur);
	if (!ok) {
		warn_sys("trouble sweeping ", c->phase == PH_STATE ? "state" :
		    queue_dir_name((enum queue_dir)c->phase));
		return false;
	}
	c->open = true;
	return true;
}

int
cleanup_step(struct send_cleanup *c, struct queue *q)
{
	long long start = clock_ms(), took;
	unsigned n = 0;

	if (!c->running)
		return 0;
	c->slices++;
	while (c->phase < PH_END) {
		const char *name;
		int r;

		if (!c->open && !phase_open(c, q)) {
			c->phase++;
			continue;
		}
		r = queue_cursor_next(&c->cur, &name);
		if (r == 1) {
			sweep_one(c, q, name);
			if (++n % CLEANUP_CHECK == 0 &&
			    clock_ms() - start >= CLEANUP_SLICE_MS)
				break;
			continue;
		}
		if (r == -1)
			warn_sys("trouble sweeping ", c->phase == PH_STATE ?
			    "state" : queue_dir_name((enum queue_dir)c->phase));
		queue_cursor_close(&c->cur);
		c->open = false;
		c->phase++;
	}
	took = clock_ms() - start;
	if (took > c->longest)
		c->longest = took;
	if (c->phase < PH_END)
		return 1;
	c->running = false;
	return 0;
}

/*
 * The scheduler's side: a slice per turn of its loop, since removing tens
 * of thousands of expired files in one pass would stop every delivery for
 * seconds.
 */
static void
cleanup_stray(void *ctx, enum queue_dir d, bool state, const char *name,
    const char *kind)
{
	load_stray_aside(ctx, d, state, name, kind);
}

void
cleanup_turn(struct send *s, long long now)
{
	struct send_cleanup *c = &s->clean;
	struct zs l = ZS_INIT;

	if (s->stopping) {
		cleanup_abort(c);
		return;
	}
	if (!c->running) {
		if (now < s->next_cleanup)
			return;
		/* Orphaned state only while nothing is in flight, as ever. */
		cleanup_start(c, (time_t)(now / 1000 -
		    (long long)s->conf->retention),
		    (time_t)(now / 1000 - TMP_MAXAGE), child_busy(s) == 0, now);
		c->stray = cleanup_stray;
		c->ctx = s;
		/* Nothing else reads hold/: look there for strays now. */
		load_hold(s);
		s->next_cleanup = now +
		    (long long)s->conf->cleanupinterval * 1000;
	}
	if (cleanup_step(c, &s->q))
		return;
	if ((c->removed > 0 || c->tmp > 0 || c->orphaned > 0) &&
	    log_begin(&l, "info", NULL) &&
	    zs_cats(&l, "event=cleanup removed=") && log_num(&l, c->removed) &&
	    zs_cats(&l, " tmp=") && log_num(&l, (unsigned long long)c->tmp) &&
	    zs_cats(&l, " orphan_state=") && log_num(&l, c->orphaned) &&
	    zs_cats(&l, " slices=") && log_num(&l, c->slices) &&
	    zs_cats(&l, " ms=") &&
	    log_num(&l, (unsigned long long)(clock_ms() - c->started)) &&
	    zs_cats(&l, " longest_slice_ms=") &&
	    log_num(&l, (unsigned long long)c->longest))
		log_line(&l);
	zs_free(&l);
}
