/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/queue: entries that are not regular files (symlinks,
 * FIFOs, directories) are never opened as queue files, never handed on by
 * the scans, and are set aside in bad/ (made on demand) or removed; the
 * publish protocol and its syncs; every move between directories; what a
 * crash leaves (a tmp file that was never published, a state file whose
 * message is gone).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "ratelimit.h"
#include "zs.h"
#include "../lib/rmtree.h"
#include "../lib/syncwatch.h"
#include "../lib/tap.h"

#define ID1 "1700000000.000001.0000000000000001"
#define ID2 "1700000000.000002.0000000000000002"
#define ID3 "1700000000.000003.0000000000000003"
#define ID4 "1700000000.000004.0000000000000004"

static char root[64], outside[128];

static void
mk(const char *rel, int dir)
{
	char p[256];
	int fd;

	memcpy(p, root, strlen(root) + 1);
	strncat(p, rel, sizeof p - strlen(p) - 1);
	if (dir) {
		mkdir(p, 0700);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd != -1) {
		(void)!write(fd, "zr-state 1\n", 11);
		close(fd);
	}
}

static int
at(const char *rel, char *p, size_t size)
{
	size_t n = strlen(root), m = strlen(rel);

	if (n + m + 1 > size)
		return 0;
	memcpy(p, root, n);
	memcpy(p + n, rel, m + 1);
	return 1;
}

static int
is_kind(const char *rel, mode_t kind)
{
	char p[256];
	struct stat st;

	return at(rel, p, sizeof p) && lstat(p, &st) == 0 &&
	    (st.st_mode & S_IFMT) == kind;
}

static int
gone(const char *rel)
{
	char p[256];
	struct stat st;

	return at(rel, p, sizeof p) && lstat(p, &st) == -1 && errno == ENOENT;
}

struct seen {
	int regular, strays;
	char kinds[128];
};

static int
on_id(const char *id, void *ctx)
{
	struct seen *s = ctx;

	(void)id;
	s->regular++;
	return 1;
}

static int
on_stray(const char *name, const char *kind, void *ctx)
{
	struct seen *s = ctx;

	(void)name;
	s->strays++;
	strncat(s->kinds, kind, sizeof s->kinds - strlen(s->kinds) - 2);
	strncat(s->kinds, " ", sizeof s->kinds - strlen(s->kinds) - 1);
	return 1;
}

/* Which directories hold id, as a bit per enum queue_dir. */
static unsigned
where(struct queue *q, const char *id)
{
	unsigned bits = 0;
	struct stat st;
	int d;

	for (d = 0; d < QD_COUNT; d++)
		if (queue_stat(q, (enum queue_dir)d, id, &st) == 1)
			bits |= 1u << d;
	return bits;
}

static int
count_id(const char *id, void *ctx)
{
	(void)id;
	++*(int *)ctx;
	return 1;
}

/* Messages the scans hand on, in every directory. */
static int
visible(struct queue *q)
{
	int n = 0, d;

	for (d = 0; d < QD_COUNT; d++)
		(void)queue_scan(q, (enum queue_dir)d, count_id, &n);
	return n;
}

/* Whether tmp/<id> exists. */
static int
tmp_has(const char *id)
{
	char p[256];
	struct stat st;

	return at("/tmp/", p, sizeof p) &&
	    strlen(p) + strlen(id) < sizeof p && (strncat(p, id, QUEUE_ID_LEN),
	    lstat(p, &st) == 0);
}

static void
diag_move(enum queue_dir from, enum queue_dir to)
{
	printf("#   move from %s to %s failed\n", queue_dir_name(from),
	    queue_dir_name(to));
}

/* At each sync of a commit: where the message is (tmp/: bit QD_COUNT). */
static struct {
	struct queue *q;
	const char *id;
	unsigned at_datasync, at_sync;
} seen;

static void
on_sync(int datasync, int fd)
{
	unsigned in_tmp;

	(void)fd;
	if (seen.q == NULL)
		return;
	in_tmp = tmp_has(seen.id) ? 1u << QD_COUNT : 0;
	if (datasync)
		seen.at_datasync = where(seen.q, seen.id) | in_tmp;
	else
		seen.at_sync = where(seen.q, seen.id) | in_tmp;
}

