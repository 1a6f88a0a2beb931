/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "die.h"
#include "fmt.h"
#include "grow.h"
#include "job.h"
#include "limit.h"
#include "log.h"
#include "msg.h"
#include "proc.h"

int
child_pipe(int fd[2], int extra)
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

size_t
child_busy(const struct send *s)
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

	if (!grow(&s->child, &s->capchild, s->nchild + 1))
		return NULL;
	/*
	 * Our end of the job pipe does not block (the child's is its own
	 * open file): a job larger than the pipe waits in c->jobout instead.
	 */
	if (child_pipe(in, 0) == -1)
		return NULL;
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) == -1) {
		close(in[0]);
		close(in[1]);
		return NULL;
	}
	if (child_pipe(out, 0) == -1) {
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
	c->idle_since = clock_ms();
	c->dest = SHAPE_NONE;
	/* Without one the child still works; a crash may repeat its work. */
	c->journal = results_new(&s->res, &s->q);
	if (c->journal == -1)
		warn_sys("unable to make a results journal in state/");
	return c;
}

void
child_close_input(struct child *c)
{
	if (c->wfd != -1) {
		close(c->wfd);
		c->wfd = -1;
	}
	zs_free(&c->jobout);
	c->jobat = 0;
}

int
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

/* Remember a journal that may come to hold results of m. */
static bool
results_add(struct msg *m, long journal)
{
	/* Without memory the job goes without a record, as before them. */
	if (!grow(&m->results, &m->results_cap, m->nresults + 1))
		return false;
	m->results[m->nresults++] = journal;
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

size_t
child_limit(const struct send *s)
{
	return (size_t)s->conf->concurrency;
}

/* An idle child still connected to host key, or NULL. */
static struct child *
idle_on(struct send *s, const char *key)
{
	size_t k;

	for (k = 0; k < s->nchild; k++)
		if (s->child[k].job == NULL && s->child[k].wfd != -1 &&
		    strcmp(s->child[k].key, key) == 0)
			return &s->child[k];
	return NULL;
}

/*
 * A child for j on a new session within the limits, or NULL (*held: the
 * destination's limits said no).
 */
static struct child *
child_fresh(struct send *s, const struct job *j, long long now, bool *held)
{
	struct child *c = NULL;
	size_t k;

	if (host_count(s, j->first) >= s->conf->perhost)
		return NULL;
	if (!limit_allows(s, j, NULL, now)) {
		*held = true;
		return NULL;
	}
	if (s->nchild < child_limit(s)) {
		c = spawn(s, j->first);
		if (c == NULL)
			warn_sys("unable to start a deliverer");
	} else {
		/*
		 * Take an idle child from another host only when this host
		 * has none; else wait for its own: hosts sharing few children
		 * would otherwise trade connections on every message.
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
	return c;
}

/*
 * Give pending jobs to children where the limits allow: concurrency, per
 * host, and the destination's shaping (limit.h).
 */
void
child_assign(struct send *s)
{
	long long now = clock_ms();
	size_t i = 0;

	s->shape_wake = 0;
	s->shape_held = 0;
	while (i < s->npending) {
		struct job *j = s->pending[i];
		struct child *c = idle_on(s, j->first);
		bool fresh = false, held = false;
		long long until = limit_park(s, j, now);

		/* A long wait is spent in deferred/, not in active/. */
		if (until > 0) {
			memmove(s->pending + i, s->pending + i + 1,
			    (s->npending - i - 1) * sizeof *s->pending);
			s->npending--;
			s->status_dirty = true;
			msg_job_park(s, j, until);
			continue;
		}
		/* A child already connected to the host comes first. */
		if (c != NULL && !limit_allows(s, j, c, now)) {
			/* Its session has done its share (msgsperconn). */
			if (j->dest != SHAPE_NONE &&
			    s->shape.d[j->dest].lim.msgsperconn != 0 &&
			    c->njobs >= s->shape.d[j->dest].lim.msgsperconn)
				child_close_input(c);
			s->shape_held++;
			i++;
			continue;
		}
		if (c == NULL) {
			c = child_fresh(s, j, now, &held);
			fresh = true;
			s->shape_held += held;
		}
		if (c == NULL) {
			i++;
			continue;
		}
		memcpy(c->key, j->first, strlen(j->first) + 1);
		limit_start(s, j, c, fresh, now);
		c->job = j;
		j->started = now;
		msg_job_begin(s, j);
		c->out.len = 0;
		if (!child_send_job(s, c, j))
			child_close_input(c);	/* its EOF defers the job */
		memmove(s->pending + i, s->pending + i + 1,
		    (s->npending - i - 1) * sizeof *s->pending);
		s->npending--;
		s->status_dirty = true;
	}
}

static void
child_reap(struct send *s, size_t k, const char *why)
{
	struct child *c = &s->child[k];
	int status;

	child_close_input(c);
	close(c->rfd);
	(void)proc_wait(c->pid, &status);
	if (c->job != NULL) {
		struct zs l = ZS_INIT;

		if (zs_cats(&l, "delivery ") && log_num(&l, c->job->delivery) &&
		    zs_cats(&l, ": report mangled, will defer: ") &&
		    zs_cats(&l, why) && zs_cats(&l, " msg=") &&
		    zs_cats(&l, c->job->m->id))
			log_line(&l);
		zs_free(&l);
		msg_job_done(s, c->job, NULL, "4.3.0 zr-remote ended before its "
		    "report (killed or crashed); not bounced, will retry: "
		    "possible duplicate");
		s->status_dirty = true;
	}
	zs_free(&c->out);
	if (c->journal != -1)
		results_dead(&s->res, &s->q, c->journal);
	s->child[k] = s->child[--s->nchild];
}

void
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
		c->idle_since = clock_ms();
		s->status_dirty = true;
		msg_job_done(s, j, &c->out, NULL);
		c->out.len = 0;
	}
}

static const char *
remote_path(void)
{
	static char path[4200];

	if (proc_sibling("zr-remote", path, sizeof path) &&
	    access(path, X_OK) == 0)
		return path;
	return "/usr/local/sbin/zr-remote";
}

/* A program installed beside zr-remote, in buf. */
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

void
child_programs(struct send *s, const char *remote)
{
	static char localbuf[4200], bouncebuf[4200];

	s->remote = remote != NULL ? remote : remote_path();
	s->local = sibling(s->remote, "zr-local", localbuf, sizeof localbuf);
	s->bounce = sibling(s->remote, "zr-bounce", bouncebuf,
	    sizeof bouncebuf);
}
