/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cleanup.h"
#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "hops.h"
#include "hist.h"
#include "job.h"
#include "mxroute.h"
#include "notify.h"
#include "qstate.h"
#include "results.h"
#include "queue.h"
#include "reason.h"
#include "scan.h"
#include "send.h"

/* Routes one message may use in one pass (and so jobs waiting at most). */
#define ROUTES_MAX 64
/* todo/normal and todo/low are rescanned at most this often (ms) on pokes. */
#define SCAN_GAP_MS 200
/* Files in tmp/ older than this are the remains of a crash (qmail's 36 h). */
#define TMP_MAXAGE (36 * 3600)
/* Directory syncs of a batch of moves are at most this far apart (ms). */
#define SYNC_GAP_MS 100
/* A message whose state could not be written is tried again after (s). */
#define UNSAVED_RETRY 5

enum { MS_DELIVERED, MS_PARTIAL, MS_FAILED, MS_EXPIRED, MS_COUNT };

static const char *const stat_names[] = {
	"messages_delivered", "messages_partial", "messages_failed",
	"messages_expired", "messages_deferred", "rcpts_delivered",
	"rcpts_failed", "rcpts_expired", "rcpts_deferred", "attempts",
	"notifications", "notifications_suppressed",
	/* Deferred recipients by reason, in the order of enum reason. */
	"deferrals_dns", "deferrals_connect", "deferrals_tls", "deferrals_auth",
	"deferrals_throttled", "deferrals_mailbox", "deferrals_loop",
	"deferrals_other",
};
enum { ST_M_DELIVERED, ST_M_PARTIAL, ST_M_FAILED, ST_M_EXPIRED,
    ST_M_DEFERRED, ST_R_DELIVERED, ST_R_FAILED, ST_R_EXPIRED,
    ST_R_DEFERRED, ST_ATTEMPTS, ST_NOTIFY, ST_SUPPRESSED, ST_DEFERRALS,
    ST_COUNT = ST_DEFERRALS + REASON_COUNT };
_Static_assert(sizeof stat_names / sizeof stat_names[0] == ST_COUNT,
    "a name for every counter");

struct msg {
	char id[QUEUE_ID_SIZE];
	enum queue_prio prio;
	enum queue_dir from;
	struct envelope env;
	struct qstate st;
	unsigned long long ino;	/* the queue file's inode: its number in the log */
	bool had_state;
	bool handback;		/* stopped before its delivery: due at once */
	size_t jobs_left;
	unsigned char *inplay;	/* recipients tried in this attempt */
	unsigned char *hopdsn;	/* delivered to a next hop that reports */
	enum queue_dir at, to;	/* where the file is, where it goes */
	size_t pending;		/* recipients left, when it goes to deferred/ */
	long long retry_at;	/* s: when to try to save it again (unsaved) */
	long *results;		/* journals that may hold its results */
	size_t nresults;
};

struct job {
	struct msg *m;
	size_t *rcpt;		/* indices into the envelope */
	size_t nrcpt;
	struct zs hosts;	/* keys, NUL-separated, in the order to try */
	struct zs lines;	/* the same hosts with their settings */
	size_t nhost;
	char first[ROUTE_KEY_MAX + 1];
	unsigned long long delivery;	/* number of the first recipient */
	long long started;		/* ms, when handed to zr-remote */
};

struct child {
	pid_t pid;
	int wfd, rfd;
	char key[ROUTE_KEY_MAX + 1];	/* where its connection goes */
	struct job *job;		/* NULL when idle */
	long journal;			/* its journal (results.h), or -1 */
	struct zs jobout;		/* the job; unwritten from jobat */
	size_t jobat;
	struct zs out;
	long long idle_since;		/* ms */
};

/* An id waiting in a ready list or in deferred/. */
struct qid {
	char id[QUEUE_ID_SIZE];
	enum queue_prio prio;
	long long next;
};

struct idlist {
	struct qid *v;
	size_t n, cap, at;	/* entries before at are used up */
};

#define SEND_STUCK 64

struct send {
	struct send_conf *conf;
	struct queue q;
	const char *remote;
	const char *local;		/* zr-local, the host of local domains */
	const char *bounce;		/* zr-bounce */
	struct send_mx mx;
	int trig_r, trig_w, sigpipe[2], lockfd;
	struct idlist todo[PRIO_COUNT];		/* from todo/<prio>, by id */
	struct idlist retry[PRIO_COUNT];	/* deferred and now due */
	struct idlist deferred;			/* in deferred/, not yet due */
	struct results res;			/* the children's journals */
	long long deferred_min;			/* earliest next among them */
	bool rescan[PRIO_COUNT];
	long long lastscan[PRIO_COUNT];
	struct job *pending[ROUTES_MAX];
	size_t npending;
	struct child *child;
	size_t nchild;
	unsigned long long delivery;
	unsigned long long stats[ST_COUNT];
	struct hist_set hist;		/* stats/histograms */
	bool stats_dirty;
	long long stats_at;
	size_t status_busy;
	bool status_dirty;
	long long status_at;
	bool sync_dir[QD_COUNT];
	long long sync_at;
	long long next_cleanup;
	struct send_cleanup clean;
	struct notify_set notes;	/* notifications owed (notify.c) */
	/* Finished messages whose results state/ could not take yet. */
	struct msg **unsaved;
	size_t nunsaved, capunsaved;
	long long unsaved_warned;	/* s */
	unsigned long long unsaved_failures;
	long long next_qrun;
	bool stopping;
	long long stop_deadline;
	/* Strays that could be neither set aside nor removed: warned once. */
	unsigned long long stuck[SEND_STUCK];
	size_t nstuck;
};

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

static long long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Event log: qmail-send's words first, key=value fields at the end. */

static void
logline(struct zs *l)
{
	if (zs_catc(l, '\n'))
		(void)!write(2, l->s, l->len);
	l->len = 0;
}

static int
catnum(struct zs *l, unsigned long long u)
{
	return zs_catulong(l, u);
}

/*
 * A message in a log line, as qmail's log tools read it: "msg N", N the
 * queue file's inode number. qmailanalog's matchup reads N as an unsigned
 * decimal and stops at the first other byte, so the id's leading seconds
 * would merge every message of one second; the inode is unique among the
 * files present and lasts through every rename. The id itself ends the
 * line as an id= field (catid).
 */
static int
catmsg(struct zs *l, unsigned long long ino)
{
	return zs_cats(l, "msg ") && catnum(l, ino);
}

static int
catid(struct zs *l, const char *id)
{
	return zs_cats(l, " id=") && zs_cats(l, id);
}

/* The inode of a message file, for catmsg; 0 when it cannot be seen. */
static unsigned long long
msg_ino(struct send *s, enum queue_dir d, const char *id)
{
	struct stat st;

	return queue_stat(&s->q, d, id, &st) == 1 ?
	    (unsigned long long)st.st_ino : 0;
}

/* A report's text in one log field: qmail-send turns spaces into '_'. */
static int
catreport(struct zs *l, const char *t)
{
	size_t n = strlen(t), i;

	if (!zs_readyplus(l, n + 1))
		return 0;
	for (i = 0; i < n; i++) {
		char c = t[i];

		l->s[l->len++] = c == ' ' ? '_' :
		    (unsigned char)c < 32 || c == 127 ? '?' : c;
	}
	l->s[l->len++] = '/';
	return 1;
}

/* Id lists. */

static int
idlist_add(struct idlist *l, const char *id, enum queue_prio p, long long next)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct qid *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return 0;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n].id, id, QUEUE_ID_SIZE);
	l->v[l->n].prio = p;
	l->v[l->n].next = next;
	l->n++;
	return 1;
}

static int
qid_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qid *)a)->id, ((const struct qid *)b)->id);
}

static void
idlist_compact(struct idlist *l)
{
	if (l->at == 0)
		return;
	memmove(l->v, l->v + l->at, (l->n - l->at) * sizeof *l->v);
	l->n -= l->at;
	l->at = 0;
}

static void
idlist_free(struct idlist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Scanning. */

/*
 * A stray (an entry with a message's name that is not a regular file) in
 * d, or in state/ when state is set: set aside in bad/, or removed, with
 * one warning; never read, never delivered.
 */
static void
stray_aside(struct send *s, enum queue_dir d, bool state, const char *name,
    const char *kind)
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
		warn_sys("unable to set aside ", from, "/", name,
		    ", not a regular file");
		return;
	}
	if (zs_cats(&l, "warning: msg ") && zs_cats(&l, name) &&
	    zs_cats(&l, ": not a regular file (") && zs_cats(&l, kind) &&
	    zs_cats(&l, r == 1 ? "), set aside in bad/ from=" :
	    "), removed from=") && zs_cats(&l, from))
		logline(&l);
	zs_free(&l);
}

