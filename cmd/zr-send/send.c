/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "child.h"
#include "clock.h"
#include "die.h"
#include "grow.h"
#include "limit.h"
#include "load.h"
#include "log.h"
#include "loop.h"
#include "msg.h"
#include "stats.h"

static volatile sig_atomic_t got_term, got_hup, got_alrm;
static int sig_w = -1;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGALRM)
		got_alrm = 1;
	if (sig_w != -1)
		(void)!write(sig_w, "", 1);
	errno = saved;
}

/*
 * No lookup is waited for (mxroute.h); after SIGTERM, a query asked all the
 * same fails at once instead of being sent.
 */
static void
dns_signals(struct send *s)
{
	s->mx.dns.stop = &got_term;
	s->mx.dns.wakefd = s->sigpipe[0];
}

static int
rcpt_domain(const char *addr, const char **d, size_t *n)
{
	size_t len = strlen(addr), at = addr_at(addr, len);

	if (at >= len)
		return 0;
	*d = addr + at + 1;
	*n = len - at - 1;
	return 1;
}

/*
 * Group the recipients of m still to do by route: one job per host set
 * (sets[k] gets jobs[k], chosen by the sender route vias[k] or none); the
 * MX sets made here are in owned, to free. loops: m is in a mail loop,
 * and this is why every recipient fails.
 */
static void
route_rcpts(struct send *s, struct msg *m, const char *loops,
    struct route_set **sets, struct route_set **owned, const char **vias,
    struct job **jobs, size_t *nsetsp, size_t *nownedp)
{
	size_t nsets = 0, nowned = 0, i, k;
	long long now = clock_ms();

	for (i = 0; i < m->env.nrcpt; i++) {
		enum qstate_status st = m->st.rcpt[i].status;
		struct route_set *set;
		const char *d, *via;
		size_t dn;

		if (st != RS_PENDING && st != RS_DEFERRED)
			continue;
		m->inplay[i] = 1;
		if (loops != NULL) {
			msg_rcpt_result(s, m, i, ++s->delivery, RS_FAILED, NULL,
			    NULL, loops);
			continue;
		}
		if (!rcpt_domain(m->env.rcpt[i].addr, &d, &dn)) {
			msg_rcpt_result(s, m, i, ++s->delivery, RS_FAILED, NULL,
			    NULL, "5.1.3 the recipient address has no domain");
			continue;
		}
		/* An MX set made for an earlier recipient's domain serves again. */
		for (k = 0, set = NULL; k < nowned; k++)
			if (strlen(owned[k]->domain) == dn &&
			    strncasecmp(owned[k]->domain, d, dn) == 0)
				set = owned[k];
		via = NULL;
		if (set == NULL) {
			const char *why = NULL;
			int own = 0;
			enum mx_result mr = nowned < ROUTES_MAX ?
			    mx_route_from(&s->mx, s->conf, m->env.sender, d, dn,
			    &set, &own, &why, &via) : MX_TEMP;

			if (mr != MX_SET) {
				msg_rcpt_result(s, m, i, ++s->delivery,
				    mr == MX_PERM ? RS_FAILED : RS_DEFERRED,
				    NULL, NULL, why != NULL ? why :
				    "4.5.3 too many routes in one message; "
				    "the rest go next time");
				continue;
			}
			if (own)
				owned[nowned++] = set;
		}
		for (k = 0; k < nsets && sets[k] != set; k++)
			;
		if (k == nsets) {
			if (nsets == ROUTES_MAX) {
				/* More routes than a pass takes: next time. */
				msg_rcpt_result(s, m, i, ++s->delivery,
				    RS_DEFERRED, NULL, NULL,
				    "4.5.3 too many routes in one message; "
				    "the rest go next time");
				continue;
			}
			jobs[nsets] = msg_job_new(m, set, now);
			if (jobs[nsets] == NULL) {
				msg_rcpt_result(s, m, i, ++s->delivery,
				    RS_DEFERRED, NULL, NULL,
				    "4.3.0 out of memory");
				continue;
			}
			jobs[nsets]->dest = limit_dest(s, set);
			vias[nsets] = via;
			sets[nsets++] = set;
		}
		jobs[k]->rcpt[jobs[k]->nrcpt++] = i;
	}
	*nsetsp = nsets;
	*nownedp = nowned;
}

/*
 * Hand m's jobs to the pending list. Their "starting delivery" lines wait
 * until they start (msg_job_begin): a job parked does not start.
 */
