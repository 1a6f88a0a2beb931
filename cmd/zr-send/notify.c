/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "grow.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "proc.h"

#define NOTIFY_TAG ".notify-"
#define NOTIFY_TAGLEN 8
/* More would be a record zr-send did not write. */
#define NOTIFY_RECORD_MAX 65536

/*
 * The event log, in zr-send's shape (send.c): "bounce msg N: ..." with
 * the id last, as qmail's log tools read it.
 */
static void
note(const struct notify_item *it, const struct zs *text)
{
	struct zs l = ZS_INIT;

	if (zs_cats(&l, "bounce msg ") && zs_catulong(&l, it->ino) &&
	    zs_cats(&l, ": ") && zs_catb(&l, text->s, text->len) &&
	    zs_cats(&l, " id=") && zs_catb(&l, it->name, QUEUE_ID_LEN) &&
	    zs_catc(&l, '\n'))
		(void)!write(2, l.s, l.len);
	zs_free(&l);
}

void
notify_init(struct notify_set *ns, const char *bounce,
    const struct send_conf *conf)
{
	memset(ns, 0, sizeof *ns);
	ns->bounce = bounce;
	ns->conf = conf;
}

static int
make_name(char name[NOTIFY_NAME_MAX + 1], const char *id, const char *tag,
    const char *key)
{
	return fmt_snprintf(name, NOTIFY_NAME_MAX + 1, "%s%s%s", id, tag,
	    key) != -1;
}

static int
add(struct notify_set *ns, const char *name, unsigned long long ino,
    long long now)
{
	struct notify_item *it;
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].name, name) == 0)
			return 1;	/* already owed, maybe running */
	if (!grow(&ns->v, &ns->cap, ns->n + 1))
		return 0;
	it = &ns->v[ns->n++];
	memset(it, 0, sizeof *it);
	memcpy(it->name, name, strlen(name) + 1);
	it->ino = ino;
	it->next = now;
	it->rfd = -1;
	it->out = (struct zs)ZS_INIT;
	return 1;
}

int
notify_record(struct notify_set *ns, struct queue *q, const char *id,
    unsigned long long ino, const char *kind, const char *key,
    const unsigned char *pick, size_t nrcpt)
{
	char name[NOTIFY_NAME_MAX + 1];
	struct zs r = ZS_INIT;
	size_t i;
	int ok;

	if (!make_name(name, id, NOTIFY_TAG, key)) {
		errno = ENAMETOOLONG;
		return 0;
	}
	ok = zs_cats(&r, "zr-notify 1\nkind ") && zs_cats(&r, kind) &&
	    zs_catc(&r, '\n');
	if (ok && pick != NULL) {
		ok = zs_cats(&r, "rcpts");
		for (i = 0; ok && i < nrcpt; i++)
			if (pick[i])
				ok = zs_catc(&r, ' ') && zs_catulong(&r, i);
		ok = ok && zs_catc(&r, '\n');
	}
	/* Durable (write, fdatasync, rename, fsync state/) before it counts. */
	ok = ok && queue_state_write(q, name, r.s, r.len) &&
	    add(ns, name, ino, 0);
	zs_free(&r);
	return ok;
}

bool
notify_known(struct queue *q, const char *id, const char *key)
{
	char name[NOTIFY_NAME_MAX + 1];
	struct zs t = ZS_INIT;
	bool known = false;

	if (make_name(name, id, NOTIFY_TAG, key))
		known = queue_state_read(q, name, &t) != 0;
	if (!known && make_name(name, id, ".dsn-", key))
		known = queue_state_read(q, name, &t) != 0;
	zs_free(&t);
	return known;
}

void
notify_load_name(struct notify_set *ns, struct queue *q, const char *name)
{
	char id[QUEUE_ID_SIZE];
	enum queue_dir d;
	struct stat st;
	unsigned long long ino = 0;

	if (strncmp(name + QUEUE_ID_LEN, NOTIFY_TAG, NOTIFY_TAGLEN) != 0 ||
	    strlen(name) > NOTIFY_NAME_MAX)
		return;
	/* A stray under a record's name is cleanup's to set aside. */
	if (queue_state_stat(q, name, &st) != 1 || !S_ISREG(st.st_mode))
		return;
	memcpy(id, name, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	/* Without its message, cleanup removes it as an orphan. */
	if (queue_locate(q, id, &d) != 1)
		return;
	if (queue_stat(q, d, id, &st) == 1)
		ino = (unsigned long long)st.st_ino;
	if (!add(ns, name, ino, 0))
		warn_sys("id=", id, " record=state/", name,
		    " reason=\"unable to remember it\"");
}

/* The record's "kind" and "rcpts" fields as zr-bounce's arguments. */
static int
read_record(struct queue *q, const char *name, struct zs *t, char **argv,
    size_t *n, size_t max)
{
	char *p, *end, *nl;

	if (queue_state_read(q, name, t) != 1 || t->len > NOTIFY_RECORD_MAX ||
	    !zs_0(t))
		return 0;
	p = t->s;
	end = t->s + t->len;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL || (size_t)(nl - p) != 11 ||
	    memcmp(p, "zr-notify 1", 11) != 0)
		return 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return 0;
		*nl = '\0';
		if (strncmp(p, "kind ", 5) == 0 && *n + 2 <= max) {
			argv[(*n)++] = "-t";
			argv[(*n)++] = p + 5;
		} else if (strncmp(p, "rcpts", 5) == 0) {
			/* Indexes go last, after the id: kept for later. */
			argv[max] = p + 5;
		} else {
			return 0;
		}
	}
	return 1;
}