/* The publish protocol, every move, and what crashes leave. */
static void
moves(struct queue *q)
{
	const unsigned tmp = 1u << QD_COUNT;
	char id[QUEUE_ID_SIZE], id2[QUEUE_ID_SIZE], p[256];
	struct stat st;
	struct zs z = ZS_INIT;
	enum queue_dir d, here;
	ino_t ino;
	int fd, n, r, bad = 0;

	for (d = 0; d < QD_COUNT; d++) {
		at("/", p, sizeof p);
		strncat(p, queue_dir_name(d), sizeof p - strlen(p) - 1);
		mkdir(p, 0700);
	}
	mk("/done", 1);
	for (d = QD_DONE_DELIVERED; d <= QD_DONE_CANCELLED; d++) {
		at("/", p, sizeof p);
		strncat(p, queue_dir_name(d), sizeof p - strlen(p) - 1);
		mkdir(p, 0700);
	}

	n = visible(q);
	fd = queue_create(q, id);
	ok(fd != -1 && queue_id_valid(id) && write(fd, "zr-envelope 1\n", 14) == 14 &&
	    visible(q) == n && where(q, id) == 0,
	    "a message being written is in tmp/ only, seen by no scan");
	seen.q = q;
	seen.id = id;
	syncwatch_hook = on_sync;
	syncwatch_datasyncs = syncwatch_syncs = 0;
	ok(queue_commit(q, id, fd, QD_TODO_HIGH), "commit");
	ok(syncwatch_datasyncs == 1 && syncwatch_syncs == 1,
	    "one fdatasync and one fsync (%d, %d)",
	    syncwatch_datasyncs, syncwatch_syncs);
	ok(seen.at_datasync == tmp && seen.at_sync == 1u << QD_TODO_HIGH,
	    "the file is synced in tmp/, the directory after the rename "
	    "(%x, %x)", seen.at_datasync, seen.at_sync);
	syncwatch_hook = NULL;
	ok(queue_locate(q, id, &here) == 1 && here == QD_TODO_HIGH &&
	    visible(q) == n + 1, "then it is in todo/high and the scans see it");

	/* Every directory in turn, and back: one rename and one sync each. */
	ino = queue_stat(q, QD_TODO_HIGH, id, &st) == 1 ? st.st_ino : 0;
	here = QD_TODO_HIGH;
	for (d = 0; d <= QD_COUNT; d++) {
		enum queue_dir to = d == QD_COUNT ? QD_TODO_NORMAL :
		    (enum queue_dir)d;

		if (to == here)
			continue;
		syncwatch_syncs = 0;
		if (!queue_move(q, id, here, to) || syncwatch_syncs != 1 ||
		    where(q, id) != 1u << to ||
		    queue_stat(q, to, id, &st) != 1 || st.st_ino != ino) {
			diag_move(here, to);
			bad++;
		}
		here = to;
	}
	ok(bad == 0, "every move: the file is in the new directory only, "
	    "the same inode, one fsync");
	errno = 0;
	ok(!queue_move(q, id, QD_DEFERRED, QD_ACTIVE) && errno == ENOENT &&
	    where(q, id) == 1u << QD_TODO_NORMAL,
	    "a move from where the message is not fails and changes nothing");
	syncwatch_syncs = 0;
	ok(queue_move_nosync(q, id, QD_TODO_NORMAL, QD_ACTIVE) &&
	    syncwatch_syncs == 0 && queue_sync(q, QD_ACTIVE) &&
	    syncwatch_syncs == 1 && where(q, id) == 1u << QD_ACTIVE,
	    "the scheduler's batch: moves without a sync, then one");
	ok(queue_move(q, id, QD_ACTIVE, QD_DONE_DELIVERED) &&
	    queue_remove(q, QD_DONE_DELIVERED, id) && where(q, id) == 0,
	    "a terminal message is removed");

	/* A commit that cannot publish leaves nothing, not even in tmp/. */
	at("/done/expired", p, sizeof p);
	rmdir(p);
	fd = queue_create(q, id);
	ok(fd != -1 && !queue_commit(q, id, fd, QD_DONE_EXPIRED) &&
	    where(q, id) == 0 && !tmp_has(id),
	    "a failed commit removes its tmp file");

	/* A writer killed before its commit: tmp/<id>, never published. */
	fd = queue_create(q, id);
	close(fd);
	fd = queue_create(q, id2);
	close(fd);
	ok(visible(q) == n && where(q, id) == 0,
	    "a crashed writer's file is seen by no scan");
	ok(queue_tmp_sweep(q, time(NULL) - 3600) == 0,
	    "the sweep leaves young files to their writers");
	{
		struct timespec old[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };

		at("/tmp/", p, sizeof p);
		strncat(p, id, sizeof p - strlen(p) - 1);
		utimensat(AT_FDCWD, p, old, 0);
		ok(queue_tmp_sweep(q, time(NULL) - 3600) == 1 &&
		    !tmp_has(id) && tmp_has(id2), "and removes an old one");
	}
	ok(queue_create_as(q, id2) != -1,
	    "a derived message's retry replaces its crashed try in tmp/");
	queue_abort(q, id2, -1);

	/* state/: replaced whole; an orphan is handed on, junk is not. */
	ok(queue_state_write(q, id, "zr-state 1\n", 11) &&
	    queue_state_write(q, id, "zr-state 1\nattempts 2\n", 22) &&
	    queue_state_read(q, id, &z) == 1 && z.len == 22,
	    "a state file is replaced whole");
	mk("/state/junk", 0);
	n = 0;
	r = queue_state_scan(q, count_id, &n);
	ok(r == 1 && n == 2,
	    "the state scan hands on state files of gone messages (%d), "
	    "and passes other names by", n);
	ok(queue_state_remove(q, id) && queue_state_read(q, id, &z) == 0,
	    "and a state file is removed");
	zs_free(&z);
}