static void
start_jobs(struct send *s, struct msg *m, struct job **jobs,
    const char **vias, size_t nsets)
{
	size_t k;

	m->jobs_left = nsets;
	for (k = 0; k < nsets; k++) {
		struct job *j = jobs[k];

		/* Out of memory: the line lacks its route=, no more. */
		if (vias[k] != NULL)
			j->via = strdup(vias[k]);
		s->pending[s->npending++] = j;
	}
}

/*
 * Take a message into active/ and make its jobs. Returns 1 when it was
 * started (or set aside), 0 when it was gone, -1 on trouble.
 */
static int
start_msg(struct send *s, const char *id, enum queue_prio prio,
    enum queue_dir from)
{
	struct route_set *sets[ROUTES_MAX], *owned[ROUTES_MAX];
	const char *vias[ROUTES_MAX];	/* senderroutes that chose a set */
	struct job *jobs[ROUTES_MAX];
	size_t nsets = 0, nowned = 0, k;
	struct msg *m;
	struct zs loop = ZS_INIT;
	const char *loops = NULL;
	int r = msg_open(s, id, prio, from, &loop, &m, &loops);

	/* Read again or gone: parked no longer (its jobs may park again). */
	if (r != -1)
		limit_unpark(s, id);
	if (r != 1 || m == NULL) {
		zs_free(&loop);
		return r;
	}
	route_rcpts(s, m, loops, sets, owned, vias, jobs, &nsets, &nowned);
	/* Stopped during a lookup: not an attempt, due at the next start. */
	if (got_term)
		m->handback = true;
	start_jobs(s, m, jobs, vias, nsets);
	zs_free(&loop);
	for (k = 0; k < nowned; k++)
		mx_set_free(owned[k]);
	if (nsets == 0)
		msg_finish(s, m);
	return 1;
}

/*
 * Whether to take another message: no job waits for a child, or those
 * that wait are held back by their destinations' limits and another
 * message's jobs have room.
 */
static bool
intake(const struct send *s)
{
	return s->npending == 0 || (s->npending == s->shape_held &&
	    s->npending + ROUTES_MAX <= PENDING_MAX);
}

/*
 * Start messages while children are free. A job that has to wait for a
 * child stops the intake, so at most one message's jobs ever wait ahead of
 * a more urgent message; jobs a destination's limit holds back do not,
 * up to PENDING_MAX.
 */
static void
dispatch(struct send *s)
{
	struct sched_qid q;
	enum queue_dir from;
	int p;

	child_assign(s);
	while (!s->stopping && !got_term && intake(s) &&
	    child_busy(s) < child_limit(s)) {
		/* Messages whose routes were being looked up go first. */
		if (mx_resume(&s->mx, q.id, &q.prio, &from))
			;
		else if (!sched_next(&s->sched, &q, &from)) {
			/* Lists used up: look again for what came meanwhile. */
			bool more = false;

			for (p = 0; p < PRIO_COUNT; p++)
				if (s->rescan[p]) {
					load_todo(s, (enum queue_prio)p);
					more = more ||
					    s->sched.todo[p].n > 0;
				}
			if (!more || !sched_next(&s->sched, &q, &from))
				break;
		}
		if (mx_held(&s->mx, q.id))
			continue;	/* mx_resume hands it back */
		if (start_msg(s, q.id, q.prio, from) == -1)
			break;
		child_assign(s);
	}
}

/*
 * Make the moves of the last moments durable. A move that a power loss
 * undoes only sends a message back to be tried again (a duplicate at
 * worst, like the window after the final dot), so one fsync per
 * directory per SYNC_GAP_MS serves a whole batch.
 */
static void
sync_dirs(struct send *s, bool now)
{
	int d;

	if (!now && clock_ms() - s->sync_at < SYNC_GAP_MS)
		return;
	s->sync_at = clock_ms();
	for (d = 0; d < QD_COUNT; d++)
		if (s->sync_dir[d]) {
			s->sync_dir[d] = false;
			if (!queue_sync(&s->q, (enum queue_dir)d))
				warn_sys("trouble syncing ",
				    queue_dir_name((enum queue_dir)d));
		}
}

