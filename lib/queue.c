/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "fmt.h"
#include "queue.h"
#include "scan.h"

static const char *const dir_names[QD_COUNT] = {
	[QD_TODO_URGENT] = "todo/urgent",
	[QD_TODO_HIGH] = "todo/high",
	[QD_TODO_NORMAL] = "todo/normal",
	[QD_TODO_LOW] = "todo/low",
	[QD_ACTIVE] = "active",
	[QD_DEFERRED] = "deferred",
	[QD_HOLD] = "hold",
	[QD_DONE_DELIVERED] = "done/delivered",
	[QD_DONE_PARTIAL] = "done/partial",
	[QD_DONE_FAILED] = "done/failed",
	[QD_DONE_EXPIRED] = "done/expired",
	[QD_DONE_CANCELLED] = "done/cancelled",
	[QD_BAD] = "bad",
};

static const char *const prio_names[PRIO_COUNT] = {
	[PRIO_URGENT] = "urgent",
	[PRIO_HIGH] = "high",
	[PRIO_NORMAL] = "normal",
	[PRIO_LOW] = "low",
};

const char *
queue_default(void)
{
	const char *d = getenv("ZR_QUEUE");

	return d != NULL && *d != '\0' ? d : QUEUE_DIR_DEFAULT;
}

int
queue_open(struct queue *q, const char *root)
{
	int i;

	q->root = strdup(root);
	if (q->root == NULL)
		return 0;
	q->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->rootfd == -1) {
		free(q->root);
		q->root = NULL;
		return 0;
	}
	for (i = 0; i < QD_COUNT; i++)
		q->dirfd[i] = -1;
	q->tmpfd = q->statefd = -1;
	return 1;
}

void
queue_close(struct queue *q)
{
	int i;

	for (i = 0; i < QD_COUNT; i++)
		if (q->dirfd[i] != -1)
			close(q->dirfd[i]);
	if (q->tmpfd != -1)
		close(q->tmpfd);
	if (q->statefd != -1)
		close(q->statefd);
	if (q->rootfd != -1)
		close(q->rootfd);
	free(q->root);
	q->root = NULL;
	q->rootfd = -1;
}

const char *
queue_dir_name(enum queue_dir d)
{
	return (unsigned)d < QD_COUNT ? dir_names[d] : "?";
}

/* The index of s in names[0..n), or -1 with errno EINVAL. */
static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	errno = EINVAL;
	return -1;
}

int
queue_dir_parse(const char *s, enum queue_dir *d)
{
	int i = name_index(dir_names, QD_COUNT, s);

	if (i == -1)
		return 0;
	*d = (enum queue_dir)i;
	return 1;
}

const char *
queue_prio_name(enum queue_prio p)
{
	return (unsigned)p < PRIO_COUNT ? prio_names[p] : "?";
}

int
queue_prio_parse(const char *s, enum queue_prio *p)
{
	int i = name_index(prio_names, PRIO_COUNT, s);

	if (i == -1)
		return 0;
	*p = (enum queue_prio)i;
	return 1;
}

enum queue_dir
queue_todo(enum queue_prio p)
{
	return (enum queue_dir)(QD_TODO_URGENT + (int)p);
}

/*
 * Close fd on a path that is failing or done, leaving errno as the
 * failure set it for the caller.
 */
static void
close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/*
 * A directory stream on dfd's directory, of its own: fdopendir takes the
 * descriptor over, and dfd stays the caller's. NULL with errno.
 */
static DIR *
dir_stream(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd == -1)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL)
		close_keep_errno(fd);
	return d;
}

/*
 * Open name in dfd only if it is a regular file, *st its fstat. O_NOFOLLOW
 * refuses a symlink; O_NONBLOCK keeps a FIFO from stalling the open (for
 * reading, it would wait for a writer for ever); fstat tells what else was
 * opened. A socket cannot be opened at all (ENXIO), a directory not for
 * writing (EISDIR): both are strays too. O_NONBLOCK stays set: it has no
 * effect on a regular file (open(2)), and read_at, whose descriptor never
 * leaves this file, saves the two fcntl calls of open_reg per file read.
 */
static int
open_reg_st(int dfd, const char *name, int flags, mode_t mode,
    struct stat *st)
{
	int fd;

	fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		if (errno == ENXIO || errno == EISDIR)
			errno = QUEUE_ENOTREG;
		return -1;
	}
	if (fstat(fd, st) == -1)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		errno = QUEUE_ENOTREG;
		goto fail;
	}
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