/* An open refused with QUEUE_ENOTREG: what stands there now. */
static void
stray_found(struct send *s, enum queue_dir d, const char *name)
{
	struct stat st;

	if (queue_stat(&s->q, d, name, &st) == 1)
		stray_aside(s, d, false, name, queue_kind(st.st_mode));
}

/* The same for a state file, after queue_state_read failed. */
static void
state_stray_found(struct send *s, const char *name)
{
	struct stat st;

	/* queue_state_read opened state/ for us. */
	if (errno == QUEUE_ENOTREG &&
	    fstatat(s->q.statefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		stray_aside(s, QD_ACTIVE, true, name, queue_kind(st.st_mode));
}

static int
stray_active(const char *name, const char *kind, void *ctx)
{
	stray_aside(ctx, QD_ACTIVE, false, name, kind);
	return 1;
}

static int
stray_deferred(const char *name, const char *kind, void *ctx)
{
	stray_aside(ctx, QD_DEFERRED, false, name, kind);
	return 1;
}

static int
stray_hold(const char *name, const char *kind, void *ctx)
{
	stray_aside(ctx, QD_HOLD, false, name, kind);
	return 1;
}

struct scanctx {
	struct send *s;
	struct idlist *l;
	enum queue_prio p;
};

static int
stray_todo(const char *name, const char *kind, void *ctx)
{
	struct scanctx *c = ctx;

	stray_aside(c->s, queue_todo(c->p), false, name, kind);
	return 1;
}

static int
scan_one(const char *id, void *ctx)
{
	struct scanctx *c = ctx;

	return idlist_add(c->l, id, c->p, 0) ? 1 : -1;
}

static void
scan_todo(struct send *s, enum queue_prio p)
{
	struct idlist *l = &s->todo[p];
	struct scanctx c = { s, l, p };

	/* The directory is the truth: what was started has left it. */
	l->n = l->at = 0;
	if (queue_scan_strays(&s->q, queue_todo(p), scan_one, stray_todo,
	    &c) == -1)
		warn_sys("trouble scanning ", queue_dir_name(queue_todo(p)),
		    "; will try again");
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, qid_cmp);
	s->rescan[p] = false;
	s->lastscan[p] = now_ms();
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

static void
set_aside(struct send *s, const char *id, enum queue_dir from)
{
	struct zs l = ZS_INIT;

	unsigned long long ino = msg_ino(s, from, id);

	if (queue_set_aside(&s->q, from, id)) {
		if (zs_cats(&l, "warning: ") && catmsg(&l, ino) &&
		    zs_cats(&l, ": damaged envelope, set aside in bad/") &&
		    zs_cats(&l, " from=") &&
		    zs_cats(&l, queue_dir_name(from)) && catid(&l, id))
			logline(&l);
	} else {
		warn_sys("unable to set aside damaged ", id);
	}
	zs_free(&l);
}

struct recover_wait {
	struct send *s;
	long long deadline;	/* CLOCK_MONOTONIC ms, for all of them */
};

static int
wait_one(const char *id, void *ctx)
{
	struct recover_wait *w = ctx;

	if (!results_wait(&w->s->q, id, w->deadline) && errno != ENOENT)
		warn_sys("a delivery of the last run still holds active/", id);
	return 1;
}

/*
 * Children of a scheduler that died finish their transaction and record
 * its results: wait for them, then read the journals (results.h).
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
	if (queue_scan(&s->q, QD_ACTIVE, wait_one, &w) == -1 ||
	    !results_read(&s->res, &s->q))
		die_sys(EXIT_TEMP, "unable to read the results of the last run");
}

static int
recover_one(const char *id, void *ctx)
{
	struct send *s = ctx;
	int damaged;
	enum queue_prio p = read_prio(s, QD_ACTIVE, id, &damaged);
	unsigned long long ino = msg_ino(s, QD_ACTIVE, id);
	struct zs l = ZS_INIT;
	size_t folded = 0;

	if (damaged == 2) {
		stray_found(s, QD_ACTIVE, id);
		return 1;
	}
	if (damaged) {
		set_aside(s, id, QD_ACTIVE);
		return 1;
	}
	/* What deliverers recorded before the crash is not sent again. */
	if (!results_fold(&s->res, &s->q, id, &folded))
		warn_sys("unable to fold the recorded results of ", id,
		    "; they may be sent again");
	else if (folded > 0 && zs_cats(&l, "recovered ") && catmsg(&l, ino) &&
	    zs_cats(&l, ": delivered before the crash rcpts=") &&
	    catnum(&l, folded) && catid(&l, id))
		logline(&l);
	l.len = 0;
	if (!queue_move_nosync(&s->q, id, QD_ACTIVE, queue_todo(p))) {
		warn_sys("unable to recover active/", id);
		return 1;
	}
	s->sync_dir[queue_todo(p)] = true;
	/* Not "info msg": matchup would read its words as bytes and sender. */
	if (zs_cats(&l, "recovered ") && catmsg(&l, ino) &&
	    zs_cats(&l, ": from active/ to ") &&
	    zs_cats(&l, queue_dir_name(queue_todo(p))) && catid(&l, id))
		logline(&l);
	zs_free(&l);
	return 1;
}

static long long
state_next(struct send *s, const char *id, size_t nrcpt)
{
	struct zs t = ZS_INIT;
	struct qstate st;
	long long next = 0;
	int r = queue_state_read(&s->q, id, &t);

	if (r == 1 && qstate_parse(&st, nrcpt, t.s, t.len)) {
		next = st.next;
		qstate_free(&st);
	} else if (r == -1) {
		state_stray_found(s, id);
	}
	zs_free(&t);
	return next;
}

static bool unsaved(const struct send *, const char *id);

static void
defer_add(struct send *s, const char *id, enum queue_prio p, long long next)
{
	if (!idlist_add(&s->deferred, id, p, next)) {
		warn_sys("unable to remember deferred ", id);
		return;
	}
	if (s->deferred_min == 0 || next < s->deferred_min)
		s->deferred_min = next;
}

static int
load_deferred_one(const char *id, void *ctx)
{
	struct send *s = ctx;
	struct envelope e;
	int fd = queue_openmsg(&s->q, QD_DEFERRED, id);

	if (fd == -1) {
		if (errno == QUEUE_ENOTREG)
			stray_found(s, QD_DEFERRED, id);
		return 1;
	}
	envelope_init(&e);
	if (!envelope_read(&e, fd)) {
		close(fd);
		if (errno == EPROTO)
			set_aside(s, id, QD_DEFERRED);
		return 1;
	}
	close(fd);
	/* Its results are in memory only: settle() takes it on. */
	if (!unsaved(s, id))
		defer_add(s, id, e.prio, state_next(s, id, e.nrcpt));
	envelope_free(&e);
	return 1;
}

static void
load_deferred(struct send *s)
{
	int p;

	s->deferred.n = s->deferred.at = 0;
	s->deferred_min = 0;
	for (p = 0; p < PRIO_COUNT; p++)
		s->retry[p].n = s->retry[p].at = 0;
	if (queue_scan_strays(&s->q, QD_DEFERRED, load_deferred_one,
	    stray_deferred, s) == -1)
		warn_sys("trouble scanning deferred; will try again");
}

/* Move the deferred messages that are due into the ready lists. */
static void
due_deferred(struct send *s, long long now)
{
	struct idlist *d = &s->deferred;
	size_t i, keep = 0;
	bool moved[PRIO_COUNT] = { false };
	int p;

	if (s->deferred_min == 0 || s->deferred_min > now)
		return;
	s->deferred_min = 0;
	for (i = 0; i < d->n; i++) {
		struct qid *q = &d->v[i];

		if (q->next <= now) {
			if (idlist_add(&s->retry[q->prio], q->id, q->prio, 0)) {
				moved[q->prio] = true;
				continue;
			}
		}
		if (s->deferred_min == 0 || q->next < s->deferred_min)
			s->deferred_min = q->next;
		d->v[keep++] = *q;
	}
	d->n = keep;
	for (p = 0; p < PRIO_COUNT; p++)
		if (moved[p] && s->retry[p].n > 1) {
			idlist_compact(&s->retry[p]);
			qsort(s->retry[p].v, s->retry[p].n,
			    sizeof *s->retry[p].v, qid_cmp);
		}
}

/* Statistics, kept in stats/counters across runs and retention sweeps. */

static void
stats_load(struct send *s)
{
	struct zs t = ZS_INIT;
	size_t i = 0, k;

	if (queue_stats_read(&s->q, "counters", &t) != 1)
		goto out;
	while (i < t.len) {
		char *line = t.s + i, *nl = memchr(line, '\n', t.len - i), *sp;
		unsigned long long u;

		if (nl == NULL)
			break;
		*nl = '\0';
		i = (size_t)(nl - t.s) + 1;
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp++ = '\0';
		for (k = 0; k < ST_COUNT; k++)
			if (strcmp(line, stat_names[k]) == 0 &&
			    scan_ulong_all(sp, &u))
				s->stats[k] = u;
	}
out:
	zs_free(&t);
}

static void
stats_save(struct send *s)
{
	struct zs t = ZS_INIT;
	size_t k;
	int ok = zs_cats(&t, "zr-stats 1\n");

	for (k = 0; ok && k < ST_COUNT; k++)
		ok = zs_cats(&t, stat_names[k]) && zs_catc(&t, ' ') &&
		    catnum(&t, s->stats[k]) && zs_catc(&t, '\n');
	if (ok && queue_stats_write(&s->q, "counters", t.s, t.len))
		s->stats_dirty = false;
	else
		warn_sys("trouble writing stats/counters; will try again");
	if (s->hist.dirty && !hist_save(&s->hist, &s->q)) {
		s->stats_dirty = true;
		warn_sys("trouble writing stats/histograms; will try again");
	}
	s->stats_at = now_ms();
	zs_free(&t);
}

/* Children. */

static int
cloexec_pipe(int fd[2], int extra)
{
	if (pipe(fd) == -1)
		return -1;
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    (extra && (fcntl(fd[0], F_SETFL, extra) == -1 ||
	    fcntl(fd[1], F_SETFL, extra) == -1))) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	return 0;
}