static void
spawn(struct notify_set *ns, struct queue *q, struct notify_item *it,
    long long now)
{
	char id[QUEUE_ID_SIZE], **argv = NULL, *rc, *sp;
	struct zs t = ZS_INIT;
	size_t n = 0, max;
	int fd[2] = { -1, -1 };
	pid_t pid;

	memcpy(id, it->name, QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	max = 16;
	argv = calloc(max + 1, sizeof *argv);
	if (argv == NULL)
		goto later;
	argv[n++] = "zr-bounce";
	argv[n++] = "-q";
	argv[n++] = ".";
	if (!read_record(q, it->name, &t, argv, &n, max)) {
		/* Gone with its message, or not ours: nothing more to do. */
		warn_x("dropping unreadable notification record state/",
		    it->name);
		it->next = -1;
		goto out;
	}
	rc = argv[max];
	argv[max] = NULL;
	it->nrcpt = 0;
	argv[n++] = "-k";
	argv[n++] = it->name + QUEUE_ID_LEN + NOTIFY_TAGLEN;
	argv[n++] = id;
	/* The indexes, split in place: one argument each. */
	if (rc != NULL) {
		size_t cnt = 0;

		for (sp = rc; *sp != '\0'; sp++)
			cnt += *sp == ' ';
		if (n + cnt + 1 > max) {
			char **nv = realloc(argv, (n + cnt + 1) * sizeof *nv);

			if (nv == NULL)
				goto later;
			argv = nv;
		}
		for (sp = rc; *sp != '\0';) {
			while (*sp == ' ')
				*sp++ = '\0';
			if (*sp == '\0')
				break;
			argv[n++] = sp;
			it->nrcpt++;
			sp += strcspn(sp, " ");
		}
	}
	argv[n] = NULL;
	if (pipe(fd) == -1)
		goto later;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		close(fd[0]);
		if (null != -1)
			dup2(null, 0);
		dup2(fd[1], 1);
		if (fd[1] != 1)
			close(fd[1]);
		execv(ns->bounce, argv);
		warn_sys("unable to run ", ns->bounce);
		_exit(EXIT_TEMP);
	}
	if (pid == -1)
		goto later;
	close(fd[1]);
	(void)fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fd[0], F_SETFL, O_NONBLOCK);
	it->pid = pid;
	it->rfd = fd[0];
	it->deadline = now + (long long)ns->conf->bouncetimeout * 1000;
	it->out.len = 0;
	ns->running++;
	goto out;
later:
	warn_sys("unable to run ", ns->bounce, " for state/", it->name);
	if (fd[0] != -1) {
		close(fd[0]);
		close(fd[1]);
	}
	it->next = now + 1000LL * (long long)send_retry_delay(ns->conf,
	    ++it->tries);
out:
	zs_free(&t);
	free(argv);
}

static void
drop(struct notify_set *ns, size_t i)
{
	zs_free(&ns->v[i].out);
	ns->v[i] = ns->v[--ns->n];
}

static const char *
kind_of(const struct notify_item *it)
{
	const char *k = it->name + QUEUE_ID_LEN + NOTIFY_TAGLEN;

	return strncmp(k, "failure", 7) == 0 ? "failure" :
	    strncmp(k, "success", 7) == 0 ? "success" : "delay";
}

/* zr-bounce ended with status (or was cut short): 1 to drop the item. */
static int
ended(struct notify_set *ns, struct queue *q, struct notify_item *it,
    int status, bool timeout, long long now)
{
	char why[64];
	unsigned long long d;

	if (it->rfd != -1) {
		char b[256];
		ssize_t r;

		while ((r = read(it->rfd, b, sizeof b)) > 0)
			if (it->out.len < 256)
				(void)zs_catb(&it->out, b, (size_t)r);
		close(it->rfd);
		it->rfd = -1;
	}
	it->pid = 0;
	ns->running--;
	if (!timeout && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (!queue_state_remove(q, it->name))
			warn_sys("unable to remove state/", it->name);
		/* Only a report id printed means a report in the queue. */
		if (it->out.len > QUEUE_ID_LEN && zs_0(&it->out) &&
		    it->out.s[QUEUE_ID_LEN] == '\n') {
			it->out.s[QUEUE_ID_LEN] = '\0';
			if (queue_id_valid(it->out.s)) {
				struct zs w = ZS_INIT;

				ns->queued++;
				if (zs_cats(&w, "notification of ") &&
				    zs_cats(&w, kind_of(it)) &&
				    zs_cats(&w, " queued") && (it->nrcpt == 0 ||
				    (zs_cats(&w, " rcpts=") &&
				    zs_catulong(&w, it->nrcpt))))
					note(it, &w);
				zs_free(&w);
			}
		}
		return 1;
	}
	if (timeout)
		memcpy(why, "timeout", 8);
	else if (WIFSIGNALED(status))
		(void)fmt_snprintf(why, sizeof why, "signal %d",
		    WTERMSIG(status));
	else
		(void)fmt_snprintf(why, sizeof why, "exit %d",
		    WEXITSTATUS(status));
	d = send_retry_delay(ns->conf, ++it->tries);
	it->next = now + 1000LL * (long long)d;
	{
		struct zs w = ZS_INIT;

		if (zs_cats(&w, "zr-bounce failed (") && zs_cats(&w, why) &&
		    zs_cats(&w, "); notification pending, retry in ") &&
		    zs_catulong(&w, d) && zs_catc(&w, 's'))
			note(it, &w);
		zs_free(&w);
	}
	return 0;
}