static int
count_journal(const char *name, void *ctx)
{
	(void)name;
	++*(int *)ctx;
	return 1;
}

int
main(void)
{
	struct queue q;
	struct zs z = ZS_INIT;
	struct seen s;
	char p[256];
	int fd, r;

	plan(53);
	memcpy(root, "/tmp/zr-unit-queue.XXXXXX", 26);
	if (mkdtemp(root) == NULL)
		return 1;
	memcpy(outside, root, strlen(root) + 1);
	strncat(outside, "-outside", sizeof outside - strlen(outside) - 1);
	fd = open(outside, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	(void)!write(fd, "zr-envelope 1\n", 14);
	close(fd);
	mk("/tmp", 1);
	mk("/todo", 1);
	mk("/todo/normal", 1);
	mk("/hold", 1);
	mk("/state", 1);
	mk("/lock", 1);
	mk("/todo/normal/" ID1, 0);
	at("/todo/normal/" ID2, p, sizeof p);
	(void)!symlink(outside, p);
	at("/todo/normal/" ID3, p, sizeof p);
	mkfifo(p, 0600);
	mk("/todo/normal/" ID4, 1);
	at("/state/" ID3, p, sizeof p);
	mkfifo(p, 0600);
	at("/state/" ID2, p, sizeof p);
	(void)!symlink(outside, p);
	if (!queue_open(&q, root))
		return 1;

	fd = queue_openmsg(&q, QD_TODO_NORMAL, ID1);
	ok(fd != -1, "a regular message opens");
	if (fd != -1)
		close(fd);
	errno = 0;
	ok(queue_openmsg(&q, QD_TODO_NORMAL, ID2) == -1 &&
	    errno == QUEUE_ENOTREG, "a symlink to a file outside does not");
	errno = 0;
	ok(queue_openmsg(&q, QD_TODO_NORMAL, ID3) == -1 &&
	    errno == QUEUE_ENOTREG, "a FIFO does not, and the open returns");
	errno = 0;
	ok(queue_openmsg(&q, QD_TODO_NORMAL, ID4) == -1 &&
	    errno == QUEUE_ENOTREG, "a directory does not");
	at("/todo/normal/" ID2, p, sizeof p);
	errno = 0;
	ok(queue_openfile(AT_FDCWD, p) == -1 && errno == QUEUE_ENOTREG,
	    "queue_openfile refuses the symlink by path");
	at("/todo/normal/" ID1, p, sizeof p);
	fd = queue_openfile(AT_FDCWD, p);
	ok(fd != -1 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0,
	    "and opens a regular file, blocking again");
	if (fd != -1)
		close(fd);
	errno = 0;
	ok(queue_state_read(&q, ID3, &z) == -1 && errno == QUEUE_ENOTREG,
	    "a FIFO as a state file is refused without blocking");
	errno = 0;
	ok(queue_state_read(&q, ID2, &z) == -1 && errno == QUEUE_ENOTREG,
	    "a symlink as a state file is refused");
	ok(queue_state_read(&q, ID1, &z) == 0,
	    "a missing state file is absent");

	memset(&s, 0, sizeof s);
	ok(queue_scan(&q, QD_TODO_NORMAL, on_id, &s) == 1 && s.regular == 1,
	    "queue_scan hands on the regular file only");
	memset(&s, 0, sizeof s);
	r = queue_scan_strays(&q, QD_TODO_NORMAL, on_id, on_stray, &s);
	ok(r == 1 && s.regular == 1 && s.strays == 3,
	    "queue_scan_strays reports the three strays");
	ok(strstr(s.kinds, "symlink") && strstr(s.kinds, "fifo") &&
	    strstr(s.kinds, "directory"), "with their kinds: %s", s.kinds);
	memset(&s, 0, sizeof s);
	r = queue_state_scan_strays(&q, on_id, on_stray, &s);
	ok(r == 1 && s.regular == 0 && s.strays == 2,
	    "the same in state/");

	/* This queue has no bad/: it is made when first needed. */
	ok(queue_stray(&q, QD_TODO_NORMAL, ID2) == 1 &&
	    is_kind("/bad/" ID2, S_IFLNK) && gone("/todo/normal/" ID2),
	    "a symlink is set aside in bad/, made on demand");
	ok(is_kind("/bad", S_IFDIR), "bad/ exists now");
	ok(queue_stray(&q, QD_TODO_NORMAL, ID3) == 1 &&
	    is_kind("/bad/" ID3, S_IFIFO), "a FIFO too");
	ok(queue_stray(&q, QD_TODO_NORMAL, ID4) == 1 &&
	    is_kind("/bad/" ID4, S_IFDIR), "a directory too");
	ok(queue_state_stray(&q, ID3) == 1 &&
	    is_kind("/bad/" ID3 ".state", S_IFIFO) && is_kind("/bad/" ID3,
	    S_IFIFO), "a state stray becomes bad/<name>.state");
	/* bad/ already holds ID2: the stray is removed, bad/ left as it is. */
	at("/hold/" ID2, p, sizeof p);
	mkfifo(p, 0600);
	ok(queue_stray(&q, QD_HOLD, ID2) == 2 && gone("/hold/" ID2) &&
	    is_kind("/bad/" ID2, S_IFLNK),
	    "when bad/ has the name, the stray is removed instead");
	errno = 0;
	mk("/hold/" ID2, 0);
	ok(queue_set_aside(&q, QD_HOLD, ID2) == 0 && errno == EEXIST &&
	    is_kind("/hold/" ID2, S_IFREG),
	    "queue_set_aside never replaces what bad/ holds");

	/* A symlink planted where a state file is written: not followed. */
	at("/tmp/" ID1 ".state", p, sizeof p);
	(void)!symlink(outside, p);
	ok(queue_state_write(&q, ID1, "zr-state 1\n", 11) &&
	    is_kind("/state/" ID1, S_IFREG), "a state file is written");
	fd = open(outside, O_RDONLY);
	{
		char b[32];
		ssize_t n = fd != -1 ? read(fd, b, sizeof b) : -1;

		ok(n == 14 && memcmp(b, "zr-envelope 1\n", 14) == 0,
		    "not through a symlink planted in tmp/");
	}
	if (fd != -1)
		close(fd);

	/* lock/trigger replaced by a regular file: never written to. */
	mk("/lock/trigger", 0);
	queue_trigger(&q);
	{
		struct stat st;

		at("/lock/trigger", p, sizeof p);
		ok(stat(p, &st) == 0 && st.st_size == 11,
		    "a regular file at lock/trigger is not written");
	}
	at("/lock/send", p, sizeof p);
	(void)!symlink(outside, p);
	ok(queue_lock(&q, "send") == -1 && errno == QUEUE_ENOTREG,
	    "a symlink at a lock is refused");
	/* zr-smtpd's rate table lives in lock/ too. */
	at("/lock/ratelimit", p, sizeof p);
	(void)!symlink(outside, p);
	{
		static const unsigned char key[RATELIMIT_KEY] = { 1 };
		struct stat st;

		ok(ratelimit_take(q.rootfd, "lock/ratelimit", key, 5, 60, 1) ==
		    -1 && stat(outside, &st) == 0 && st.st_size == 14,
		    "the rate table is not written through a symlink");
	}

	/* Deliverers' journals in state/. */
	ok(queue_journal_name_ok("journal.1796162757.367588."
	    "209d6a91ca33ea4a.1f") &&
	    !queue_journal_name_ok("journal.") &&
	    !queue_journal_name_ok("journal./../x") &&
	    !queue_journal_name_ok(ID1), "journal names, and what is none");
	fd = queue_journal_create(&q, "journal.1.1");
	ok(fd != -1 && queue_journal_create(&q, "journal.1.1") == -1 &&
	    errno == EEXIST, "a journal is made once (O_EXCL)");
	close(fd);
	fd = queue_journal_open(&q, "journal.1.1");
	ok(fd != -1 && write(fd, "a", 1) == 1, "and opened to append");
	close(fd);
	ok(queue_journal_open(&q, "journal.1.2") == -1 && errno == ENOENT,
	    "a journal that is gone is never made by the deliverer");
	at("/state/journal.1.3", p, sizeof p);
	(void)!symlink(outside, p);
	ok(queue_journal_open(&q, "journal.1.3") == -1 &&
	    queue_journal_create(&q, "journal.1.3") == -1,
	    "a symlink at a journal is neither followed nor replaced");
	{
		int n = 0;

		ok(queue_journal_scan(&q, count_journal, &n) == 1 && n == 2,
		    "the scan sees each journal, and no id's state file");
	}

	/* stats/ and sts/: one writer serves both. */
	mk("/stats", 1);
	ok(queue_stats_write(&q, "hist", "h 1\n", 4) == 1 &&
	    queue_stats_read(&q, "hist", &z) == 1 && z.len == 4 &&
	    memcmp(z.s, "h 1\n", 4) == 0,
	    "a stats file is written and read back");
	ok(queue_stats_write(&q, "../hist", "x", 1) == 0 && errno == EINVAL &&
	    queue_stats_write(&q, ".hist", "x", 1) == 0 && errno == EINVAL,
	    "a stats name that is a path or hidden is refused");
	ok(queue_sts_read(&q, "x.test", &z) == 0,
	    "with no sts/ yet, a record is absent");
	ok(queue_sts_write(&q, "x.test", "p\n", 2) == 1 &&
	    queue_sts_read(&q, "x.test", &z) == 1 && z.len == 2,
	    "the first sts write makes sts/, and the record reads back");
	memset(p, 'a', sizeof p - 1);
	p[NAME_MAX - 3] = '\0';	/* one more than tmp/sts.<domain> can hold */
	ok(queue_sts_write(&q, p, "x", 1) == 0 && errno == EINVAL &&
	    queue_stats_write(&q, p, "x", 1) == 0 && errno == EINVAL,
	    "a name too long for its file is refused, not cut short");

	moves(&q);
	queue_close(&q);
	zs_free(&z);
	rm_tree(AT_FDCWD, root);
	unlink(outside);
	return done();
}