static size_t
busy_count(const struct send *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nchild; i++)
		if (s->child[i].job != NULL)
			n++;
	return n;
}

static size_t
host_count(const struct send *s, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < s->nchild; i++)
		if (strcmp(s->child[i].key, key) == 0)
			n++;
	return n;
}

static struct child *
spawn(struct send *s, const char *key)
{
	int in[2], out[2];
	struct child *c;
	pid_t pid;

	c = realloc(s->child, (s->nchild + 1) * sizeof *c);
	if (c == NULL)
		return NULL;
	s->child = c;
	/*
	 * Our end of the job pipe does not block (the child's is its own
	 * open file): a job larger than the pipe waits in c->jobout instead.
	 */
	if (cloexec_pipe(in, 0) == -1)
		return NULL;
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) == -1) {
		close(in[0]);
		close(in[1]);
		return NULL;
	}
	if (cloexec_pipe(out, 0) == -1) {
		close(in[0]);
		close(in[1]);
		return NULL;
	}
	pid = fork();
	if (pid == -1) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return NULL;
	}
	if (pid == 0) {
		char *argv[] = { "zr-remote", NULL, NULL, NULL };
		const char *prog = s->remote;
		sigset_t none;

		/* Local domains have zr-local for their host, on the same terms. */
		if (strcmp(key, MX_LOCAL_KEY) == 0) {
			argv[0] = "zr-local";
			argv[1] = "-q";
			argv[2] = ".";
			prog = s->local;
		}
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1)
			_exit(EXIT_TEMP);
		execv(prog, argv);
		warn_sys("unable to run ", prog);
		_exit(EXIT_TEMP);
	}
	close(in[0]);
	close(out[1]);
	c = &s->child[s->nchild++];
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->wfd = in[1];
	c->rfd = out[0];
	c->idle_since = now_ms();
	/* Without one the child still works; a crash may repeat its work. */
	c->journal = results_new(&s->res, &s->q);
	if (c->journal == -1)
		warn_sys("unable to make a results journal in state/");
	return c;
}

static void
child_close_input(struct child *c)
{
	if (c->wfd != -1) {
		close(c->wfd);
		c->wfd = -1;
	}
	zs_free(&c->jobout);
	c->jobat = 0;
}

/* Write what the pipe takes of the job: 1, or 0 when the child is gone. */
static int
child_flush(struct child *c)
{
	while (c->jobat < c->jobout.len) {
		ssize_t n = write(c->wfd, c->jobout.s + c->jobat,
		    c->jobout.len - c->jobat);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 1;	/* the rest when poll says POLLOUT */
		if (n <= 0)
			return 0;
		c->jobat += (size_t)n;
	}
	c->jobout.len = c->jobat = 0;
	return 1;
}

/* Scheduling. */

static void finish_msg(struct send *, struct msg *);
static void settle(struct send *, struct msg *, long long now);

static void
msg_free(struct msg *m)
{
	envelope_free(&m->env);
	qstate_free(&m->st);
	free(m->inplay);
	free(m->hopdsn);
	free(m->results);
	free(m);
}

static void
job_free(struct job *j)
{
	free(j->rcpt);
	zs_free(&j->hosts);
	zs_free(&j->lines);
	free(j);
}

/* Record one recipient's result and log it. */
static void
rcpt_result(struct send *s, struct msg *m, size_t i, unsigned long long dnum,
    enum qstate_status st, const char *host, const char *tls, const char *text)
{
	struct qstate_rcpt *r = &m->st.rcpt[i];
	struct zs l = ZS_INIT;
	const char *word = st == RS_DELIVERED ? "success" :
	    st == RS_FAILED ? "failure" : "deferral";

	r->status = st;
	r->attempts++;
	qstate_set_reply(r, host, text, strlen(text));
	if (zs_cats(&l, "delivery ") && catnum(&l, dnum) &&
	    zs_cats(&l, ": ") && zs_cats(&l, word) && zs_cats(&l, ": ") &&
	    catreport(&l, r->reply) && zs_cats(&l, " msg=") &&
	    zs_cats(&l, m->id) && zs_cats(&l, " rcpt=<") &&
	    zs_cats(&l, m->env.rcpt[i].addr) && zs_cats(&l, "> host=") &&
	    zs_cats(&l, host != NULL && *host ? host : "-") &&
	    (tls == NULL || *tls == '\0' || (zs_catc(&l, ' ') &&
	    zs_cats(&l, tls))))
		logline(&l);
	zs_free(&l);
	s->stats[st == RS_DELIVERED ? ST_R_DELIVERED : st == RS_FAILED ?
	    ST_R_FAILED : ST_R_DEFERRED]++;
	if (st == RS_DEFERRED)
		s->stats[ST_DEFERRALS + reason_of(text)]++;
	s->stats_dirty = true;
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

static struct job *
job_new(struct send *s, struct msg *m, struct route_set *set, long long now)
{
	struct job *j = calloc(1, sizeof *j);
	size_t *order, i, k;

	if (j == NULL)
		return NULL;
	j->m = m;
	j->rcpt = calloc(m->env.nrcpt, sizeof *j->rcpt);
	order = calloc(set->nhost ? set->nhost : 1, sizeof *order);
	if (j->rcpt == NULL || order == NULL)
		goto fail;
	k = route_order(set, now / 1000, order);
	for (i = 0; i < k; i++)
		if (!zs_cats(&j->hosts, set->host[order[i]].key) ||
		    !zs_catc(&j->hosts, '\0') ||
		    !route_host_fmt(&set->host[order[i]], &j->lines) ||
		    !zs_catc(&j->lines, '\0'))
			goto fail;
	j->nhost = k;
	memcpy(j->first, set->host[order[0]].key,
	    strlen(set->host[order[0]].key) + 1);
	free(order);
	(void)s;
	return j;
fail:
	free(order);
	job_free(j);
	return NULL;
}

/*
 * Whether message fd (its envelope read into e) has reached control/maxhops:
 * every delivery adds a trace field (the next hop's Received:, zr-local's
 * Delivered-To:), so one that has as many as the limit is in a loop and
 * goes nowhere. Returns the text of each recipient's failure then (in why,
 * or a constant when memory is short), else NULL. A message that cannot be
 * read is left to its deliverer, which reports that.
 */
static const char *
looping(struct send *s, int fd, const struct envelope *e, const char *id,
    struct zs *why)
{
	struct hops h;

	hops_init(&h);
	if (!hops_read(&h, fd, (off_t)e->data_offset) ||
	    !hops_over(hops_count(&h), 1, s->conf->maxhops))
		return NULL;
	why->len = 0;
	if (!zs_cats(why, "5.4.6 mail loop: ") ||
	    !catnum(why, hops_count(&h)) ||
	    !zs_cats(why, " Received/Delivered-To fields, the limit is ") ||
	    !catnum(why, s->conf->maxhops) || !zs_cats(why, " (maxhops)") ||
	    !zs_0(why))
		return "5.4.6 mail loop: too many hops (maxhops)";
	warn_x("msg ", id, ": ", why->s + 6, "; not delivered");
	return why->s;
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
	size_t nsets = 0, nowned = 0, i, k;
	struct msg *m;
	struct zs t = ZS_INIT, l = ZS_INIT, loop = ZS_INIT;
	long long now = now_ms();
	const char *loops;
	int fd, r;