void
notify_step(struct notify_set *ns, struct queue *q, long long now,
    bool stopping)
{
	size_t i;

	for (i = ns->n; i > 0; i--) {
		struct notify_item *it = &ns->v[i - 1];
		int status = 0;
		pid_t r;

		if (it->pid == 0) {
			if (it->next < 0) {
				drop(ns, i - 1);
			}
			continue;
		}
		r = waitpid(it->pid, &status, WNOHANG);
		if (r == 0 && now >= it->deadline) {
			/* Cut short; the reap of the next turns sees it go. */
			kill(it->pid, SIGKILL);
			it->deadline = -1;
			continue;
		}
		if (r == 0 || (r == -1 && errno == EINTR))
			continue;
		if (ended(ns, q, it, status, it->deadline == -1, now))
			drop(ns, i - 1);
	}
	for (i = 0; !stopping && i < ns->n && ns->running < NOTIFY_CHILDREN;
	    i++)
		if (ns->v[i].pid == 0 && ns->v[i].next >= 0 &&
		    ns->v[i].next <= now)
			spawn(ns, q, &ns->v[i], now);
}

size_t
notify_pollfds(const struct notify_set *ns, struct pollfd *pf)
{
	size_t i, n = 0;

	for (i = 0; i < ns->n && n < NOTIFY_CHILDREN; i++)
		if (ns->v[i].rfd != -1) {
			pf[n].fd = ns->v[i].rfd;
			pf[n++].events = POLLIN;
		}
	return n;
}

void
notify_input(struct notify_set *ns, const struct pollfd *pf, size_t n)
{
	size_t i, k;

	for (k = 0; k < n; k++) {
		if (pf[k].revents == 0)
			continue;
		for (i = 0; i < ns->n; i++) {
			struct notify_item *it = &ns->v[i];
			char b[256];
			ssize_t r;

			if (it->rfd != pf[k].fd)
				continue;
			r = read(it->rfd, b, sizeof b);
			if (r > 0 && it->out.len < 256)
				(void)zs_catb(&it->out, b, (size_t)r);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				/* It is ending: the reap follows shortly. */
				close(it->rfd);
				it->rfd = -1;
			}
			break;
		}
	}
}

long long
notify_wake(const struct notify_set *ns, long long now)
{
	long long wake = -1;
	size_t i;

	for (i = 0; i < ns->n; i++) {
		const struct notify_item *it = &ns->v[i];
		long long w;

		if (it->pid != 0)
			/* Reaped by polling: soon once its pipe closed. */
			w = it->rfd == -1 ? now + 10 :
			    it->deadline < 0 ? now + 10 : it->deadline;
		else if (it->next < 0)
			w = now;
		else if (ns->running >= NOTIFY_CHILDREN)
			continue;
		else
			w = it->next;
		if (wake == -1 || w < wake)
			wake = w;
	}
	return wake;
}

void
notify_stop(struct notify_set *ns)
{
	size_t i;

	/*
	 * A zr-bounce cut short repeats its work, once, at the next start:
	 * it is idempotent, so it may be stopped anywhere, and SIGKILL
	 * bounds the wait below.
	 */
	for (i = 0; i < ns->n; i++) {
		struct notify_item *it = &ns->v[i];

		if (it->pid != 0) {
			kill(it->pid, SIGKILL);
			(void)proc_wait(it->pid, NULL);
		}
		if (it->rfd != -1)
			close(it->rfd);
		zs_free(&it->out);
	}
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

/* The notifications of an attempt. */

/* Whether a recipient delivered in this attempt asked to hear of it. */
bool
notify_success_wanted(const struct msg *m)
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
	warn_sys("id=", m->id, " reason=\"unable to record a "
	    "notification\"");
	return false;
}

/*
 * The notifications an attempt calls for (RFC 3461), recorded in state/
 * before m moves on, for zr-bounce to make (notify.c). false when one
 * could not be recorded: m must then not move on.
 */
bool
notify_attempt(struct send *s, struct msg *m, long long now, bool deferred)
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
		if (zs_cats(&l, "bounce ") && log_msg(&l, m->ino) &&
		    zs_cats(&l, ": notices are off (control/bounces); none sent"
		    " rcpts=") && log_num(&l, nfail) && log_id(&l, m->id))
			log_line(&l);
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