static void
reload(struct send *s)
{
	struct zs err = ZS_INIT;

	if (!send_conf_load(s->conf, &err)) {
		struct zs l = ZS_INIT;

		if (zs_cats(&l, "alert: unable to reread controls: ") &&
		    zs_cats(&l, err.len ? err.s : strerror(errno)) &&
		    zs_cats(&l, "; keeping the old ones"))
			log_line(&l);
		zs_free(&l);
	} else {
		struct zs l = ZS_INIT;

		/* New DNS servers, and a fresh cache with them. */
		mx_open(&s->mx, s->conf);
		shape_relimit(&s->shape, &s->conf->shaping);
		dns_signals(s);
		if (log_begin(&l, "info", NULL) &&
		    zs_cats(&l, "event=controls-reread"))
			log_line(&l);
		zs_free(&l);
	}
	zs_free(&err);
}

/* Stop: hand back what has not started, wait for the rest, then give up. */
static void
stop_pending(struct send *s)
{
	while (s->npending > 0) {
		struct job *j = s->pending[--s->npending];
		struct msg *m = j->m;
		size_t i;

		m->handback = true;
		msg_job_begin(s, j);
		for (i = 0; i < j->nrcpt; i++)
			msg_rcpt_result(s, m, j->rcpt[i], j->delivery + i,
			    RS_DEFERRED, NULL, NULL,
			    "4.3.0 zr-send stopped before this delivery "
			    "started");
		msg_job_free(j);
		if (--m->jobs_left == 0)
			msg_finish(s, m);
	}
}

/* SIGTERM: hand back what has not started, wait so long for the rest. */
static void
stop_begin(struct send *s, long long now)
{
	struct zs l = ZS_INIT;

	s->stopping = true;
	s->stop_deadline = now + (long long)s->conf->shutdowntimeout * 1000;
	stop_pending(s);
	load_abort(s);
	if (log_begin(&l, "info", NULL) &&
	    zs_cats(&l, "event=stopping deliveries=") &&
	    log_num(&l, child_busy(s)))
		log_line(&l);
	zs_free(&l);
}

/* While stopping: idle children go, late ones are cut short. 1: all gone. */
static int
stop_turn(struct send *s, long long now)
{
	size_t i;

	for (i = 0; i < s->nchild; i++)
		if (s->child[i].job == NULL)
			child_close_input(&s->child[i]);
	if (child_busy(s) == 0 && s->nchild == 0)
		return 1;
	if (now >= s->stop_deadline)
		for (i = 0; i < s->nchild; i++) {
			/* Cut short, not failed: due now. */
			struct job *j = s->child[i].job;

			if (j != NULL)
				j->m->handback = true;
			kill(s->child[i].pid, SIGTERM);
		}
	return 0;
}

/* What the queue holds: todo/ when asked, deferred/ at each queue run. */
static void
queue_turn(struct send *s, long long now)
{
	int p;

	/* Urgent and high are cheap to scan; the others less often. */
	for (p = 0; p < PRIO_COUNT; p++)
		if (s->rescan[p] && (p <= PRIO_HIGH ||
		    now - s->lastscan[p] >= SCAN_GAP_MS))
			load_todo(s, (enum queue_prio)p);
	if (now >= s->next_qrun) {
		/*
		 * A queue run: deferred/ and todo/ are read again, so that
		 * what other programs changed there is seen; deferred/ a
		 * slice per turn, and one read at a time.
		 */
		if (!s->stopping)
			load_deferred_begin(s, now);
		for (p = 0; p < PRIO_COUNT; p++)
			s->rescan[p] = true;
		s->next_qrun = now + (long long)s->conf->queueinterval * 1000;
	}
	load_step(s);
	sched_due(&s->sched, now / 1000);
}

/* One turn of the loop: all but the wait. 1 when it is time to exit. */
static int
turn(struct send *s, long long now)
{
	size_t i;
	int p;

	if (got_hup) {
		got_hup = 0;
		reload(s);
	}
	if (got_alrm) {
		got_alrm = 0;
		sched_all_due(&s->sched);
		for (p = 0; p < PRIO_COUNT; p++)
			s->rescan[p] = true;
	}
	if (got_term && !s->stopping)
		stop_begin(s, now);
	if (s->stopping && stop_turn(s, now))
		return 1;
	queue_turn(s, now);
	suspend_turn(s, now);
	dispatch(s);
	msg_unsaved_turn(s, now / 1000, false);
	notify_step(&s->notes, &s->q, now, s->stopping);
	if (s->notes.queued > 0) {
		s->stats[ST_NOTIFY] += s->notes.queued;
		s->notes.queued = 0;
		s->stats_dirty = true;
	}
	sync_dirs(s, false);
	cleanup_turn(s, now);
	if (s->stats_dirty && now - s->stats_at >= 1000)
		stats_flush(s);
	if (s->shape.n > 0 && now - s->shape_at >= 1000) {
		limit_write(s, now);
		s->shape_at = now;
	}
	qsum_turn(s, now);
	stats_status(s, false);
	/* Idle children hold connections only so long. */
	for (i = 0; i < s->nchild; i++)
		if (s->child[i].job == NULL && s->child[i].wfd != -1 &&
		    now - s->child[i].idle_since >=
		    (long long)s->conf->idle * 1000)
			child_close_input(&s->child[i]);
	return 0;
}