/* open_reg_st, blocking again: the descriptor may be handed on. */
static int
open_reg(int dfd, const char *name, int flags, mode_t mode)
{
	struct stat st;
	int fd = open_reg_st(dfd, name, flags, mode, &st), fl;

	if (fd == -1)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* lock/trigger, which must be a FIFO: a regular file there would be written. */
static int
open_fifo(int dfd, const char *name, int flags)
{
	struct stat st;
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = QUEUE_ENOTREG;
		return -1;
	}
	return fd;
}

static int
subdirfd(struct queue *q, int *slot, const char *name)
{
	if (*slot == -1)
		*slot = openat(q->rootfd, name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *slot;
}

int
queue_dirfd(struct queue *q, enum queue_dir d)
{
	if ((unsigned)d >= QD_COUNT) {
		errno = EINVAL;
		return -1;
	}
	return subdirfd(q, &q->dirfd[d], dir_names[d]);
}

int
queue_id_new(char id[QUEUE_ID_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	struct timeval tv;
	size_t n = 0;
	int i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return 0;
	gettimeofday(&tv, NULL);
	n += fmt_ulong0(id + n, (unsigned long long)tv.tv_sec % 10000000000ULL, 10);
	id[n++] = '.';
	n += fmt_ulong0(id + n, (unsigned long long)tv.tv_usec, 6);
	id[n++] = '.';
	for (i = 0; i < 8; i++) {
		id[n++] = hex[rnd[i] >> 4];
		id[n++] = hex[rnd[i] & 15];
	}
	id[n] = '\0';
	return 1;
}

int
queue_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++) {
		char c = s[i];

		if (i == 10 || i == 17) {
			if (c != '.')
				return 0;
		} else if (i < 17) {
			if (c < '0' || c > '9')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return 0;
		}
	}
	return s[QUEUE_ID_LEN] == '\0';
}

time_t
queue_id_time(const char *id)
{
	unsigned long long t = 0;

	scan_ulongb(id, 10, &t);
	return (time_t)t;
}

