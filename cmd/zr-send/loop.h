/* SPDX-License-Identifier: MIT */
/*
 * loop: the scheduler's state, shared by the files of zr-send, each with
 * one concern (Postfix's qmgr is split the same way):
 *
 *	send.c     the loop: signals, the poll set, turns, start and stop
 *	sched.c    the scheduling core, pure data: ready lists, due times,
 *	           retry, expiry and terminal decisions
 *	load.c     reading the queue: todo/, deferred/ in slices, recovery of
 *	           active/ at start, strays
 *	msg.c      a message's attempt: its jobs, its recipients' results,
 *	           where it goes and its state on disk
 *	child.c    the deliverer children (zr-remote, zr-local), their pipes
 *	           and reports
 *	notify.c   notifications owed, and zr-bounce as a child
 *	cleanup.c  the removal of what the queue keeps no longer, in slices
 *	log.c      the event log's words; stats.c its counters
 *	shape.c    destinations and their limits, pure data; limit.c
 *	           the loop's use of them; suspend.c operators' suspensions;
 *	           dstat.c results by destination, for stats/destinations;
 *	           parked.c the messages parked in deferred/, by destination
 *
 * One process, one thread: whoever holds a struct send may change any of
 * it. A struct msg lives from start_msg until it is settled (msg.c), and
 * owns its jobs' recipients; a struct job belongs to the pending list or
 * to the child it was given to.
 */
#ifndef ZR_SEND_LOOP_H
#define ZR_SEND_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cleanup.h"
#include "envelope.h"
#include "hist.h"
#include "mxroute.h"
#include "notify.h"
#include "qstate.h"
#include "parked.h"
#include "queue.h"
#include "qsum.h"
#include "results.h"
#include "sched.h"
#include "shape.h"
#include "send.h"
#include "stats.h"
#include "suspend.h"
#include "zs.h"

/* Routes one message may use in one pass (and so jobs waiting at most). */
#define ROUTES_MAX 64
/*
 * Jobs waiting at most: a message's worth beyond what destinations'
 * limits hold back (limit.h), so that those do not stop the intake.
 */
#define PENDING_MAX (4 * ROUTES_MAX)
/* todo/normal and todo/low are rescanned at most this often (ms) on pokes. */
#define SCAN_GAP_MS 200
/* Files in tmp/ older than this are the remains of a crash (qmail's 36 h). */
#define TMP_MAXAGE (36 * 3600)
/* Directory syncs of a batch of moves are at most this far apart (ms). */
#define SYNC_GAP_MS 100
/* A message whose state could not be written is tried again after (s). */
#define UNSAVED_RETRY 5
/* Strays that could be neither set aside nor removed, remembered. */
#define SEND_STUCK 64

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
	size_t nresults, results_cap;
	size_t tried;		/* results recorded in this attempt */
	long long park;		/* ms: parked jobs' destinations wait until */
	size_t park_dest;	/* the destination of the last parked job */
	size_t parked[ROUTES_MAX];	/* the destinations of its parked jobs */
	size_t nparked;
};

struct job {
	struct msg *m;
	size_t *rcpt;		/* indices into the envelope */
	size_t nrcpt;
	struct zs hosts;	/* keys, NUL-separated, in the order to try */
	struct zs lines;	/* the same hosts with their settings */
	size_t nhost;
	char first[ROUTE_KEY_MAX + 1];
	char *via;		/* the sender route that chose it, or NULL */
	unsigned long long delivery;	/* number of the first recipient */
	long long started;		/* ms, when handed to zr-remote */
	size_t dest;			/* its destination (shape.h) */
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
	size_t dest;			/* its session's destination */
	unsigned long long njobs;	/* jobs on this session so far */
};

/* The reads of deferred/ and state/ under way, a slice per turn (load.c). */
struct send_load {
	bool running;
	struct queue_cursor cur;
	unsigned long long found, slices;
	long long started, longest;	/* ms */
	bool first_done;		/* the read at start-up is over */
	struct queue_cursor notes;	/* state/, for notification records */
	bool notes_running;
	/* active/ was empty at start: the walk removes old runs' journals. */
	bool sweep_journals;
};

struct send {
	struct send_conf *conf;
	struct queue q;
	const char *remote;
	const char *local;		/* zr-local, the host of local domains */
	const char *bounce;		/* zr-bounce */
	struct send_mx mx;
	int trig_r, trig_w, sigpipe[2], lockfd;
	struct sched sched;		/* ready lists and deferred (sched.h) */
	struct qsum qsum;		/* stats/deferred (qsum.h) */
	struct send_load load;
	struct results res;			/* the children's journals */
	bool rescan[PRIO_COUNT];
	long long lastscan[PRIO_COUNT];
	struct shape shape;		/* destinations and their limits */
	long long shape_wake;		/* ms: a pending job's limit ends */
	size_t shape_held;		/* pending jobs a limit holds back */
	long long shape_at;		/* ms: stats/destinations written */
	struct suspend_set susp;	/* operators' suspensions */
	struct parked_set parked;	/* messages parked, by destination */
	struct job *pending[PENDING_MAX];
	size_t npending;
	struct child *child;
	size_t nchild, capchild;
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
	long long next_qrun;		/* ms: the next queue run */
	bool stopping;
	long long stop_deadline;
	/* Strays that could be neither set aside nor removed: warned once. */
	unsigned long long stuck[SEND_STUCK];
	size_t nstuck;
};

#endif