/* How long poll may wait (ms): until the first thing due. */
static int
wait_ms(const struct send *s, long long now)
{
	long long wake = now + 1000, nw;
	int p;

	if (s->sched.deferred_min > 0 && s->sched.deferred_min * 1000 < wake)
		wake = s->sched.deferred_min * 1000;
	for (p = 0; p < PRIO_COUNT; p++)
		if (s->rescan[p] && s->lastscan[p] + SCAN_GAP_MS < wake)
			wake = s->lastscan[p] + SCAN_GAP_MS;
	if (s->next_cleanup < wake)
		wake = s->next_cleanup;
	/* A round or a read under way goes on once the rest is served. */
	if (s->clean.running || s->load.running || s->load.notes_running)
		wake = now;
	if (s->next_qrun < wake)
		wake = s->next_qrun;
	/* A job waiting for its destination's rate. */
	if (s->shape_wake > 0 && s->shape_wake < wake)
		wake = s->shape_wake;
	nw = notify_wake(&s->notes, now);
	if (nw >= 0 && nw < wake)
		wake = nw;
	if (s->nunsaved > 0 && now + UNSAVED_RETRY * 1000 < wake)
		wake = now + UNSAVED_RETRY * 1000;
	for (p = 0; p < QD_COUNT; p++)
		if (s->sync_dir[p] && s->sync_at + SYNC_GAP_MS < wake)
			wake = s->sync_at + SYNC_GAP_MS;
	/* MX lookups: an answer, or a server's time up. */
	if (!s->stopping && (nw = mx_wait_ms(&s->mx)) >= 0 && now + nw < wake)
		wake = now + nw;
	if (s->stopping && wake > now + 100)
		wake = now + 100;
	return wake <= now ? 0 : (int)(wake - now);
}

static int
poll_loop(struct send *s)
{
	struct pollfd *pf = NULL;
	size_t cap = 0;

	for (;;) {
		long long now = clock_ms();
		size_t n = 0, nn, nd, i, want;
		int timeout, p, r;

		if (turn(s, now))
			break;
		timeout = wait_ms(s, now);
		want = 2 * s->nchild + 2 + NOTIFY_CHILDREN + DNS_PENDING_MAX;
		if (!grow(&pf, &cap, want)) {
			sleep(1);
			continue;
		}
		pf[n].fd = s->sigpipe[0];
		pf[n++].events = POLLIN;
		pf[n].fd = s->stopping ? -1 : s->trig_r;
		pf[n++].events = POLLIN;
		for (i = 0; i < s->nchild; i++) {
			pf[n].fd = s->child[i].rfd;
			pf[n++].events = POLLIN;
		}
		nn = notify_pollfds(&s->notes, pf + n);
		nd = s->stopping ? 0 :
		    mx_pollfds(&s->mx, pf + n + nn, DNS_PENDING_MAX);
		/* Jobs the pipes did not take whole. */
		for (i = 0; i < s->nchild; i++)
			if (s->child[i].jobat < s->child[i].jobout.len) {
				pf[n + nn + nd].fd = s->child[i].wfd;
				pf[n + nn + nd++].events = POLLOUT;
			}
		r = poll(pf, n + nn + nd, timeout);
		if (r == -1) {
			if (errno != EINTR)
				warn_sys("trouble in poll");
			continue;
		}
		if (pf[0].revents) {
			char b[64];

			while (read(s->sigpipe[0], b, sizeof b) > 0)
				;
		}
		if (pf[1].revents) {
			char b[4096];

			while (read(s->trig_r, b, sizeof b) > 0)
				;
			for (p = 0; p < PRIO_COUNT; p++)
				s->rescan[p] = true;
			s->susp.poke = true;	/* zr-qstat --suspend, --resume */
		}
		notify_input(&s->notes, pf + n, nn);
		for (i = 0; i < s->nchild; i++)
			if (s->child[i].jobat < s->child[i].jobout.len &&
			    !child_flush(&s->child[i]))
				child_close_input(&s->child[i]); /* defers */
		if (!s->stopping)
			mx_step(&s->mx);
		/* Children from the end: child_reap moves the last one. */
		for (i = s->nchild; i > 0; i--)
			if (2 + i - 1 < n && pf[2 + i - 1].revents &&
			    pf[2 + i - 1].fd == s->child[i - 1].rfd)
				child_input(s, i - 1);
	}
	free(pf);
	return EXIT_OK;
}

