/* SPDX-License-Identifier: MIT */
/*
 * queue: the only module that names queue directories and moves files.
 *
 * The layout and its invariants are specified in queue-layout/README and
 * zr-queue(5). A message is one file named by its id; its directory is its
 * state. Every state change is one rename(2); queue_move fsyncs the
 * destination directory after it, queue_move_nosync leaves that to a later
 * queue_sync for a whole batch (zr-send). New files are written in tmp/
 * and renamed into place only when complete and durable (lib/qwrite).
 *
 * The queue never follows a symbolic link nor reads anything but a regular
 * file: every open of a file in it uses O_NOFOLLOW (and O_NONBLOCK, so that
 * a FIFO cannot stall the caller) and checks with fstat(2) what it got. An
 * entry with a message's name that is not a regular file is a stray: the
 * scans never hand it on as a message; the programs set it aside in bad/.
 *
 * Functions return 1 or 0 with errno set, unless said otherwise.
 */
#ifndef ZR_QUEUE_H
#define ZR_QUEUE_H

#include <errno.h>
#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "zs.h"

#define QUEUE_DIR_DEFAULT "/var/spool/zr"

enum queue_prio { PRIO_URGENT, PRIO_HIGH, PRIO_NORMAL, PRIO_LOW, PRIO_COUNT };

/* The directories a message file can be in. */
enum queue_dir {
	QD_TODO_URGENT,		/* todo/<prio>: Queued, by priority */
	QD_TODO_HIGH,
	QD_TODO_NORMAL,
	QD_TODO_LOW,
	QD_ACTIVE,		/* InProgress */
	QD_DEFERRED,		/* Deferred: waiting for its next attempt */
	QD_HOLD,		/* set aside by an operator */
	QD_DONE_DELIVERED,	/* terminal states */
	QD_DONE_PARTIAL,
	QD_DONE_FAILED,
	QD_DONE_EXPIRED,
	QD_DONE_CANCELLED,
	QD_BAD,			/* damaged files, set aside for a person */
	QD_COUNT
};

/* Ids: 10-digit seconds, '.', 6-digit microseconds, '.', 16 hex digits. */
#define QUEUE_ID_LEN 34
#define QUEUE_ID_SIZE (QUEUE_ID_LEN + 1)

/*
 * The errno of an open refused because the entry is not a regular file: a
 * symlink (O_NOFOLLOW's own error on Linux), FIFO, directory, socket or
 * device. One value, so that callers test one thing.
 */
#define QUEUE_ENOTREG ELOOP

struct queue {
	char *root;
	int rootfd;
	int dirfd[QD_COUNT];	/* opened on first use; -1 until then */
	int tmpfd;
	int statefd;
};

/* $ZR_QUEUE, else QUEUE_DIR_DEFAULT. */
const char *queue_default(void);
/* Open the queue at root (which must exist). */
int queue_open(struct queue *, const char *root);
void queue_close(struct queue *);

/* "todo/normal", "deferred", ... */
const char *queue_dir_name(enum queue_dir);
/* The inverse of queue_dir_name. */
int queue_dir_parse(const char *, enum queue_dir *);
/* A descriptor for the directory, opened once; -1 on error. */
int queue_dirfd(struct queue *, enum queue_dir);

const char *queue_prio_name(enum queue_prio);
int queue_prio_parse(const char *, enum queue_prio *);
enum queue_dir queue_todo(enum queue_prio);

/* A fresh id, unique without a lock: time plus 64 random bits. */
int queue_id_new(char id[QUEUE_ID_SIZE]);
/* Whether s has the exact shape of an id (and so is safe as a file name). */
int queue_id_valid(const char *s);
/* The arrival time written in an id. */
time_t queue_id_time(const char *id);

/*
 * Create tmp/<id> for a new message (a fresh id is chosen and written to
 * id). Returns the descriptor, open for reading and writing (DKIM signing
 * reads the content back before the commit), or -1.
 */
int queue_create(struct queue *, char id[QUEUE_ID_SIZE]);
/*
 * Create tmp/<id> for a message whose id was chosen before (so that a
 * derived message keeps its id across a crash and retry). Returns the
 * descriptor, or -1.
 */
int queue_create_as(struct queue *, const char *id);
/*
 * Make the message durable and visible: fsync fd, close it, rename tmp/<id>
 * into dir, fsync dir. On failure the tmp file is removed.
 */
int queue_commit(struct queue *, const char *id, int fd, enum queue_dir);
/* Give up on a message being written: close fd and remove tmp/<id>. */
void queue_abort(struct queue *, const char *id, int fd);