	if (!queue_move_nosync(&s->q, id, from, QD_ACTIVE))
		return errno == ENOENT ? 0 : -1;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		goto back;
	memcpy(m->id, id, QUEUE_ID_SIZE);
	m->prio = prio;
	m->from = from;
	envelope_init(&m->env);
	fd = queue_openmsg(&s->q, QD_ACTIVE, id);
	if (fd == -1 && errno == QUEUE_ENOTREG) {
		/* It was a file when the directory was read. */
		stray_found(s, QD_ACTIVE, id);
		free(m);
		return 1;
	}
	if (fd == -1)
		goto back;
	{
		struct stat fst;

		if (fstat(fd, &fst) == 0)
			m->ino = (unsigned long long)fst.st_ino;
	}
	if (!envelope_read(&m->env, fd)) {
		int e = errno;

		close(fd);
		if (e == EPROTO) {
			set_aside(s, id, QD_ACTIVE);
			queue_state_remove(&s->q, id);
			free(m);
			return 1;
		}
		errno = e;
		goto back;
	}
	loops = looping(s, fd, &m->env, id, &loop);
	close(fd);
	m->prio = m->env.prio;
	r = queue_state_read(&s->q, id, &t);
	if (r == 1 && qstate_parse(&m->st, m->env.nrcpt, t.s, t.len)) {
		m->had_state = true;
	} else {
		if (r == -1)
			state_stray_found(s, id);
		if (r == 1)
			warn_x("damaged state/", id, ": starting afresh");
		if (!qstate_init(&m->st, m->env.nrcpt))
			goto back;
	}
	zs_free(&t);
	/* A route still being looked up: back, not an attempt, until known. */
	if (loops == NULL && mx_waiting(&s->mx, s->conf, &m->env, &m->st, id,
	    prio, from)) {
		msg_free(m);
		if (!queue_move_nosync(&s->q, id, QD_ACTIVE, from))
			warn_sys("unable to put back active/", id);
		return 1;
	}
	m->inplay = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	m->hopdsn = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	if (m->inplay == NULL || m->hopdsn == NULL)
		goto back;
	if (!m->had_state && from != QD_DEFERRED) {
		if (zs_cats(&l, "new ") && catmsg(&l, m->ino) &&
		    catid(&l, id))
			logline(&l);
		if (zs_cats(&l, "info ") && catmsg(&l, m->ino) &&
		    zs_cats(&l, ": bytes ") &&
		    catnum(&l, (unsigned long long)m->env.size) &&
		    zs_cats(&l, " from <") && zs_cats(&l, m->env.sender) &&
		    zs_cats(&l, "> qp 0 uid 0 prio=") &&
		    zs_cats(&l, queue_prio_name(m->prio)) &&
		    zs_cats(&l, " rcpts=") && catnum(&l, m->env.nrcpt) &&
		    catid(&l, id))
			logline(&l);
	}
	/* Group the recipients still to do by route: one job per host set. */
	for (i = 0; i < m->env.nrcpt; i++) {
		enum qstate_status st = m->st.rcpt[i].status;
		struct route_set *set;
		const char *d, *via;
		size_t dn;

		if (st != RS_PENDING && st != RS_DEFERRED)
			continue;
		m->inplay[i] = 1;
		if (loops != NULL) {
			rcpt_result(s, m, i, ++s->delivery, RS_FAILED, NULL,
			    NULL, loops);
			continue;
		}
		if (!rcpt_domain(m->env.rcpt[i].addr, &d, &dn)) {
			rcpt_result(s, m, i, ++s->delivery, RS_FAILED, NULL,
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
				rcpt_result(s, m, i, ++s->delivery,
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
			if (nsets == sizeof sets / sizeof sets[0]) {
				/* More routes than a pass takes: next time. */
				rcpt_result(s, m, i, ++s->delivery,
				    RS_DEFERRED, NULL, NULL,
				    "4.5.3 too many routes in one message; "
				    "the rest go next time");
				continue;
			}
			jobs[nsets] = job_new(s, m, set, now);
			if (jobs[nsets] == NULL) {
				rcpt_result(s, m, i, ++s->delivery,
				    RS_DEFERRED, NULL, NULL,
				    "4.3.0 out of memory");
				continue;
			}
			vias[nsets] = via;
			sets[nsets++] = set;
		}
		jobs[k]->rcpt[jobs[k]->nrcpt++] = i;
	}
	/* Stopped during a lookup: not an attempt, due at the next start. */
	if (got_term)
		m->handback = true;
	m->jobs_left = nsets;
	for (k = 0; k < nsets; k++) {
		struct job *j = jobs[k];

		j->delivery = s->delivery + 1;
		s->delivery += j->nrcpt;
		for (i = 0; i < j->nrcpt; i++) {
			if (zs_cats(&l, "starting delivery ") &&
			    catnum(&l, j->delivery + i) &&
			    zs_cats(&l, ": ") && catmsg(&l, m->ino) &&
			    zs_cats(&l, " to remote ") &&
			    zs_cats(&l, m->env.rcpt[j->rcpt[i]].addr) &&
			    zs_cats(&l, " host=") && zs_cats(&l, j->first) &&
			    (vias[k] == NULL ||
			    (zs_cats(&l, " route=sender:") &&
			    zs_cats(&l, vias[k]))) &&
			    catid(&l, id))
				logline(&l);
		}
		s->pending[s->npending++] = j;
	}
	zs_free(&l);
	zs_free(&loop);
	for (k = 0; k < nowned; k++)
		mx_set_free(owned[k]);
	if (nsets == 0)
		finish_msg(s, m);
	return 1;
back:
	warn_sys("trouble starting ", id, "; will try again");
	zs_free(&t);
	zs_free(&l);
	zs_free(&loop);
	if (m != NULL)
		msg_free(m);
	queue_move_nosync(&s->q, id, QD_ACTIVE, from);
	return -1;
}

/* Remember a journal that may come to hold results of m. */
static bool
results_add(struct msg *m, long journal)
{
	long *r = realloc(m->results, (m->nresults + 1) * sizeof *r);

	/* Without memory the job goes without a record, as before them. */
	if (r == NULL)
		return false;
	r[m->nresults++] = journal;
	m->results = r;
	return true;
}

static int
child_send_job(struct send *s, struct child *c, struct job *j)
{
	struct job_req w;	/* lib/job's job: what goes down the pipe */
	size_t i;
	int ok;

	memset(&w, 0, sizeof w);
	/* zr-remote(8): each host line carries the host's TLS and AUTH. */
	w.hostlines = j->lines;
	w.nhost = j->nhost;
	/* The deliverer records its results in its journal first. */
	if (c->journal != -1 && results_full(&s->res, c->journal)) {
		results_dead(&s->res, &s->q, c->journal);
		c->journal = results_new(&s->res, &s->q);
		if (c->journal == -1)
			warn_sys("unable to make a results journal in state/");
	}
	if (c->journal != -1 && results_add(j->m, c->journal)) {
		results_ref(&s->res, c->journal);
		memcpy(w.id, j->m->id, sizeof w.id);
		w.delivery = j->delivery;
		memcpy(w.results, results_name(&s->res, c->journal),
		    sizeof w.results);
	}
	w.have_from = true;
	ok = zs_cats(&w.file, "active/") && zs_cats(&w.file, j->m->id) &&
	    zs_cats(&w.from, j->m->env.sender) && zs_0(&w.from);
	for (i = 0; ok && i < j->nrcpt; i++)
		ok = zs_cats(&w.rcpts, j->m->env.rcpt[j->rcpt[i]].addr) &&
		    zs_catc(&w.rcpts, '\0');
	w.nrcpt = j->nrcpt;
	/* An idle child has taken all of its last job. */
	c->jobout.len = c->jobat = 0;
	ok = ok && job_write(&w, &c->jobout) && child_flush(c);
	zs_free(&w.file);
	zs_free(&w.from);
	zs_free(&w.rcpts);
	return ok;
}

static size_t
remote_limit(const struct send *s)
{
	return (size_t)s->conf->concurrency;
}

/* Give pending jobs to children where the limits allow. */
static void
assign(struct send *s)
{
	size_t i = 0, k;

	while (i < s->npending) {
		struct job *j = s->pending[i];
		struct child *c = NULL;

		/* A child already connected to the host comes first. */
		for (k = 0; k < s->nchild; k++)
			if (s->child[k].job == NULL && s->child[k].wfd != -1 &&
			    strcmp(s->child[k].key, j->first) == 0) {
				c = &s->child[k];
				break;
			}
		if (c == NULL && host_count(s, j->first) < s->conf->perhost) {
			if (s->nchild < remote_limit(s)) {
				c = spawn(s, j->first);
				if (c == NULL)
					warn_sys("unable to start a deliverer");
			} else {
				/*
				 * Take an idle child from another host only
				 * when this host has none; else wait for its
				 * own: hosts sharing few children would
				 * otherwise trade connections on every
				 * message.
				 */
				bool none = host_count(s, j->first) == 0;

				/* zr-local and zr-remote do not stand in for each other. */
				bool local = strcmp(j->first, MX_LOCAL_KEY) == 0;

				for (k = 0; none && k < s->nchild; k++)
					if (s->child[k].job == NULL &&
					    s->child[k].wfd != -1 &&
					    (strcmp(s->child[k].key,
					    MX_LOCAL_KEY) == 0) == local) {
						c = &s->child[k];
						break;
					}
			}
		}
		if (c == NULL) {
			i++;
			continue;
		}
		memcpy(c->key, j->first, strlen(j->first) + 1);
		c->job = j;
		j->started = now_ms();
		c->out.len = 0;
		if (!child_send_job(s, c, j))
			child_close_input(c);	/* its EOF defers the job */
		memmove(s->pending + i, s->pending + i + 1,
		    (s->npending - i - 1) * sizeof *s->pending);
		s->npending--;
		s->status_dirty = true;
	}
}

/* The next ready message: by priority, then oldest first. */
static int
next_ready(struct send *s, struct qid *out, enum queue_dir *from)
{
	int p;

	for (p = 0; p < PRIO_COUNT; p++) {
		struct idlist *t = &s->todo[p], *r = &s->retry[p];
		bool ht = t->at < t->n, hr = r->at < r->n;

		if (!ht && !hr)
			continue;
		if (ht && (!hr || strcmp(t->v[t->at].id, r->v[r->at].id) < 0)) {
			*out = t->v[t->at++];
			*from = queue_todo((enum queue_prio)p);
		} else {
			*out = r->v[r->at++];
			*from = QD_DEFERRED;
		}
		return 1;
	}
	return 0;
}

/*
 * Start messages while children are free. A job that has to wait for a
 * child stops the intake, so at most one message's jobs ever wait ahead of
 * a more urgent message.
 */
static void
dispatch(struct send *s)
{
	struct qid q;
	enum queue_dir from;
	int p;

	assign(s);
	while (!s->stopping && !got_term && s->npending == 0 &&
	    busy_count(s) < remote_limit(s)) {
		/* Messages whose routes were being looked up go first. */
		if (mx_resume(&s->mx, q.id, &q.prio, &from))
			;
		else if (!next_ready(s, &q, &from)) {
			/* Lists used up: look again for what came meanwhile. */
			bool more = false;

			for (p = 0; p < PRIO_COUNT; p++)
				if (s->rescan[p]) {
					scan_todo(s, (enum queue_prio)p);
					more = more || s->todo[p].n > 0;
				}
			if (!more || !next_ready(s, &q, &from))
				break;
		}
		if (mx_held(&s->mx, q.id))
			continue;	/* mx_resume hands it back */
		if (start_msg(s, q.id, q.prio, from) == -1)
			break;
		assign(s);
	}
}

/* Results. */

/* Whether a recipient delivered in this attempt asked to hear of it. */
static bool
success_wanted(const struct msg *m)
{
	size_t i;

	for (i = 0; i < m->env.nrcpt; i++)
		if (m->inplay[i] && !m->hopdsn[i] &&
		    (m->env.rcpt[i].notify & NOTIFY_SUCCESS) &&
		    (m->st.rcpt[i].status == RS_DELIVERED ||
		    m->st.rcpt[i].status == RS_RELAYED))
			return true;
	return false;
}

/* Whether recipient i wants to hear of its failure (RFC 3461 NOTIFY). */
static bool
failure_wanted(const struct msg *m, size_t i)
{
	unsigned n = m->env.rcpt[i].notify;

	return n == 0 || (n & NOTIFY_FAILURE);
}

static bool
record(struct send *s, struct msg *m, const char *kind, const char *key,
    const unsigned char *pick)
{
	if (notify_record(&s->notes, &s->q, m->id, m->ino, kind, key, pick,
	    m->env.nrcpt))
		return true;
	warn_sys("unable to record a notification for ", m->id);
	return false;
}

/*
 * The notifications an attempt calls for (RFC 3461), recorded in state/
 * before m moves on, for zr-bounce to make (notify.c). false when one
 * could not be recorded: m must then not move on.
 */
static bool
notify(struct send *s, struct msg *m, long long now, bool deferred)
{
	unsigned char *fail = NULL, *good = NULL;
	size_t i, nfail = 0, ngood = 0;
	char key[32];
	struct zs l = ZS_INIT;
	bool ok = false;

	fail = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	good = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	if (fail == NULL || good == NULL)
		goto out;
	/* Only what this attempt decided: earlier results were reported. */
	for (i = 0; i < m->env.nrcpt; i++) {
		enum qstate_status st = m->st.rcpt[i].status;

		if (!m->inplay[i])
			continue;
		if ((st == RS_FAILED || st == RS_EXPIRED) &&
		    failure_wanted(m, i)) {
			fail[i] = 1;
			nfail++;
		} else if ((st == RS_DELIVERED || st == RS_RELAYED) &&
		    !m->hopdsn[i] && (m->env.rcpt[i].notify & NOTIFY_SUCCESS)) {
			good[i] = 1;
			ngood++;
		}
	}
	if (nfail > 0 && !s->conf->bounces) {
		/* The site turned notices off: say so where they are missed. */
		s->stats[ST_SUPPRESSED]++;
		s->stats_dirty = true;
		if (zs_cats(&l, "bounce ") && catmsg(&l, m->ino) &&
		    zs_cats(&l, ": notices are off (control/bounces); none sent"
		    " rcpts=") && catnum(&l, nfail) && catid(&l, m->id))
			logline(&l);
	} else if (nfail > 0 && (fmt_snprintf(key, sizeof key, "failure-%u",
	    m->st.attempts) == -1 || !record(s, m, "failure", key, fail)))
		goto out;
	if (ngood > 0 && (fmt_snprintf(key, sizeof key, "success-%u",
	    m->st.attempts) == -1 || !record(s, m, "success", key, good)))
		goto out;
	/* One delay warning, once the message has waited long enough. */
	if (deferred && s->conf->bounces && s->conf->delaywarn > 0 &&
	    now >= m->env.arrival + (long long)s->conf->delaywarn &&
	    !notify_known(&s->q, m->id, "delay") &&
	    !record(s, m, "delay", "delay", NULL))
		goto out;
	ok = true;
out:
	zs_free(&l);
	free(fail);
	free(good);
	return ok;
}

static void
mark_hosts(struct send *s, const struct job *j, const char *host,
    const struct job_report *r)
{
	const char *h = j->hosts.s;
	long long until = now_ms() / 1000 + (long long)s->conf->hostbackoff;
	size_t i;

	/* 4.4.1: no host could be used, each of them failed (zr-remote(8)). */
	if (*host == '\0' && !(r != NULL && r->msg == JOB_MSG_TEMP &&
	    strcmp(r->status, "4.4.1") == 0))
		return;
	for (i = 0; i < j->nhost; i++, h += strlen(h) + 1) {
		if (strcmp(h, host) == 0) {
			route_mark_up(&s->conf->routes, h);
			return;
		}
		route_mark_down(&s->conf->routes, h, until);
	}
}

/*
 * The attempt is over: once the message's own state holds the results
 * (it has left active/), the journals need not keep them. One that stays
 * in active/ keeps them until the next start.
 */
static void
finish_results(struct send *s, struct msg *m)
{
	char id[QUEUE_ID_SIZE];
	long *js = m->results;
	size_t i, n = m->nresults;
	struct stat st;

	memcpy(id, m->id, sizeof id);
	m->results = NULL;
	m->nresults = 0;
	finish_msg(s, m);
	if (queue_stat(&s->q, QD_ACTIVE, id, &st) == 0)
		for (i = 0; i < n; i++)
			results_unref(&s->res, &s->q, js[i]);
	free(js);
}

static void
job_done(struct send *s, struct job *j, const struct zs *out, const char *why)
{
	struct msg *m = j->m;
	struct job_report r;
	const char *host = "", *tls = NULL, *mtext = why;
	char tlsdsn[QSTATE_HOST_MAX];
	bool have = false;
	size_t i;

	/* Without memory the report is lost: every recipient is deferred. */
	if (out != NULL && job_report_parse(out->s, out->len, &r)) {
		have = true;
		host = r.host;
		tls = r.tls;
		mtext = r.text;
		/* The log says " dsn=yes" after the TLS facts, as it did. */
		if (tls != NULL && r.dsn && fmt_snprintf(tlsdsn, sizeof tlsdsn,
		    "%s dsn=yes", tls) != -1)
			tls = tlsdsn;
	}
	if (out != NULL)
		mark_hosts(s, j, host, have ? &r : NULL);
	for (i = 0; i < j->nrcpt; i++) {
		enum job_letter l = have && i < r.nrcpt ? r.rcpt[i].letter : 0;
		const char *t = have && i < r.nrcpt ? r.rcpt[i].text : mtext;
		enum qstate_status st = have ? job_rcpt_status(&r, i) :
		    RS_DEFERRED;

		if (l == JOB_RCPT_OK)
			t = mtext;	/* the reply to the final dot */
		/* A next hop that took the DSN request reports success itself. */
		if (st == RS_DELIVERED && have && r.dsn)
			m->hopdsn[j->rcpt[i]] = 1;
		if (t == NULL)
			t = "4.3.0 out of memory reading the report";
		rcpt_result(s, m, j->rcpt[i], j->delivery + i, st, host, tls,
		    t);
		if (j->started > 0)
			hist_add(&s->hist, HIST_DELIVERY, st == RS_DELIVERED ?
			    HR_SUCCESS : st == RS_FAILED ? HR_FAILURE :
			    HR_DEFERRAL, now_ms() - j->started);
	}
	if (have)
		job_report_free(&r);
	job_free(j);
	if (--m->jobs_left == 0)
		finish_results(s, m);
}

static void
child_reap(struct send *s, size_t k, const char *why)
{
	struct child *c = &s->child[k];
	int status;

	child_close_input(c);
	close(c->rfd);
	while (waitpid(c->pid, &status, 0) == -1 && errno == EINTR)
		;
	if (c->job != NULL) {
		struct zs l = ZS_INIT;

		if (zs_cats(&l, "delivery ") && catnum(&l, c->job->delivery) &&
		    zs_cats(&l, ": report mangled, will defer: ") &&
		    zs_cats(&l, why) && zs_cats(&l, " msg=") &&
		    zs_cats(&l, c->job->m->id))
			logline(&l);
		zs_free(&l);
		job_done(s, c->job, NULL, "4.3.0 zr-remote ended before its "
		    "report (killed or crashed); not bounced, will retry: "
		    "possible duplicate");
		s->status_dirty = true;
	}
	zs_free(&c->out);
	if (c->journal != -1)
		results_dead(&s->res, &s->q, c->journal);
	s->child[k] = s->child[--s->nchild];
}

static void
child_input(struct send *s, size_t k)
{
	struct child *c = &s->child[k];
	char b[8192];
	ssize_t r;
	int done;

	r = read(c->rfd, b, sizeof b);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		child_reap(s, k, r == 0 ? "zr-remote exited" :
		    "unable to read from zr-remote");
		return;
	}
	if (c->job == NULL) {
		/* Output nobody asked for: a broken child. */
		kill(c->pid, SIGTERM);
		child_reap(s, k, "output without a job");
		return;
	}
	if (!zs_catb(&c->out, b, (size_t)r)) {
		kill(c->pid, SIGTERM);
		child_reap(s, k, "out of memory");
		return;
	}
	done = job_report_complete(c->out.s, c->out.len);
	if (done == -1) {
		kill(c->pid, SIGTERM);
		child_reap(s, k, "bad report");
		return;
	}
	if (done == 1) {
		struct job *j = c->job;
		size_t hl = strlen(c->out.s + 1);

		/* The child's connection now goes where the report says. */
		if (hl <= ROUTE_KEY_MAX)
			memcpy(c->key, c->out.s + 1, hl + 1);
		c->job = NULL;
		c->idle_since = now_ms();
		s->status_dirty = true;
		job_done(s, j, &c->out, NULL);
		c->out.len = 0;
	}
}

/* Why a message with recipients still to do stops being tried. */
enum giveup { GIVEUP_NO, GIVEUP_LIFETIME, GIVEUP_RETRIES };

/*
 * The lifetime comes first: a message past it is Expired even when its
 * retries ran out too; retries used up make its recipients Failed.
 */
static enum giveup
give_up(const struct send_conf *c, const struct msg *m, long long now)
{
	if (now >= m->env.arrival + (long long)c->lifetime)
		return GIVEUP_LIFETIME;
	if (c->maxretries > 0 && m->st.attempts > c->maxretries)
		return GIVEUP_RETRIES;
	return GIVEUP_NO;
}

/*
 * Recipient i has had control/maxretries retries: it fails for good,
 * with 5.4.7 (RFC 3463: delivery time expired, the nearest code) in front
 * of the last reply, so that the failure notice says both.
 */
static void
rcpt_give_up(struct send *s, struct msg *m, size_t i)
{
	struct qstate_rcpt *r = &m->st.rcpt[i];
	char host[QSTATE_HOST_MAX + 1];
	struct zs t = ZS_INIT, l = ZS_INIT;

	memcpy(host, r->host, sizeof host);
	r->status = RS_FAILED;
	s->stats[ST_R_FAILED]++;
	if (zs_cats(&t, "5.4.7 gave up after ") &&
	    catnum(&t, m->st.attempts) &&
	    zs_cats(&t, " attempts (control/maxretries ") &&
	    catnum(&t, s->conf->maxretries) &&
	    zs_cats(&t, "); last reply: ") && zs_cats(&t, r->reply))
		qstate_set_reply(r, host, t.s, t.len);
	else
		qstate_set_reply(r, host, "5.4.7 gave up: control/maxretries",
		    33);
	if (zs_cats(&l, "failed ") && catmsg(&l, m->ino) &&
	    zs_cats(&l, ": rcpt=<") && zs_cats(&l, m->env.rcpt[i].addr) &&
	    zs_cats(&l, "> attempts=") && catnum(&l, m->st.attempts) &&
	    zs_cats(&l, " maxretries=") && catnum(&l, s->conf->maxretries) &&
	    zs_cats(&l, " last=") && catreport(&l, r->reply) &&
	    catid(&l, m->id))
		logline(&l);
	zs_free(&t);
	zs_free(&l);
}

/* A message whose jobs are all done: final state, or deferred/. */
static void
finish_msg(struct send *s, struct msg *m)
{
	size_t i, n[RS_COUNT] = { 0 };
	long long now = now_ms() / 1000;
	struct zs l = ZS_INIT;
	enum giveup giveup;
	int hr;

	m->st.attempts++;
	m->st.last = now;
	s->stats[ST_ATTEMPTS]++;
	for (i = 0; i < m->env.nrcpt; i++)
		n[m->st.rcpt[i].status]++;
	giveup = (n[RS_DEFERRED] + n[RS_PENDING]) > 0 && !m->handback ?
	    give_up(s->conf, m, now) : GIVEUP_NO;
	if (giveup != GIVEUP_NO) {
		for (i = 0; i < m->env.nrcpt; i++) {
			struct qstate_rcpt *r = &m->st.rcpt[i];

			if (r->status != RS_DEFERRED && r->status != RS_PENDING)
				continue;
			if (giveup == GIVEUP_RETRIES) {
				rcpt_give_up(s, m, i);
				n[RS_FAILED]++;
				continue;
			}
			r->status = RS_EXPIRED;
			n[RS_EXPIRED]++;
			s->stats[ST_R_EXPIRED]++;
			if (zs_cats(&l, "expired ") && catmsg(&l, m->ino) &&
			    zs_cats(&l, ": rcpt=<") &&
			    zs_cats(&l, m->env.rcpt[i].addr) &&
			    zs_cats(&l, "> attempts=") &&
			    catnum(&l, m->st.attempts) &&
			    zs_cats(&l, " last=") && catreport(&l, r->reply) &&
			    catid(&l, m->id))
				logline(&l);
		}
		n[RS_DEFERRED] = n[RS_PENDING] = 0;
	}
	if (n[RS_DEFERRED] + n[RS_PENDING] > 0) {
		unsigned long long d = send_retry_delay(s->conf,
		    m->st.attempts), jit = 0;
		long long end = m->env.arrival + (long long)s->conf->lifetime;

		/* Up to a tenth more, so that a burst does not retry as one. */
		if (d >= 10 && getrandom(&jit, sizeof jit, 0) == sizeof jit)
			jit %= d / 10 + 1;
		else
			jit = 0;
		m->st.next = m->handback ? now : now + (long long)(d + jit);
		/* One last attempt when the lifetime runs out. */
		if (m->st.next > end && end > now)
			m->st.next = end;
		m->to = QD_DEFERRED;
		m->pending = n[RS_DEFERRED] + n[RS_PENDING];
	} else {
		if (n[RS_EXPIRED] > 0) {
			m->to = QD_DONE_EXPIRED;
			s->stats[ST_M_EXPIRED]++;
			hr = HR_EXPIRED;
		} else if (n[RS_FAILED] > 0 &&
		    n[RS_DELIVERED] + n[RS_RELAYED] > 0) {
			m->to = QD_DONE_PARTIAL;
			s->stats[ST_M_PARTIAL]++;
			hr = HR_PARTIAL;
		} else if (n[RS_FAILED] > 0) {
			m->to = QD_DONE_FAILED;
			s->stats[ST_M_FAILED]++;
			hr = HR_FAILED;
		} else {
			m->to = QD_DONE_DELIVERED;
			s->stats[ST_M_DELIVERED]++;
			hr = HR_DELIVERED;
		}
		hist_add(&s->hist, HIST_QUEUE, hr,
		    now_ms() - (long long)m->env.arrival * 1000);
	}
	s->stats_dirty = true;
	zs_free(&l);
	m->at = QD_ACTIVE;
	settle(s, m, now);
}

/*
 * A full disk, said once a minute however many messages meet it: the log
 * would otherwise fill what little room is left.
 */
static void
disk_trouble(struct send *s, const char *id, long long now)
{
	struct zs l = ZS_INIT;
	int e = errno;

	s->unsaved_failures++;
	if (s->unsaved_warned != 0 && now - s->unsaved_warned < 60)
		return;
	s->unsaved_warned = now;
	if (zs_cats(&l, "warning: unable to write state/ (") &&
	    zs_cats(&l, strerror(e)) && zs_cats(&l, "); messages kept in "
	    "deferred/ and their results in memory, unsaved=") &&
	    catnum(&l, s->nunsaved) && zs_cats(&l, " failures=") &&
	    catnum(&l, s->unsaved_failures) && catid(&l, id))
		logline(&l);
	s->unsaved_failures = 0;
	zs_free(&l);
}

/*
 * m could not be made durable where it goes: it waits in deferred/ (never
 * in active/, which would hold it until a restart), its results kept here
 * and written again soon; the scheduler leaves it alone meanwhile, as
 * state/ does not yet say what it sent.
 */
static void
unsaved_keep(struct send *s, struct msg *m, long long now)
{
	size_t i;

	if (m->at == QD_ACTIVE) {
		if (queue_move_nosync(&s->q, m->id, QD_ACTIVE, QD_DEFERRED)) {
			m->at = QD_DEFERRED;
			s->sync_dir[QD_DEFERRED] = true;
		} else {
			warn_sys("trouble moving ", m->id, " to deferred; "
			    "left in active/");
		}
	}
	m->retry_at = now + UNSAVED_RETRY;
	for (i = 0; i < s->nunsaved; i++)
		if (s->unsaved[i] == m)
			return;
	if (s->nunsaved == s->capunsaved) {
		size_t cap = s->capunsaved ? s->capunsaved * 2 : 16;
		struct msg **v = realloc(s->unsaved, cap * sizeof *v);

		if (v == NULL) {
			/* Then as before: state/ has the last results it took. */
			warn_sys("unable to remember ", m->id);
			msg_free(m);
			return;
		}
		s->unsaved = v;
		s->capunsaved = cap;
	}
	s->unsaved[s->nunsaved++] = m;
}

static bool
unsaved(const struct send *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nunsaved; i++)
		if (strcmp(s->unsaved[i]->id, id) == 0)
			return true;
	return false;
}

/*
 * Make m's results durable, with the notifications they call for, then
 * move it where finish_msg decided (m->to). Nothing moves before both are
 * on disk: a notification recorded is one that will be made.
 */
static void
settle(struct send *s, struct msg *m, long long now)
{
	struct zs l = ZS_INIT, t = ZS_INIT;
	bool need = m->to == QD_DEFERRED || m->had_state ||
	    m->to != QD_DONE_DELIVERED || success_wanted(m);
	size_t i;

	if ((need && (!qstate_format(&m->st, &t) ||
	    !queue_state_write(&s->q, m->id, t.s, t.len))) ||
	    !notify(s, m, now, m->to == QD_DEFERRED)) {
		disk_trouble(s, m->id, now);
		zs_free(&t);
		unsaved_keep(s, m, now);
		return;
	}
	zs_free(&t);
	for (i = 0; i < s->nunsaved; i++)
		if (s->unsaved[i] == m)
			s->unsaved[i] = s->unsaved[--s->nunsaved];
	if (m->at != m->to &&
	    !queue_move_nosync(&s->q, m->id, m->at, m->to)) {
		warn_sys("trouble moving ", m->id, " to ",
		    queue_dir_name(m->to), "; left in ",
		    queue_dir_name(m->at));
		/* In deferred/ it is retried; active/ waits for a restart. */
		if (m->at == QD_DEFERRED)
			defer_add(s, m->id, m->prio, m->st.next);
		msg_free(m);
		return;
	}
	s->sync_dir[m->to] = true;
	if (m->to == QD_DEFERRED) {
		defer_add(s, m->id, m->prio, m->st.next);
		s->stats[ST_M_DEFERRED]++;
		if (zs_cats(&l, "deferral ") && catmsg(&l, m->ino) &&
		    zs_cats(&l, ": next attempt in ") &&
		    catnum(&l, (unsigned long long)(m->st.next > now ?
		    m->st.next - now : 0)) &&
		    zs_cats(&l, "s next=") &&
		    catnum(&l, (unsigned long long)m->st.next) &&
		    zs_cats(&l, " attempts=") && catnum(&l, m->st.attempts) &&
		    zs_cats(&l, " pending=") && catnum(&l, m->pending) &&
		    catid(&l, m->id))
			logline(&l);
	} else if (zs_cats(&l, "end ") && catmsg(&l, m->ino) &&
	    zs_cats(&l, " state=") && zs_cats(&l, queue_dir_name(m->to) + 5) &&
	    catid(&l, m->id)) {
		logline(&l);
	}
	s->stats_dirty = true;
	zs_free(&l);
	msg_free(m);
}

/* The messages whose results wait for room on the disk: try again. */
static void
unsaved_turn(struct send *s, long long now, bool all)
{
	size_t i;

	for (i = s->nunsaved; i > 0; i--) {
		struct msg *m = s->unsaved[i - 1];

		if (i - 1 < s->nunsaved && (all || m->retry_at <= now))
			settle(s, m, now);
	}
}

/*
 * Cleanup, a slice per turn of the loop (cleanup.c): removing tens of
 * thousands of expired files in one pass would stop every delivery for
 * seconds.
 */
static void
cleanup_stray(void *ctx, enum queue_dir d, bool state, const char *name,
    const char *kind)
{
	stray_aside(ctx, d, state, name, kind);
}

static void
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
		    (time_t)(now / 1000 - TMP_MAXAGE), busy_count(s) == 0, now);
		c->stray = cleanup_stray;
		c->ctx = s;
		/* Nothing else reads hold/: look there for strays now. */
		queue_scan_strays(&s->q, QD_HOLD, NULL, stray_hold, s);
		s->next_cleanup = now +
		    (long long)s->conf->cleanupinterval * 1000;
	}
	if (cleanup_step(c, &s->q))
		return;
	if ((c->removed > 0 || c->tmp > 0 || c->orphaned > 0) &&
	    zs_cats(&l, "info cleanup: removed=") && catnum(&l, c->removed) &&
	    zs_cats(&l, " tmp=") && catnum(&l, (unsigned long long)c->tmp) &&
	    zs_cats(&l, " orphan_state=") && catnum(&l, c->orphaned) &&
	    zs_cats(&l, " slices=") && catnum(&l, c->slices) &&
	    zs_cats(&l, " ms=") &&
	    catnum(&l, (unsigned long long)(now_ms() - c->started)) &&
	    zs_cats(&l, " longest_slice_ms=") &&
	    catnum(&l, (unsigned long long)c->longest))
		logline(&l);
	zs_free(&l);
}