int
queue_create(struct queue *q, char id[QUEUE_ID_SIZE])
{
	int tfd = subdirfd(q, &q->tmpfd, "tmp");
	int tries;

	if (tfd == -1)
		return -1;
	for (tries = 0; tries < 5; tries++) {
		int fd;

		if (!queue_id_new(id))
			return -1;
		/* Readable too: queue-time work (DKIM) reads the content. */
		fd = openat(tfd, id, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0640);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
queue_create_as(struct queue *q, const char *id)
{
	int tfd = subdirfd(q, &q->tmpfd, "tmp");

	if (tfd == -1)
		return -1;
	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	/* What a crashed earlier try left there was never visible: replace it. */
	if (unlinkat(tfd, id, 0) == -1 && errno != ENOENT)
		return -1;
	return openat(tfd, id, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
}

void
queue_abort(struct queue *q, const char *id, int fd)
{
	int saved = errno;

	if (fd != -1)
		close(fd);
	if (q->tmpfd != -1)
		unlinkat(q->tmpfd, id, 0);
	errno = saved;
}

int
queue_commit(struct queue *q, const char *id, int fd, enum queue_dir d)
{
	int dfd = queue_dirfd(q, d);

	/*
	 * fdatasync is enough for the file: its size is part of the data it
	 * must make durable, and nothing else in its inode matters to us.
	 */
	if (dfd == -1 || fdatasync(fd) == -1) {
		queue_abort(q, id, fd);
		return 0;
	}
	if (close(fd) == -1) {
		queue_abort(q, id, -1);
		return 0;
	}
	if (renameat(q->tmpfd, id, dfd, id) == -1) {
		queue_abort(q, id, -1);
		return 0;
	}
	if (fsync(dfd) == 0)
		return 1;
	/*
	 * The directory could not be made durable, so success cannot be
	 * claimed; take the message back out of sight, so that the failure
	 * the caller reports (451, exit 75) is the truth and a retry by the
	 * client makes no duplicate. If even that fails it stays: complete,
	 * and at worst delivered twice, never lost.
	 */
	{
		int saved = errno;

		if (renameat(dfd, id, q->tmpfd, id) == 0)
			unlinkat(q->tmpfd, id, 0);
		errno = saved;
	}
	return 0;
}

int
queue_move(struct queue *q, const char *id, enum queue_dir from,
    enum queue_dir to)
{
	int ffd = queue_dirfd(q, from), tfd = queue_dirfd(q, to);

	if (ffd == -1 || tfd == -1)
		return 0;
	if (renameat(ffd, id, tfd, id) == -1)
		return 0;
	return fsync(tfd) == 0;
}

int
queue_locate(struct queue *q, const char *id, enum queue_dir *where)
{
	int i;

	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < QD_COUNT; i++) {
		int dfd = queue_dirfd(q, (enum queue_dir)i);
		struct stat st;

		if (dfd == -1)
			return -1;
		/* Any entry counts, a stray too: it holds the name. */
		if (fstatat(dfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			*where = (enum queue_dir)i;
			return 1;
		}
		if (errno != ENOENT)
			return -1;
	}
	return 0;
}

int
queue_openmsg(struct queue *q, enum queue_dir d, const char *id)
{
	int dfd = queue_dirfd(q, d);

	if (dfd == -1)
		return -1;
	return open_reg(dfd, id, O_RDONLY, 0);
}

int
queue_openfile(int dfd, const char *name)
{
	return open_reg(dfd, name, O_RDONLY, 0);
}

int
queue_remove(struct queue *q, enum queue_dir d, const char *id)
{
	int dfd = queue_dirfd(q, d);

	return dfd != -1 && unlinkat(dfd, id, 0) == 0;
}

/*
 * In state/: "<id>", "<id>.dsn-<key>" (zr-bounce's records) or
 * "<id>.notify-<key>" (zr-send's pending notifications).
 */
static int
state_name_ok(const char *name)
{
	char id[QUEUE_ID_SIZE];

	if (strlen(name) < QUEUE_ID_LEN)
		return 0;
	memcpy(id, name, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	return queue_id_valid(id) && (name[QUEUE_ID_LEN] == '\0' ||
	    strncmp(name + QUEUE_ID_LEN, ".dsn-", 5) == 0 ||
	    strncmp(name + QUEUE_ID_LEN, ".notify-", 8) == 0);
}

int
queue_journal_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n <= 8 || n > QUEUE_JOURNAL_MAX || strncmp(name, "journal.", 8))
		return 0;
	for (i = 8; i < n; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f') || name[i] == '.'))
			return 0;
	return 1;
}

int
queue_journal_create(struct queue *q, const char *name)
{
	int sfd = subdirfd(q, &q->statefd, "state"), fd;

	if (!queue_journal_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (sfd == -1)
		return -1;
	fd = openat(sfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	/* Its name must outlast a power loss as its records do. */
	if (fd != -1 && fsync(sfd) == -1) {
		int e = errno;

		close(fd);
		(void)unlinkat(sfd, name, 0);
		errno = e;
		return -1;
	}
	return fd;
}

int
queue_journal_open(struct queue *q, const char *name)
{
	int sfd = subdirfd(q, &q->statefd, "state");

	if (!queue_journal_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	/* No O_CREAT: a journal that is gone was given up by the scheduler. */
	return sfd == -1 ? -1 : open_reg(sfd, name, O_WRONLY | O_APPEND, 0);
}

int
queue_journal_scan(struct queue *q, int (*fn)(const char *name, void *ctx),
    void *ctx)
{
	int sfd = subdirfd(q, &q->statefd, "state"), r = 1;
	struct dirent *e;
	DIR *d;

	if (sfd == -1)
		return errno == ENOENT ? 1 : -1;
	if ((d = dir_stream(sfd)) == NULL)
		return -1;
	while (r == 1 && (errno = 0, e = readdir(d)) != NULL)
		if (queue_journal_name_ok(e->d_name))
			r = fn(e->d_name, ctx);
	if (e == NULL && errno != 0)
		r = -1;
	closedir(d);
	return r;
}

const char *
queue_kind(mode_t m)
{
	return S_ISREG(m) ? "" : S_ISLNK(m) ? "symlink" : S_ISFIFO(m) ? "fifo" :
	    S_ISDIR(m) ? "directory" : S_ISSOCK(m) ? "socket" : "device";
}

/* What a directory entry is: "" for a regular file, NULL when gone. */
static const char *
entry_kind(int dfd, const struct dirent *de)
{
	struct stat st;

	switch (de->d_type) {
	case DT_REG:
		return "";
	case DT_LNK:
		return "symlink";
	case DT_FIFO:
		return "fifo";
	case DT_DIR:
		return "directory";
	case DT_SOCK:
		return "socket";
	case DT_CHR:
	case DT_BLK:
		return "device";
	default:
		/* Filesystems that do not fill d_type: ask. */
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return NULL;
		return queue_kind(st.st_mode);
	}
}

static int
scan_fd_names(int dfd, int (*valid)(const char *),
    int (*fn)(const char *id, void *ctx),
    int (*stray)(const char *name, const char *kind, void *ctx), void *ctx)
{
	struct dirent *de;
	DIR *dir;
	int r = 1;

	if (dfd == -1 || (dir = dir_stream(dfd)) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno != 0)
				r = -1;
			break;
		}
		const char *kind;

		if (!valid(de->d_name))
			continue;
		kind = entry_kind(dfd, de);
		if (kind == NULL)
			continue;	/* it moved on meanwhile */
		if (*kind == '\0')
			r = fn != NULL ? fn(de->d_name, ctx) : 1;
		else
			r = stray != NULL ? stray(de->d_name, kind, ctx) : 1;
		if (r != 1)
			break;
	}
	closedir(dir);
	return r;
}

int
queue_scan(struct queue *q, enum queue_dir d,
    int (*fn)(const char *id, void *ctx), void *ctx)
{
	return scan_fd_names(queue_dirfd(q, d), queue_id_valid, fn, NULL, ctx);
}

int
queue_scan_strays(struct queue *q, enum queue_dir d,
    int (*fn)(const char *id, void *ctx),
    int (*stray)(const char *name, const char *kind, void *ctx), void *ctx)
{
	return scan_fd_names(queue_dirfd(q, d), queue_id_valid, fn, stray, ctx);
}

int
queue_state_scan(struct queue *q, int (*fn)(const char *id, void *ctx),
    void *ctx)
{
	return scan_fd_names(subdirfd(q, &q->statefd, "state"), state_name_ok,
	    fn, NULL, ctx);
}

int
queue_state_scan_strays(struct queue *q,
    int (*fn)(const char *name, void *ctx),
    int (*stray)(const char *name, const char *kind, void *ctx), void *ctx)
{
	return scan_fd_names(subdirfd(q, &q->statefd, "state"), state_name_ok,
	    fn, stray, ctx);
}

/* bad/, made on first use in a queue older than it, with the mode of hold/. */
static int
bad_dirfd(struct queue *q)
{
	struct stat st;
	int fd = queue_dirfd(q, QD_BAD);

	if (fd != -1 || errno != ENOENT)
		return fd;
	if (fstatat(q->rootfd, "hold", &st, 0) == -1)
		st.st_mode = 0700;
	if (mkdirat(q->rootfd, "bad", 0700) == 0) {
		fd = queue_dirfd(q, QD_BAD);
		/* mkdir's mode passed through the umask; set it as meant. */
		if (fd == -1 || fchmod(fd, st.st_mode & 07777) == -1 ||
		    fsync(q->rootfd) == -1)
			return -1;
		return fd;
	}
	return errno == EEXIST ? queue_dirfd(q, QD_BAD) : -1;
}

/* Rename name in sfd to bad/<badname>, never over what bad/ holds. */
static int
aside_at(struct queue *q, int sfd, const char *name, const char *badname)
{
	struct stat st;
	int bfd;

	if (sfd == -1)
		return 0;
	bfd = bad_dirfd(q);
	if (bfd == -1)
		return 0;
	/*
	 * rename(2) would replace a file a person is meant to look at. A race
	 * with a second caller costs at most that copy of a damaged file.
	 */
	if (fstatat(bfd, badname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return 0;
	}
	if (errno != ENOENT)
		return 0;
	if (renameat(sfd, name, bfd, badname) == -1)
		return 0;
	return fsync(bfd) == 0;
}

static int
stray_at(struct queue *q, int sfd, const char *name, const char *badname)
{
	int saved;

	if (aside_at(q, sfd, name, badname))
		return 1;
	if (sfd == -1)
		return 0;
	saved = errno;
	/* unlink(2) takes a symlink or a FIFO, rmdir(2) an empty directory. */
	if (unlinkat(sfd, name, 0) == 0 ||
	    unlinkat(sfd, name, AT_REMOVEDIR) == 0) {
		fsync(sfd);
		return 2;
	}
	errno = saved;
	return 0;
}

int
queue_set_aside(struct queue *q, enum queue_dir d, const char *name)
{
	return aside_at(q, queue_dirfd(q, d), name, name);
}

/* bad/<name>.state, so that it cannot take the name of a message there. */
static int
state_badname(const char *name, char *buf, size_t size)
{
	return fmt_snprintf(buf, size, "%s.state", name) != -1;
}

int
queue_state_set_aside(struct queue *q, const char *name)
{
	char bad[NAME_MAX + 1];

	if (!state_badname(name, bad, sizeof bad))
		return 0;
	return aside_at(q, subdirfd(q, &q->statefd, "state"), name, bad);
}

int
queue_stray(struct queue *q, enum queue_dir d, const char *name)
{
	return stray_at(q, queue_dirfd(q, d), name, name);
}

int
queue_state_stray(struct queue *q, const char *name)
{
	char bad[NAME_MAX + 1];

	if (!state_badname(name, bad, sizeof bad))
		return 0;
	return stray_at(q, subdirfd(q, &q->statefd, "state"), name, bad);
}

/* Read the whole file name in the directory dfd: 1, 0 when absent, -1. */
static int
read_at(int dfd, const char *name, struct zs *out)
{
	struct stat st;
	int fd, ok = 1;
	ssize_t n;

	out->len = 0;
	if (dfd == -1)
		return -1;
	fd = open_reg_st(dfd, name, O_RDONLY, 0, &st);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	/*
	 * Up to the size fstat saw, without a last read to meet the end: the
	 * files read here are written whole in tmp/ and renamed into place
	 * (replace_at), and an appended one read this way is what it was at
	 * the fstat. One read(2) per state file instead of two.
	 */
	if (!zs_readyplus(out, (size_t)st.st_size + 1))
		ok = 0;
	else if ((n = buf_read_all(fd, out->s, (size_t)st.st_size)) == -1)
		ok = 0;
	else
		out->len = (size_t)n;
	close(fd);
	return ok ? 1 : -1;
}

/*
 * Replace name in the directory dfd durably: write tmp/<tmpname>,
 * fdatasync, rename over name, fsync dfd. 1, or 0 with nothing left in tmp/.
 */
static int
replace_at(struct queue *q, int dfd, const char *name, const char *tmpname,
    const char *p, size_t n)
{
	int tfd = subdirfd(q, &q->tmpfd, "tmp"), fd;

	if (dfd == -1 || tfd == -1)
		return 0;
	/*
	 * A fresh file, never what stands there: O_TRUNC would write through
	 * a symlink planted under this name, or block on a FIFO.
	 */
	if (unlinkat(tfd, tmpname, 0) == -1 && errno != ENOENT)
		return 0;
	fd = openat(tfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640);
	if (fd == -1)
		return 0;
	if (!buf_write_all(fd, p, n))
		goto fail;
	if (fdatasync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(tfd, tmpname, dfd, name) == -1)
		goto fail;
	return fsync(dfd) == 0;
fail:
	{
		int saved = errno;

		if (fd != -1)
			close(fd);
		unlinkat(tfd, tmpname, 0);
		errno = saved;
	}
	return 0;
}

int
queue_state_read(struct queue *q, const char *id, struct zs *out)
{
	return read_at(subdirfd(q, &q->statefd, "state"), id, out);
}

int
queue_state_write(struct queue *q, const char *id, const char *p, size_t n)
{
	char name[QUEUE_ID_SIZE + 64];

	/* tmp/<id>.state cannot collide with a message, whose name is an id. */
	if (fmt_snprintf(name, sizeof name, "%s.state", id) == -1)
		return 0;
	return replace_at(q, subdirfd(q, &q->statefd, "state"), id, name, p, n);
}

int
queue_state_stat(struct queue *q, const char *name, struct stat *st)
{
	int sfd = subdirfd(q, &q->statefd, "state");

	if (sfd == -1)
		return -1;
	if (fstatat(sfd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

int
queue_state_remove(struct queue *q, const char *id)
{
	int sfd = subdirfd(q, &q->statefd, "state");

	if (sfd == -1)
		return 0;
	return unlinkat(sfd, id, 0) == 0 || errno == ENOENT;
}

void
queue_trigger(struct queue *q)
{
	int fd = open_fifo(q->rootfd, "lock/trigger", O_WRONLY);

	/* ENXIO: no reader, so nobody to wake; any error is harmless here. */
	if (fd == -1)
		return;
	(void)!write(fd, "", 1);
	close(fd);
}

int
queue_move_nosync(struct queue *q, const char *id, enum queue_dir from,
    enum queue_dir to)
{
	int ffd = queue_dirfd(q, from), tfd = queue_dirfd(q, to);

	if (ffd == -1 || tfd == -1)
		return 0;
	return renameat(ffd, id, tfd, id) == 0;
}

int
queue_sync(struct queue *q, enum queue_dir d)
{
	int dfd = queue_dirfd(q, d);

	return dfd != -1 && fsync(dfd) == 0;
}

int
queue_stat(struct queue *q, enum queue_dir d, const char *id, struct stat *st)
{
	int dfd = queue_dirfd(q, d);

	if (dfd == -1)
		return -1;
	if (fstatat(dfd, id, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

long
queue_tmp_sweep(struct queue *q, time_t before)
{
	int tfd = subdirfd(q, &q->tmpfd, "tmp");
	struct dirent *de;
	long n = 0;
	DIR *dir;

	if (tfd == -1 || (dir = dir_stream(tfd)) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(tfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_mtime >= before)
			continue;
		if (unlinkat(tfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(dir);
	return n;
}

/*
 * A name for a file of stats/ or sts/: at most max bytes, not hidden, not
 * a path.
 */
static int
side_name_ok(const char *name, size_t max)
{
	size_t n = strlen(name);

	if (n == 0 || n > max || name[0] == '.' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

/*
 * Replaces the file name of dfd (stats/ or sts/, -1 when it could not be
 * opened) with p, written first as tmp/<dir>.<name>, which is never an id
 * and so never taken for mail. Closes dfd; 1, or 0 with errno.
 */
static int
side_write(struct queue *q, int dfd, const char *dir, const char *name,
    const char *p, size_t n)
{
	char tmp[NAME_MAX + 1];
	int ok = fmt_snprintf(tmp, sizeof tmp, "%s.%s", dir, name) != -1 &&
	    replace_at(q, dfd, name, tmp, p, n);

	if (dfd != -1)
		close_keep_errno(dfd);
	return ok;
}

/* A stats file's name. */
#define STATS_NAME_MAX 64

int
queue_stats_read(struct queue *q, const char *name, struct zs *out)
{
	int dfd, r;

	out->len = 0;
	if (!side_name_ok(name, STATS_NAME_MAX))
		return -1;
	dfd = openat(q->rootfd, "stats", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = read_at(dfd, name, out);
	if (dfd != -1)
		close(dfd);
	return r;
}

int
queue_stats_write(struct queue *q, const char *name, const char *p, size_t n)
{
	if (!side_name_ok(name, STATS_NAME_MAX))
		return 0;
	return side_write(q, openat(q->rootfd, "stats", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC), "stats", name, p, n);
}

/*
 * sts/, made on first use (queues older than it lack it) with the mode of
 * stats/, as only the scheduler's user writes either. -1 with errno.
 */
static int
sts_dirfd(struct queue *q, bool make)
{
	struct stat st;
	int fd = openat(q->rootfd, "sts", O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);

	if (fd != -1 || errno != ENOENT || !make)
		return fd;
	if (fstatat(q->rootfd, "stats", &st, 0) == -1)
		st.st_mode = 0700;
	if (mkdirat(q->rootfd, "sts", 0700) == -1 && errno != EEXIST)
		return -1;
	fd = openat(q->rootfd, "sts", O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	/* mkdir's mode passed through the umask; set it as meant. */
	if (fd == -1 || fchmod(fd, st.st_mode & 07777) == -1 ||
	    fsync(q->rootfd) == -1) {
		if (fd != -1)
			close_keep_errno(fd);
		return -1;
	}
	return fd;
}

/* A domain as a file name: as tmp/sts.<domain> fits NAME_MAX. */
#define STS_NAME_MAX (NAME_MAX - 4)

int
queue_sts_read(struct queue *q, const char *domain, struct zs *out)
{
	int dfd, r;

	out->len = 0;
	if (!side_name_ok(domain, STS_NAME_MAX))
		return -1;
	dfd = sts_dirfd(q, false);
	if (dfd == -1)
		return errno == ENOENT ? 0 : -1;
	r = read_at(dfd, domain, out);
	close(dfd);
	return r;
}

int
queue_sts_write(struct queue *q, const char *domain, const char *p, size_t n)
{
	if (!side_name_ok(domain, STS_NAME_MAX))
		return 0;
	return side_write(q, sts_dirfd(q, true), "sts", domain, p, n);
}

int
queue_trigger_listen(struct queue *q, int *rfd, int *wfd)
{
	*rfd = open_fifo(q->rootfd, "lock/trigger", O_RDONLY);
	if (*rfd == -1)
		return 0;
	*wfd = open_fifo(q->rootfd, "lock/trigger", O_WRONLY);
	if (*wfd == -1) {
		int saved = errno;

		close(*rfd);
		*rfd = -1;
		errno = saved;
		return 0;
	}
	return 1;
}

int
queue_lock(struct queue *q, const char *name)
{
	char path[96];
	int fd;

	if (strchr(name, '/') != NULL ||
	    fmt_snprintf(path, sizeof path, "lock/%s", name) == -1) {
		errno = EINVAL;
		return -1;
	}
	fd = open_reg(q->rootfd, path, O_RDWR | O_CREAT, 0600);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
}

/* Resumable scans. */

static int
cursor_open(int dfd, int (*valid)(const char *), struct queue_cursor *c)
{
	c->valid = valid;
	c->dir = dfd != -1 ? dir_stream(dfd) : NULL;
	return c->dir != NULL;
}

int
queue_cursor_open(struct queue *q, enum queue_dir d, struct queue_cursor *c)
{
	return cursor_open(queue_dirfd(q, d), queue_id_valid, c);
}

int
queue_cursor_open_state(struct queue *q, struct queue_cursor *c)
{
	return cursor_open(subdirfd(q, &q->statefd, "state"), state_name_ok,
	    c);
}

static int
state_or_journal_ok(const char *name)
{
	return state_name_ok(name) || queue_journal_name_ok(name);
}

int
queue_cursor_open_state_journals(struct queue *q, struct queue_cursor *c)
{
	return cursor_open(subdirfd(q, &q->statefd, "state"),
	    state_or_journal_ok, c);
}

int
queue_cursor_next(struct queue_cursor *c, const char **name)
{
	struct dirent *de;

	if (c->dir == NULL)
		return 0;
	for (;;) {
		errno = 0;
		de = readdir(c->dir);
		if (de == NULL)
			return errno != 0 ? -1 : 0;
		if (c->valid(de->d_name)) {
			*name = de->d_name;
			return 1;
		}
	}
}

void
queue_cursor_close(struct queue_cursor *c)
{
	if (c->dir != NULL)
		closedir(c->dir);
	c->dir = NULL;
}

/*
 * The directory name under dfd, made when missing and make is set, with
 * mode (fsyncing dfd after). -1 with errno.
 */
static int
subdir_make(int dfd, const char *name, bool make, mode_t mode)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);

	if (fd != -1 || errno != ENOENT || !make)
		return fd;
	if (mkdirat(dfd, name, 0700) == -1 && errno != EEXIST)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	/* mkdir's mode passed through the umask; set it as meant. */
	if (fd == -1 || fchmod(fd, mode & 07777) == -1 || fsync(dfd) == -1) {
		if (fd != -1)
			close_keep_errno(fd);
		return -1;
	}
	return fd;
}

/* A name that can be a day's directory: "YYYY-MM-DD" in digits. */
static int
tlsrpt_day_ok(const char *day)
{
	size_t i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? day[i] != '-' :
		    !(day[i] >= '0' && day[i] <= '9'))
			break;
	if (i != 10 || day[10] != '\0') {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

/* tlsrpt/DAY, as subdir_make; the mode of stats/, as for sts/. */
static int
tlsrpt_dirfd(struct queue *q, const char *day, bool make)
{
	struct stat st;
	int top, fd;

	if (!tlsrpt_day_ok(day))
		return -1;
	if (fstatat(q->rootfd, "stats", &st, 0) == -1)
		st.st_mode = 0700;
	top = subdir_make(q->rootfd, "tlsrpt", make, st.st_mode);
	if (top == -1)
		return -1;
	fd = subdir_make(top, day, make, st.st_mode);
	close_keep_errno(top);
	return fd;
}

/* A file name in a day's directory: no '/', no leading dot. */
static int
tlsrpt_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX || name[0] == '.' ||
	    strchr(name, '/') != NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int
queue_tlsrpt_append(struct queue *q, const char *day, const char *writer,
    const char *p, size_t n)
{
	char name[NAME_MAX + 1];
	int dfd, fd, ok = 0;
	ssize_t w;

	if (fmt_snprintf(name, sizeof name, "r.%s", writer) == -1 ||
	    !tlsrpt_name_ok(name))
		return 0;
	dfd = tlsrpt_dirfd(q, day, true);
	if (dfd == -1)
		return 0;
	fd = open_reg(dfd, name, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd != -1) {
		/* One write: O_APPEND keeps lines whole (tlsrpt.h's limit). */
		while ((w = write(fd, p, n)) == -1 && errno == EINTR)
			;
		ok = w >= 0 && (size_t)w == n;
		if (w >= 0 && !ok)
			errno = EIO;
		close_keep_errno(fd);
	}
	close_keep_errno(dfd);
	return ok;
}

int
queue_tlsrpt_scan(struct queue *q, const char *day,
    int (*fn)(const char *name, const struct zs *text, void *ctx), void *ctx)
{
	struct zs text = ZS_INIT;
	struct dirent *de;
	DIR *d;
	int dfd = tlsrpt_dirfd(q, day, false), r = 1, saved;

	if (dfd == -1)
		return errno == ENOENT ? 1 : -1;
	d = fdopendir(dfd);
	if (d == NULL) {
		close_keep_errno(dfd);
		return -1;
	}
	while (r == 1) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				r = -1;
			break;
		}
		if (strncmp(de->d_name, "r.", 2) != 0)
			continue;
		switch (read_at(dirfd(d), de->d_name, &text)) {
		case 1:
			r = fn(de->d_name, &text, ctx);
			break;
		case 0:
			break;
		default:
			/* A stray (a symlink, a FIFO) is passed by. */
			if (errno != QUEUE_ENOTREG)
				r = -1;
		}
	}
	saved = errno;
	closedir(d);
	zs_free(&text);
	errno = saved;
	return r;
}

int
queue_tlsrpt_mark(struct queue *q, const char *day, const char *name)
{
	int dfd, fd, ok = 0;

	if (!tlsrpt_name_ok(name) || strncmp(name, "r.", 2) == 0) {
		errno = EINVAL;
		return 0;
	}
	dfd = tlsrpt_dirfd(q, day, true);
	if (dfd == -1)
		return 0;
	fd = open_reg(dfd, name, O_WRONLY | O_CREAT, 0600);
	if (fd != -1) {
		ok = fsync(dfd) == 0;
		close_keep_errno(fd);
	}
	close_keep_errno(dfd);
	return ok;
}

int
queue_tlsrpt_marked(struct queue *q, const char *day, const char *name)
{
	struct stat st;
	int dfd, r;

	if (!tlsrpt_name_ok(name))
		return -1;
	dfd = tlsrpt_dirfd(q, day, false);
	if (dfd == -1)
		return errno == ENOENT ? 0 : -1;
	r = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 1 :
	    errno == ENOENT ? 0 : -1;
	close_keep_errno(dfd);
	return r;
}

/*
 * suspend/, made at the first write in a queue older than it, with the
 * mode of hold/ as bad/ is: operators write it (zr-qstat) and the
 * scheduler removes from it. Its names are destsusp_name's, which never
 * start with '.' nor hold a '/'.
 */
static int
suspend_dirfd(struct queue *q, bool make)
{
	struct stat st;

	if (fstatat(q->rootfd, "hold", &st, 0) == -1)
		st.st_mode = 0700;
	return subdir_make(q->rootfd, "suspend", make, st.st_mode);
}

static int
suspend_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX - 8 || name[0] == '.' ||
	    strchr(name, '/') != NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int
queue_suspend_write(struct queue *q, const char *name, const char *p,
    size_t n)
{
	char tmp[NAME_MAX + 1];
	int dfd, ok;

	/* "suspend.<name>" in tmp/ is never an id, so never taken for mail. */
	if (!suspend_name_ok(name) ||
	    fmt_snprintf(tmp, sizeof tmp, "suspend.%s", name) == -1)
		return 0;
	dfd = suspend_dirfd(q, true);
	ok = replace_at(q, dfd, name, tmp, p, n);
	if (dfd != -1) {
		int saved = errno;

		close(dfd);
		errno = saved;
	}
	return ok;
}

int
queue_suspend_remove(struct queue *q, const char *name)
{
	int dfd, r;

	if (!suspend_name_ok(name))
		return -1;
	if ((dfd = suspend_dirfd(q, false)) == -1)
		return errno == ENOENT ? 0 : -1;
	r = unlinkat(dfd, name, 0) == 0 ? 1 : errno == ENOENT ? 0 : -1;
	if (r == 1 && fsync(dfd) == -1)
		r = -1;
	close(dfd);
	return r;
}

int
queue_suspend_scan(struct queue *q, struct timespec *mtime,
    int (*fn)(const char *name, const struct zs *text, void *ctx), void *ctx)
{
	struct zs t = ZS_INIT;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int dfd = suspend_dirfd(q, false), r = 1;

	if (dfd == -1) {
		mtime->tv_sec = mtime->tv_nsec = 0;
		return errno == ENOENT ? 1 : -1;
	}
	if (fstat(dfd, &st) == -1 || (dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	*mtime = st.st_mtim;
	while (r == 1 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* Strays (a symlink, a FIFO) read as errors and are passed. */
		if (read_at(dfd, de->d_name, &t) == 1)
			r = fn(de->d_name, &t, ctx);
	}
	closedir(dir);
	zs_free(&t);
	return r;
}

int
queue_suspend_mtime(struct queue *q, struct timespec *mtime)
{
	struct stat st;

	if (fstatat(q->rootfd, "suspend", &st, AT_SYMLINK_NOFOLLOW) == -1) {
		mtime->tv_sec = mtime->tv_nsec = 0;
		return errno == ENOENT ? 0 : -1;
	}
	*mtime = st.st_mtim;
	return 1;
}