/* Move a message between directories (one rename, then fsync of to). */
int queue_move(struct queue *, const char *id, enum queue_dir from,
    enum queue_dir to);
/* Find which directory holds id: 1 (and *where), 0 when nowhere, -1. */
int queue_locate(struct queue *, const char *id, enum queue_dir *where);
/* Open a message read-only; -1 on error (QUEUE_ENOTREG for a stray). */
int queue_openmsg(struct queue *, enum queue_dir, const char *id);
/*
 * Open name, relative to the directory dfd (AT_FDCWD: the working
 * directory), read-only and only if it is a regular file that is not a
 * symlink (QUEUE_ENOTREG otherwise); for the deliverers, which are given a
 * queue file's path. -1 on error.
 */
int queue_openfile(int dfd, const char *name);
/* Remove a message file (terminal entries past their retention). */
int queue_remove(struct queue *, enum queue_dir, const char *id);

/*
 * Call fn for every regular file in dir whose name is an id (other names,
 * and strays, are skipped). Stops early and returns fn's value when fn
 * returns other than 1.
 */
int queue_scan(struct queue *, enum queue_dir,
    int (*fn)(const char *id, void *ctx), void *ctx);
/*
 * queue_scan, and stray(name, kind, ctx) for every entry with an id's name
 * that is not a regular file; kind is "symlink", "fifo", "directory",
 * "socket" or "device". fn may be NULL. Stops as queue_scan does when
 * either returns other than 1.
 */
int queue_scan_strays(struct queue *, enum queue_dir,
    int (*fn)(const char *id, void *ctx),
    int (*stray)(const char *name, const char *kind, void *ctx), void *ctx);

/*
 * queue_scan for the names in state/: "<id>", "<id>.dsn-<key>" (the
 * records of zr-bounce) and "<id>.notify-<key>" (notifications zr-send
 * owes). The id is the name's first QUEUE_ID_LEN bytes.
 */
int queue_state_scan(struct queue *, int (*fn)(const char *id, void *ctx),
    void *ctx);
/* queue_scan_strays for state/. */
int queue_state_scan_strays(struct queue *,
    int (*fn)(const char *name, void *ctx),
    int (*stray)(const char *name, const char *kind, void *ctx), void *ctx);

/* What a stray is: "symlink", "fifo", ...; "" for a regular file. */
const char *queue_kind(mode_t);

/*
 * Set the entry name of dir aside: rename it to bad/<name> (bad/ is made
 * when missing, for queues older than it), never replacing what bad/
 * holds (EEXIST). For damaged messages and strays.
 */
int queue_set_aside(struct queue *, enum queue_dir, const char *name);
/* The same for state/<name>, which becomes bad/<name>.state. */
int queue_state_set_aside(struct queue *, const char *name);
/*
 * For a stray: set it aside, or when that fails remove it (a symlink,
 * FIFO or empty directory goes; a non-empty directory stays). 1 when set
 * aside, 2 when removed, 0 when it is still there.
 */
int queue_stray(struct queue *, enum queue_dir, const char *name);
int queue_state_stray(struct queue *, const char *name);

/*
 * queue_scan that can stop and go on later, for work done in slices: open
 * a cursor on a directory (or on state/, whose names are as for
 * queue_state_scan), take names with queue_cursor_next (1 and *name, valid
 * until the next call; 0 at the end; -1), close it. Names added or
 * removed meanwhile may or may not be seen (readdir(3)); the rest are
 * seen once. Opening fails (0) without leaving anything to close.
 */
struct queue_cursor {
	DIR *dir;
	int (*valid)(const char *);
};
int queue_cursor_open(struct queue *, enum queue_dir, struct queue_cursor *);
int queue_cursor_open_state(struct queue *, struct queue_cursor *);
/* The same, with the deliverers' journals (queue_journal_name_ok) too. */
int queue_cursor_open_state_journals(struct queue *, struct queue_cursor *);
int queue_cursor_next(struct queue_cursor *, const char **name);
void queue_cursor_close(struct queue_cursor *);

/*
 * The side file state/<id>: read (1, 0 when absent, -1, QUEUE_ENOTREG for
 * a stray), replace, remove.
 */
int queue_state_read(struct queue *, const char *id, struct zs *out);
int queue_state_write(struct queue *, const char *id, const char *p, size_t n);
int queue_state_remove(struct queue *, const char *id);
/* lstat(2) of state/<name>: 1, 0 when absent, -1. */
int queue_state_stat(struct queue *, const char *name, struct stat *);
/*
 * Deliverers' journals of results, state/journal.<hex and dots> (at most
 * QUEUE_JOURNAL_MAX bytes; never an id's name, so the scans of state/
 * pass them by): tell such a name; create one (O_EXCL, O_APPEND, never
 * through a symlink, state/ synced after) or open it to append (never created; a regular file
 * only); call fn for each (as queue_scan). -1 or 0 with errno. They are
 * read and removed as state files are.
 */