/* The loop. */

static void
status(struct send *s, bool force)
{
	struct zs l = ZS_INIT;
	size_t b = busy_count(s);

	if (!force && (b == s->status_busy || now_ms() - s->status_at < 1000))
		return;
	s->status_busy = b;
	s->status_at = now_ms();
	/* The DNS cache's record rides along, for its hit rate. */
	if (zs_cats(&l, "status: local 0/0 remote ") && catnum(&l, b) &&
	    zs_catc(&l, '/') && catnum(&l, s->conf->concurrency) &&
	    (!s->mx.dns_ok || (zs_cats(&l, " dns_hits=") &&
	    catnum(&l, s->mx.dns.hits) && zs_cats(&l, " dns_misses=") &&
	    catnum(&l, s->mx.dns.misses))))
		logline(&l);
	zs_free(&l);
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

	if (!now && now_ms() - s->sync_at < SYNC_GAP_MS)
		return;
	s->sync_at = now_ms();
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
			logline(&l);
		zs_free(&l);
	} else {
		struct zs l = ZS_INIT;

		/* New DNS servers, and a fresh cache with them. */
		mx_open(&s->mx, s->conf);
		dns_signals(s);
		if (zs_cats(&l, "info: controls reread"))
			logline(&l);
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
		for (i = 0; i < j->nrcpt; i++)
			rcpt_result(s, m, j->rcpt[i], j->delivery + i,
			    RS_DEFERRED, NULL, NULL,
			    "4.3.0 zr-send stopped before this delivery "
			    "started");
		job_free(j);
		if (--m->jobs_left == 0)
			finish_msg(s, m);
	}
}

