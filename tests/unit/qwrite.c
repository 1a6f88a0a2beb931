/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/qwrite, the one writer of new messages: the file is
 * invisible until commit, the envelope and content land as written, the
 * publish protocol syncs the file before the rename and the directory
 * after it (one of each per message), and every failure leaves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "queue.h"
#include "qwrite.h"
#include "zs.h"
#include "../lib/rmtree.h"
#include "../lib/syncwatch.h"
#include "../lib/tap.h"

static char root[64];

static int
path(char *p, size_t size, const char *dir, const char *name)
{
	size_t n = strlen(root), d = strlen(dir), m = strlen(name);

	if (n + d + m + 3 > size)
		return 0;
	memcpy(p, root, n);
	p[n] = '/';
	memcpy(p + n + 1, dir, d);
	p[n + 1 + d] = '/';
	memcpy(p + n + 2 + d, name, m + 1);
	return 1;
}

static int
exists(const char *dir, const char *name)
{
	char p[256];
	struct stat st;

	return path(p, sizeof p, dir, name) && lstat(p, &st) == 0;
}

/* The publish protocol, seen at each sync of a commit of watch.id. */
static struct {
	const char *id, *dir;
	int order_ok;
} watch;

static void
on_sync(int datasync, int fd)
{
	(void)fd;
	if (watch.id == NULL)
		return;
	/* The file is synced while it is still only in tmp/. */
	if (datasync && (!exists("tmp", watch.id) ||
	    exists(watch.dir, watch.id)))
		watch.order_ok = 0;
	/* The directory is synced after the rename published the file. */
	if (!datasync && (exists("tmp", watch.id) ||
	    !exists(watch.dir, watch.id)))
		watch.order_ok = 0;
}

static void
mkqueue(void)
{
	static const char *const dirs[] = { "tmp", "todo", "lock", "state" };
	char p[256];
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (path(p, sizeof p, dirs[i], ""))
			mkdir(p, 0700);
	for (i = 0; i < QD_COUNT; i++)
		if (path(p, sizeof p, queue_dir_name((enum queue_dir)i), ""))
			mkdir(p, 0700);
}

static void
new_envelope(struct envelope *e)
{
	envelope_init(e);
	e->arrival = 1700000000;
	(void)envelope_set(&e->sender, "a@example.test");
	(void)envelope_set(&e->client, "local");
	(void)envelope_set(&e->proto, "local");
	(void)envelope_add_rcpt(e, "b@example.test", NULL, 0);
}

static int
read_back(const char *dir, const char *id, struct envelope *e, struct zs *c)
{
	char p[256];
	int fd, ok;

	if (!path(p, sizeof p, dir, id) || (fd = open(p, O_RDONLY)) == -1)
		return 0;
	envelope_init(e);
	ok = envelope_read(e, fd) && envelope_read_content(e, fd, c);
	close(fd);
	return ok;
}

int
main(void)
{
	static const char body[] = "Subject: hi\n\nhello\n";
	struct queue q;
	struct qwrite w;
	struct envelope e, got;
	struct zs content = ZS_INIT;
	char id[QUEUE_ID_SIZE], p[256];
	int rfd, wfd;

	plan(17);
	memcpy(root, "/tmp/zr-unit-qwrite.XXXXXX", 27);
	if (mkdtemp(root) == NULL)
		return 1;
	mkqueue();
	if (!queue_open(&q, root) || !path(p, sizeof p, "lock", "trigger") ||
	    mkfifo(p, 0600) == -1 || !queue_trigger_listen(&q, &rfd, &wfd))
		return 1;

	new_envelope(&e);
	ok(qwrite_open(&w, &q, NULL) && queue_id_valid(w.id) &&
	    exists("tmp", w.id), "open creates tmp/<id> with a fresh id");
	ok(qwrite_envelope(&w, &e) && strcmp(e.id, w.id) == 0 &&
	    w.content == w.size && w.content > 0,
	    "the envelope takes the writer's id; the content starts after it");
	ok(qwrite_puts(&w, "Received: here\n") && qwrite_put(&w, NULL, 0) &&
	    qwrite_put(&w, body, sizeof body - 1), "puts, an empty one too");
	ok(!exists("todo/high", w.id), "nothing is visible before commit");
	memcpy(id, w.id, sizeof id);
	watch.id = id;
	watch.dir = "todo/high";
	watch.order_ok = 1;
	syncwatch_hook = on_sync;
	syncwatch_datasyncs = syncwatch_syncs = 0;
	ok(qwrite_commit(&w, PRIO_HIGH), "commit");
	ok(syncwatch_datasyncs == 1 && syncwatch_syncs == 1,
	    "one fdatasync and one fsync per message (%d, %d)",
	    syncwatch_datasyncs, syncwatch_syncs);
	ok(watch.order_ok, "the file is synced in tmp/, the directory after "
	    "the rename");
	watch.id = NULL;
	ok(exists("todo/high", id) && !exists("tmp", id),
	    "the message is published in todo/<prio>, tmp/ is empty");
	ok(read_back("todo/high", id, &got, &content) &&
	    strcmp(got.id, id) == 0 && got.data_offset == w.content &&
	    content.len == w.size - w.content &&
	    memcmp(content.s, "Received: here\n", 15) == 0 &&
	    memcmp(content.s + 15, body, sizeof body - 1) == 0,
	    "the envelope reads back and the content is what was put");
	envelope_free(&got);
	{
		char c;

		ok(read(rfd, &c, 1) == 1, "the scheduler is woken");
	}

	ok(qwrite_open(&w, &q, NULL) && qwrite_envelope(&w, &e), "another");
	memcpy(id, w.id, sizeof id);
	qwrite_abort(&w);
	ok(!exists("tmp", id) && !exists("todo/normal", id),
	    "abort leaves nothing");
	qwrite_abort(&w);
	ok(w.fd == -1, "and a second abort is harmless");

	/* A crashed try of a derived message left its tmp file behind. */
	if (path(p, sizeof p, "tmp", id)) {
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		(void)!write(fd, "half a bounce", 13);
		close(fd);
	}
	ok(qwrite_open(&w, &q, id) && strcmp(w.id, id) == 0 &&
	    qwrite_envelope(&w, &e) && qwrite_puts(&w, "x\n") &&
	    qwrite_commit(&w, PRIO_NORMAL) &&
	    read_back("todo/normal", id, &got, &content) &&
	    content.len == 2, "a given id replaces a crashed try's tmp file");
	envelope_free(&got);

	/* A commit that cannot publish leaves nothing behind. */
	if (path(p, sizeof p, "todo/low", ""))
		rmdir(p);
	errno = 0;
	ok(qwrite_open(&w, &q, NULL) && qwrite_envelope(&w, &e) &&
	    !qwrite_commit(&w, PRIO_LOW) && errno != 0, "a failed commit fails");
	ok(!exists("tmp", w.id) && w.fd == -1, "and removes its tmp file");
	errno = 0;
	e.sender[0] = '\n';
	ok(qwrite_open(&w, &q, NULL) && !qwrite_envelope(&w, &e) &&
	    errno == EINVAL, "a value that cannot be stored is EINVAL");
	qwrite_abort(&w);

	envelope_free(&e);
	zs_free(&content);
	queue_close(&q);
	rm_tree(AT_FDCWD, root);
	return done();
}