#define QUEUE_JOURNAL_MAX 80
int queue_journal_name_ok(const char *name);
int queue_journal_create(struct queue *, const char *name);
int queue_journal_open(struct queue *, const char *name);
int queue_journal_scan(struct queue *, int (*fn)(const char *name, void *ctx),
    void *ctx);

/* Wake the scheduler; nobody listening is not an error. */
void queue_trigger(struct queue *);

/*
 * For the scheduler, which moves many messages and makes a directory
 * durable once for a batch: queue_move without the fsync, then
 * queue_sync on the destination before the batch counts as done.
 */
int queue_move_nosync(struct queue *, const char *id, enum queue_dir from,
    enum queue_dir to);
/* fsync the directory. */
int queue_sync(struct queue *, enum queue_dir);
/* stat(2) a message file: 1, 0 when absent, -1. */
int queue_stat(struct queue *, enum queue_dir, const char *id,
    struct stat *);
/*
 * Remove files in tmp/ last changed before the time given; returns their
 * number, or -1.
 */
long queue_tmp_sweep(struct queue *, time_t before);
/*
 * The counters file stats/<name> (a name without '/'): read (1, 0 when
 * absent, -1), replace durably (write to tmp/, fsync, rename).
 */
int queue_stats_read(struct queue *, const char *name, struct zs *out);
int queue_stats_write(struct queue *, const char *name, const char *p,
    size_t n);

/*
 * The MTA-STS cache record sts/<domain> (lower case, no '/'), as
 * queue_stats_*: read (1, 0 when absent, -1), replace durably. sts/ is
 * made at the first write when the queue lacks it.
 */
int queue_sts_read(struct queue *, const char *domain, struct zs *out);
int queue_sts_write(struct queue *, const char *domain, const char *p,
    size_t n);

/*
 * For the scheduler: open lock/trigger for reading without blocking, and
 * hold a write end too so that the reader never sees EOF. 1, or 0.
 */
int queue_trigger_listen(struct queue *, int *rfd, int *wfd);

/*
 * TLSRPT session results (tlsrpt.h) in tlsrpt/DAY/, DAY "YYYY-MM-DD";
 * tlsrpt/ and DAY/ are made on first use with the mode of stats/.
 * queue_tlsrpt_append: n bytes (one line) appended to DAY/r.<writer>
 * with one write(2) (O_APPEND, created 0600, never through a symlink).
 * queue_tlsrpt_scan: fn(name, text, ctx) for every regular file "r.*" of
 * DAY, stopping as queue_scan does; a DAY never written is empty.
 * queue_tlsrpt_mark: the empty marker DAY/<name> made durable ("done",
 * "s.DOMAIN"); queue_tlsrpt_marked: 1 when it is there, 0 when not, -1.
 */
int queue_tlsrpt_append(struct queue *, const char *day, const char *writer,
    const char *p, size_t n);
int queue_tlsrpt_scan(struct queue *, const char *day,
    int (*fn)(const char *name, const struct zs *text, void *ctx), void *ctx);
int queue_tlsrpt_mark(struct queue *, const char *day, const char *name);
int queue_tlsrpt_marked(struct queue *, const char *day, const char *name);

/*
 * Operators' suspensions of destinations, suspend/<name> (lib/destsusp
 * names and formats them). queue_suspend_write: replace durably, making
 * suspend/ when the queue lacks it. queue_suspend_remove: 1 removed (and
 * suspend/ synced), 0 when absent, -1. queue_suspend_scan: fn(name, text,
 * ctx) for every regular file, stopping as queue_scan does, with the
 * directory's mtime in *mtime (0 and no call when there is no suspend/).
 * queue_suspend_mtime: the same mtime alone; 1, 0 when absent, -1.
 */
int queue_suspend_write(struct queue *, const char *name, const char *p,
    size_t n);
int queue_suspend_remove(struct queue *, const char *name);
int queue_suspend_scan(struct queue *, struct timespec *mtime,
    int (*fn)(const char *name, const struct zs *text, void *ctx), void *ctx);
int queue_suspend_mtime(struct queue *, struct timespec *mtime);

/*
 * Take the lock lock/<name> (created if missing) for as long as the
 * returned descriptor stays open: one scheduler per queue. -1 on error,
 * with errno EWOULDBLOCK when another process holds it.
 */
int queue_lock(struct queue *, const char *name);

#endif