static int
poll_loop(struct send *s)
{
	struct pollfd *pf = NULL;
	size_t cap = 0;
	int code = EXIT_OK;

	for (;;) {
		long long now = now_ms(), wake, dw;
		size_t n = 0, nn, nd, i, want;
		int timeout, p, r;

		if (got_hup) {
			got_hup = 0;
			reload(s);
		}
		if (got_alrm) {
			got_alrm = 0;
			for (i = 0; i < s->deferred.n; i++)
				s->deferred.v[i].next = 0;
			if (s->deferred.n > 0)
				s->deferred_min = 1;
			for (p = 0; p < PRIO_COUNT; p++)
				s->rescan[p] = true;
		}
		if (got_term && !s->stopping) {
			struct zs l = ZS_INIT;

			s->stopping = true;
			s->stop_deadline = now +
			    (long long)s->conf->shutdowntimeout * 1000;
			stop_pending(s);
			if (zs_cats(&l, "status: stopping; waiting for ") &&
			    catnum(&l, busy_count(s)) &&
			    zs_cats(&l, " deliveries"))
				logline(&l);
			zs_free(&l);
		}
		if (s->stopping) {
			for (i = 0; i < s->nchild; i++)
				if (s->child[i].job == NULL)
					child_close_input(&s->child[i]);
			if (busy_count(s) == 0 && s->nchild == 0)
				break;
			if (now >= s->stop_deadline)
				for (i = 0; i < s->nchild; i++) {
					/* Cut short, not failed: due now. */
					struct job *j = s->child[i].job;

					if (j != NULL)
						j->m->handback = true;
					kill(s->child[i].pid, SIGTERM);
				}
		}
		/* Urgent and high are cheap to scan; the others less often. */
		for (p = 0; p < PRIO_COUNT; p++)
			if (s->rescan[p] && (p <= PRIO_HIGH ||
			    now - s->lastscan[p] >= SCAN_GAP_MS))
				scan_todo(s, (enum queue_prio)p);
		if (now >= s->next_qrun) {
			/*
			 * A queue run: deferred/ and todo/ are read again, so
			 * that what other programs changed there is seen.
			 */
			load_deferred(s);
			for (p = 0; p < PRIO_COUNT; p++)
				s->rescan[p] = true;
			s->next_qrun = now +
			    (long long)s->conf->queueinterval * 1000;
		}
		due_deferred(s, now / 1000);
		dispatch(s);
		unsaved_turn(s, now / 1000, false);
		notify_step(&s->notes, &s->q, now, s->stopping);
		if (s->notes.queued > 0) {
			s->stats[ST_NOTIFY] += s->notes.queued;
			s->notes.queued = 0;
			s->stats_dirty = true;
		}
		sync_dirs(s, false);
		cleanup_turn(s, now);
		if (s->stats_dirty && now - s->stats_at >= 1000)
			stats_save(s);
		status(s, false);

		/* Idle children hold connections only so long. */
		for (i = 0; i < s->nchild; i++)
			if (s->child[i].job == NULL && s->child[i].wfd != -1 &&
			    now - s->child[i].idle_since >=
			    (long long)s->conf->idle * 1000)
				child_close_input(&s->child[i]);

		wake = now + 1000;
		if (s->deferred_min > 0 && s->deferred_min * 1000 < wake)
			wake = s->deferred_min * 1000;
		for (p = 0; p < PRIO_COUNT; p++)
			if (s->rescan[p] && s->lastscan[p] + SCAN_GAP_MS < wake)
				wake = s->lastscan[p] + SCAN_GAP_MS;
		if (s->next_cleanup < wake)
			wake = s->next_cleanup;
		/* A round under way goes on as soon as the rest is served. */
		if (s->clean.running)
			wake = now;
		if (s->next_qrun < wake)
			wake = s->next_qrun;
		{
			long long nw = notify_wake(&s->notes, now);

			if (nw >= 0 && nw < wake)
				wake = nw;
		}
		if (s->nunsaved > 0 && now + UNSAVED_RETRY * 1000 < wake)
			wake = now + UNSAVED_RETRY * 1000;
		for (p = 0; p < QD_COUNT; p++)
			if (s->sync_dir[p] && s->sync_at + SYNC_GAP_MS < wake)
				wake = s->sync_at + SYNC_GAP_MS;
		/* MX lookups: an answer, or a server's time up. */
		if (!s->stopping && (dw = mx_wait_ms(&s->mx)) >= 0 &&
		    now + dw < wake)
			wake = now + dw;
		timeout = wake <= now ? 0 : (int)(wake - now);
		if (s->stopping && timeout > 100)
			timeout = 100;

		want = 2 * s->nchild + 2 + NOTIFY_CHILDREN + DNS_PENDING_MAX;
		if (cap < want) {
			struct pollfd *np = realloc(pf, want * sizeof *pf);

			if (np == NULL) {
				sleep(1);
				continue;
			}
			pf = np;
			cap = want;
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
		/* Every due deferral first gets a queue run at the interval. */
		(void)code;
	}
	free(pf);
	return code;
}

static const char *
remote_path(void)
{
	static char path[4200];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		if (fmt_snprintf(path, sizeof path, "%s/zr-remote",
		    dirname(self)) != -1 && access(path, X_OK) == 0)
			return path;
	}
	return "/usr/local/sbin/zr-remote";
}