int
send_run(struct send_conf *conf, const char *queuedir, const char *remote)
{
	struct send s;
	struct sigaction sa;
	struct zs l = ZS_INIT;
	int p, code;

	memset(&s, 0, sizeof s);
	s.conf = conf;
	child_programs(&s, remote);
	notify_init(&s.notes, s.bounce, conf);
	mx_open(&s.mx, conf);
	s.trig_r = s.trig_w = -1;
	if (!queue_open(&s.q, queuedir))
		die_sys(EXIT_TEMP, "unable to open queue ", queuedir);
	/* Two schedulers on one queue would deliver everything twice. */
	s.lockfd = queue_lock(&s.q, "send");
	if (s.lockfd == -1) {
		if (errno == EWOULDBLOCK)
			die_x(EXIT_TEMP, "another zr-send runs on ", queuedir);
		die_sys(EXIT_TEMP, "unable to lock ", queuedir, "/lock/send");
	}
	if (!results_init(&s.res))
		die_sys(EXIT_TEMP, "unable to make a run id");
	/* zr-remote is given paths relative to the queue. */
	if (fchdir(s.q.rootfd) == -1)
		die_sys(EXIT_TEMP, "unable to enter ", queuedir);
	if (!queue_trigger_listen(&s.q, &s.trig_r, &s.trig_w))
		die_sys(EXIT_TEMP, "unable to open ", queuedir,
		    "/lock/trigger");
	if (child_pipe(s.sigpipe, O_NONBLOCK) == -1)
		die_sys(EXIT_TEMP, "unable to make a pipe");
	sig_w = s.sigpipe[1];
	dns_signals(&s);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	stats_load(s.stats, &s.q);
	if (!hist_load(&s.hist, &s.q))
		warn_sys("unable to read stats/histograms; starting them afresh");
	/* Crash recovery: what was in flight goes back to be retried. */
	load_recover(&s);
	load_hold(&s);
	sync_dirs(&s, true);
	/*
	 * todo/ first, and deferred/ a slice per turn from the first one:
	 * with a million messages deferred, reading them all before anything
	 * else kept new mail, urgent mail too, waiting for half a minute.
	 */
	for (p = 0; p < PRIO_COUNT; p++)
		load_todo(&s, (enum queue_prio)p);
	load_deferred_begin(&s, clock_ms());
	/* Notifications a previous run owed and did not make. */
	load_notes_begin(&s);
	s.next_cleanup = clock_ms() + 1000;
	s.next_qrun = clock_ms() + (long long)conf->queueinterval * 1000;
	stats_status(&s, true);

	code = poll_loop(&s);

	/* A last try; what state/ cannot take is lost with this process. */
	msg_unsaved_turn(&s, clock_ms() / 1000, true);
	while (s.nunsaved > 0)
		msg_free(s.unsaved[--s.nunsaved]);
	free(s.unsaved);
	notify_stop(&s.notes);
	sync_dirs(&s, true);
	stats_flush(&s);
	if (zs_cats(&l, "status: exiting"))
		log_line(&l);
	zs_free(&l);
	load_abort(&s);
	sched_free(&s.sched);
	qsum_free(&s.qsum);
	cleanup_abort(&s.clean);
	free(s.child);
	suspend_free(&s.susp);
	parked_free(&s.parked);
	shape_free(&s.shape);
	mx_close(&s.mx);
	close(s.sigpipe[0]);
	close(s.sigpipe[1]);
	close(s.trig_r);
	close(s.trig_w);
	close(s.lockfd);
	results_free(&s.res);
	queue_close(&s.q);
	return code;
}
