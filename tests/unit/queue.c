/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/queue: entries that are not regular files (symlinks,
 * FIFOs, directories) are never opened as queue files, never handed on by
 * the scans, and are set aside in bad/ (made on demand) or removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"
#include "ratelimit.h"
#include "zs.h"
#include "../lib/rmtree.h"
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

	plan(31);
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

	queue_close(&q);
	zs_free(&z);
	rm_tree(AT_FDCWD, root);
	unlink(outside);
	return done();
}