/* A program installed beside zr-remote (a static buffer per call site). */
static const char *
sibling(const char *remote, const char *name, char *buf, size_t size)
{
	char copy[4096];
	size_t n = strlen(remote);

	if (n >= sizeof copy)
		return name;
	memcpy(copy, remote, n + 1);
	if (fmt_snprintf(buf, size, "%s/%s", dirname(copy), name) == -1)
		return name;
	return buf;
}

int
send_run(struct send_conf *conf, const char *queuedir, const char *remote)
{
	static char localbuf[4200], bouncebuf[4200];
	struct send s;
	struct sigaction sa;
	struct zs l = ZS_INIT;
	int p, code;

	memset(&s, 0, sizeof s);
	s.conf = conf;
	s.remote = remote != NULL ? remote : remote_path();
	s.local = sibling(s.remote, "zr-local", localbuf, sizeof localbuf);
	s.bounce = sibling(s.remote, "zr-bounce", bouncebuf, sizeof bouncebuf);
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
	if (cloexec_pipe(s.sigpipe, O_NONBLOCK) == -1)
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

	stats_load(&s);
	if (!hist_load(&s.hist, &s.q))
		warn_sys("unable to read stats/histograms; starting them afresh");
	/* Crash recovery: what was in flight goes back to be retried. */
	recover_wait(&s);
	if (queue_scan_strays(&s.q, QD_ACTIVE, recover_one, stray_active,
	    &s) == -1)
		die_sys(EXIT_TEMP, "unable to scan ", queuedir, "/active");
	/* Folded, or about messages that have left active/: done with. */
	results_read_done(&s.res, &s.q);
	queue_scan_strays(&s.q, QD_HOLD, NULL, stray_hold, &s);
	sync_dirs(&s, true);
	load_deferred(&s);
	for (p = 0; p < PRIO_COUNT; p++)
		scan_todo(&s, (enum queue_prio)p);
	/* Notifications a previous run owed and did not make. */
	notify_load(&s.notes, &s.q);
	s.next_cleanup = now_ms() + 1000;
	s.next_qrun = now_ms() + (long long)conf->queueinterval * 1000;
	status(&s, true);

	code = poll_loop(&s);

	/* A last try; what state/ cannot take is lost with this process. */
	unsaved_turn(&s, now_ms() / 1000, true);
	while (s.nunsaved > 0)
		msg_free(s.unsaved[--s.nunsaved]);
	free(s.unsaved);
	notify_stop(&s.notes);
	sync_dirs(&s, true);
	stats_save(&s);
	if (zs_cats(&l, "status: exiting"))
		logline(&l);
	zs_free(&l);
	for (p = 0; p < PRIO_COUNT; p++) {
		idlist_free(&s.todo[p]);
		idlist_free(&s.retry[p]);
	}
	idlist_free(&s.deferred);
	cleanup_abort(&s.clean);
	free(s.child);
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
