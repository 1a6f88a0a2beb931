/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "envelope.h"
#include "fmt.h"
#include "hops.h"
#include "job.h"
#include "local.h"
#include "proc.h"
#include "queue.h"
#include "qwrite.h"
#include "scan.h"
#include "status.h"

#define LOCALROOT_DEFAULT "/var/spool/zr-mail"
#define TIMEOUTLOCAL_DEFAULT 300
/* What of a command's output goes into the report. */
#define CMD_OUTPUT_MAX 400

struct local {
	struct queue q;
	struct envelope e;
	struct zs content;
	struct zs root;			/* control/localroot */
	struct zs aliases;		/* control/localaliases lines */
	size_t naliases;
	struct zs users;		/* control/localusers lines */
	size_t nusers;
	unsigned long long syncresults;	/* control/syncresults */
	int have_users;
	struct zs me;
	unsigned long long timeout;
	unsigned long maxhops;		/* control/maxhops */
	struct zs forward;		/* addresses to forward to, NUL after each */
	size_t nforward;
	unsigned seq;			/* makes Maildir names unique in-process */
};

int
local_args(struct local_conf *c, int argc, char **argv)
{
	int opt;

	memset(c, 0, sizeof *c);
	c->queuedir = queue_default();
	while ((opt = getopt(argc, argv, "q:")) != -1) {
		if (opt != 'q')
			return 0;
		c->queuedir = optarg;
	}
	return argc == optind;
}

/* A mailbox name is safe as one path component: no '/', no leading dot. */
static int
mailbox_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && s[0] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int
in_list(const struct zs *list, size_t n, const char *name)
{
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		if (strcasecmp(list->s + off, name) == 0)
			return 1;
		off += strlen(list->s + off) + 1;
	}
	return 0;
}

/* The alias line for name ("name: targets"), its targets in *targets. */
static int
alias_find(const struct local *l, const char *name, const char **targets)
{
	size_t i, off = 0, n = strlen(name);

	for (i = 0; i < l->naliases; i++) {
		const char *line = l->aliases.s + off;

		off += strlen(line) + 1;
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			*targets = line + n + 1 + strspn(line + n + 1, " \t");
			return 1;
		}
	}
	return 0;
}

static int
set_text(struct zs *text, const char *a, const char *b)
{
	text->len = 0;
	return zs_cats(text, a) && (b == NULL || zs_cats(text, b)) && zs_0(text);
}

static int
mkdir_p(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 1;
	return 0;
}

/* The lines we put on top: who sent it and for whom it was delivered. */
static int
trace_lines(const struct local *l, const char *rcpt, struct zs *out)
{
	return zs_cats(out, "Return-Path: <") && zs_cats(out, l->e.sender) &&
	    zs_cats(out, ">\nDelivered-To: ") && zs_cats(out, rcpt) &&
	    zs_catc(out, '\n');
}

static enum zr_status
maildir(struct local *l, const char *box, const char *rcpt, struct zs *text)
{
	struct zs dir = ZS_INIT, tmp = ZS_INIT, dst = ZS_INIT, head = ZS_INIT;
	char host[128], name[256];
	struct timeval tv;
	enum zr_status r = ZR_TEMP;
	int fd = -1, dfd = -1;

	if (gethostname(host, sizeof host) == -1)
		memcpy(host, "localhost", 10);
	host[sizeof host - 1] = '\0';
	/* Maildir names must not hold '/' or ':'. */
	for (char *p = host; *p != '\0'; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	gettimeofday(&tv, NULL);
	if (fmt_snprintf(name, sizeof name, "%lld.M%06ldP%ldQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), ++l->seq,
	    host) == -1)
		goto out;
	if (!zs_cat(&dir, &l->root) || !zs_catc(&dir, '/') ||
	    !zs_cats(&dir, box) || !zs_0(&dir))
		goto nomem;
	if (!mkdir_p(dir.s))
		goto sys;
	if (!zs_cats(&dir, "/tmp") || !zs_0(&dir) || !mkdir_p(dir.s))
		goto sys;
	dir.len -= 4;
	if (!zs_cats(&dir, "/cur") || !zs_0(&dir) || !mkdir_p(dir.s))
		goto sys;
	dir.len -= 4;
	if (!zs_cats(&dir, "/new") || !zs_0(&dir) || !mkdir_p(dir.s))
		goto sys;
	dir.len -= 4;
	if (!zs_cat(&tmp, &dir) || !zs_cats(&tmp, "/tmp/") ||
	    !zs_cats(&tmp, name) || !zs_0(&tmp) ||
	    !zs_cat(&dst, &dir) || !zs_cats(&dst, "/new/") ||
	    !zs_cats(&dst, name) || !zs_0(&dst) ||
	    !trace_lines(l, rcpt, &head))
		goto nomem;
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		goto sys;
	if (!buf_write_all(fd, head.s, head.len) ||
	    !buf_write_all(fd, l->content.s, l->content.len) || fsync(fd) == -1 ||
	    close(fd) == -1) {
		fd = -1;
		unlink(tmp.s);
		goto sys;
	}
	fd = -1;
	if (rename(tmp.s, dst.s) == -1) {
		unlink(tmp.s);
		goto sys;
	}
	dir.len = dst.len - strlen(name) - 1;
	if (!zs_0(&dir))
		goto nomem;
	dfd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || fsync(dfd) == -1)
		goto sys;
	r = ZR_OK;
	set_text(text, "2.0.0 delivered to mailbox ", box);
	goto out;
sys:
	set_text(text, errno == ENOSPC || errno == EDQUOT ?
	    "4.2.2 mailbox full: " : "4.3.0 unable to write the mailbox: ",
	    strerror(errno));
	goto out;
nomem:
	set_text(text, "4.3.0 out of memory", NULL);
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	zs_free(&dir);
	zs_free(&tmp);
	zs_free(&dst);
	zs_free(&head);
	return r;
}

/* In the child: the pipes become stdin and stdout+stderr, then sh -c. */
static noreturn void
command_exec(const struct local *l, const char *cmd, const char *rcpt,
    const int in[2], const int outp[2])
{
	const char *at = strrchr(rcpt, '@');
	struct zs local = ZS_INIT;

	dup2(in[0], 0);
	dup2(outp[1], 1);
	dup2(outp[1], 2);
	close(in[0]);
	close(in[1]);
	close(outp[0]);
	close(outp[1]);
	signal(SIGPIPE, SIG_DFL);
	if (zs_catb(&local, rcpt, at != NULL ? (size_t)(at - rcpt) :
	    strlen(rcpt)) && zs_0(&local)) {
		setenv("LOCAL", local.s, 1);
		setenv("HOST", at != NULL ? at + 1 : "", 1);
	}
	setenv("SENDER", l->e.sender, 1);
	setenv("RECIPIENT", rcpt, 1);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(111);
}

/*
 * Feed head then the content to the command's stdin and collect what it
 * says, both at once, so that a command that writes much before it reads
 * all cannot deadlock against us. Closes both descriptors; returns 0 if
 * the deadline passed with the command still talking.
 */
static int
command_feed(int infd, int outfd, const struct zs *head,
    const struct zs *content, time_t deadline, struct zs *said)
{
	size_t off = 0, total = head->len + content->len;

	fcntl(infd, F_SETFL, O_NONBLOCK);
	fcntl(outfd, F_SETFL, O_NONBLOCK);
	while (outfd != -1 && time(NULL) < deadline) {
		struct pollfd p[2] = { { outfd, POLLIN, 0 },
		    { infd, POLLOUT, 0 } };
		nfds_t np = infd != -1 ? 2 : 1;

		if (poll(p, np, 1000) == -1 && errno != EINTR)
			break;
		if (np == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			const char *src = off < head->len ? head->s + off :
			    content->s + (off - head->len);
			size_t n = off < head->len ? head->len - off :
			    total - off;
			ssize_t w = n > 0 ? write(infd, src, n) : 0;

			if (w > 0)
				off += (size_t)w;
			/* Done, or the command stopped reading: either way, EOF. */
			if (off == total || (w == -1 && errno != EAGAIN)) {
				close(infd);
				infd = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[512];
			ssize_t r = read(outfd, buf, sizeof buf);

			if (r > 0 && said->len < CMD_OUTPUT_MAX)
				(void)zs_catb(said, buf, (size_t)r);
			if (r == 0 || (r == -1 && errno != EAGAIN)) {
				close(outfd);
				outfd = -1;
			}
		}
	}
	if (infd != -1)
		close(infd);
	if (outfd != -1) {
		close(outfd);
		return 0;
	}
	return 1;
}

/*
 * The outcome of a command from its wait status, with one line of
 * printable text from what it said.
 */
static enum zr_status
command_result(int status, struct zs *said, struct zs *text)
{
	int permanent;

	for (size_t i = 0; i < said->len; i++)
		if ((unsigned char)said->s[i] < 32 ||
		    (unsigned char)said->s[i] > 126)
			said->s[i] = ' ';
	if (said->len > CMD_OUTPUT_MAX)
		said->len = CMD_OUTPUT_MAX;
	(void)zs_0(said);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		set_text(text, "2.0.0 delivered to a command", NULL);
		return ZR_OK;
	}
	permanent = WIFEXITED(status) && (WEXITSTATUS(status) == 100 ||
	    WEXITSTATUS(status) == 64 || WEXITSTATUS(status) == 65 ||
	    WEXITSTATUS(status) == 70 || WEXITSTATUS(status) == 76 ||
	    WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 78 ||
	    WEXITSTATUS(status) == 112);
	set_text(text, permanent ? "5.3.0 command failed: " :
	    WIFSIGNALED(status) ? "4.3.0 command killed or timed out: " :
	    "4.3.0 command failed: ", said->s != NULL ? said->s : "");
	return permanent ? ZR_PERM : ZR_TEMP;
}

/*
 * Run "|command" with the message on its standard input, as qmail-local
 * does: exit 0 delivered, 100 and the sysexits of qmail-command(8) for a
 * permanent failure, anything else temporary.
 */
static enum zr_status
command(struct local *l, const char *cmd, const char *rcpt, struct zs *text)
{
	int in[2], outp[2], status;
	struct zs head = ZS_INIT, said = ZS_INIT;
	time_t deadline = time(NULL) + (time_t)l->timeout;
	enum zr_status r;
	pid_t pid;

	if (!trace_lines(l, rcpt, &head) || pipe(in) == -1) {
		zs_free(&head);
		set_text(text, "4.3.0 unable to start the command", NULL);
		return ZR_TEMP;
	}
	if (pipe(outp) == -1) {
		close(in[0]);
		close(in[1]);
		zs_free(&head);
		set_text(text, "4.3.0 unable to start the command", NULL);
		return ZR_TEMP;
	}
	pid = fork();
	if (pid == 0)
		command_exec(l, cmd, rcpt, in, outp);
	close(in[0]);
	close(outp[1]);
	if (pid == -1) {
		close(in[1]);
		close(outp[0]);
		zs_free(&head);
		set_text(text, "4.3.0 unable to start the command", NULL);
		return ZR_TEMP;
	}
	if (!command_feed(in[1], outp[0], &head, &l->content, deadline, &said))
		kill(pid, SIGKILL);	/* past the deadline */
	zs_free(&head);
	(void)proc_wait(pid, &status);
	r = command_result(status, &said, text);
	zs_free(&said);
	return r;
}

static enum zr_status deliver(struct local *, const char *addr,
    const char *rcpt, unsigned depth, struct zs *text);

static int
rank(enum zr_status r)
{
	return r == ZR_OK ? 0 : r == ZR_PERM ? 1 : 2;
}

/* Deliver to each comma-separated target of an alias. */
static enum zr_status
targets(struct local *l, const char *list, const char *rcpt, unsigned depth,
    struct zs *text)
{
	enum zr_status worst = ZR_OK;
	struct zs one = ZS_INIT, t = ZS_INIT;
	int have = 0;

	while (*list != '\0') {
		size_t n;
		enum zr_status r;

		list += strspn(list, " \t,");
		if (*list == '\0')
			break;
		t.len = 0;
		/* A command runs to the end of the line, commas and all. */
		n = *list == '|' ? strlen(list) : strcspn(list, ",");
		one.len = 0;
		if (!zs_catb(&one, list, n) || !zs_0(&one)) {
			worst = ZR_TEMP;
			break;
		}
		while (one.len > 0 && (one.s[one.len - 1] == ' ' ||
		    one.s[one.len - 1] == '\t'))
			one.s[--one.len] = '\0';
		list += n;
		if (one.s[0] == '|')
			r = command(l, one.s + 1, rcpt, &t);
		else
			r = deliver(l, one.s, rcpt, depth + 1, &t);
		/*
		 * Report the worst outcome and its text; a temporary failure is
		 * worst, since the recipient must then be tried again.
		 */
		if (!have || rank(r) > rank(worst)) {
			(void)zs_copyb(text, t.s, t.len + 1);
			worst = r;
			have = 1;
		}
	}
	if (!have) {
		set_text(text, "5.1.1 an alias without a target", NULL);
		worst = ZR_PERM;
	}
	zs_free(&one);
	zs_free(&t);
	return worst;
}

static int
domain_is_local(const char *domain)
{
	struct zs list = ZS_INIT;
	size_t n, i, off = 0;
	int r = 0;

	if (control_readlines("localdomains", &list, &n) != 1) {
		zs_free(&list);
		return 0;
	}
	for (i = 0; i < n && !r; i++) {
		r = strcasecmp(list.s + off, domain) == 0;
		off += strlen(list.s + off) + 1;
	}
	zs_free(&list);
	return r;
}

static enum zr_status
deliver(struct local *l, const char *addr, const char *rcpt, unsigned depth,
    struct zs *text)
{
	const char *at = strrchr(addr, '@'), *list;
	char name[80];
	size_t n = at != NULL ? (size_t)(at - addr) : strlen(addr), i;

	if (depth > LOCAL_ALIAS_DEPTH) {
		set_text(text, "5.4.6 alias loop at ", addr);
		return ZR_PERM;
	}
	/* An alias target in another domain is forwarded through the queue. */
	if (at != NULL && depth > 0 && !domain_is_local(at + 1)) {
		if (!zs_cats(&l->forward, addr) || !zs_catc(&l->forward, '\0')) {
			set_text(text, "4.3.0 out of memory", NULL);
			return ZR_TEMP;
		}
		l->nforward++;
		set_text(text, "2.0.0 forwarded to ", addr);
		return ZR_OK;
	}
	if (n == 0 || n >= sizeof name) {
		set_text(text, "5.1.1 no such mailbox: ", addr);
		return ZR_PERM;
	}
	for (i = 0; i < n; i++)
		name[i] = (char)(addr[i] >= 'A' && addr[i] <= 'Z' ?
		    addr[i] + 32 : addr[i]);
	name[n] = '\0';
	if (alias_find(l, name, &list))
		return targets(l, list, rcpt, depth, text);
	/* user+extension goes to user when it has no entry of its own. */
	{
		char *plus = strchr(name, '+');

		if (plus != NULL) {
			*plus = '\0';
			if (alias_find(l, name, &list))
				return targets(l, list, rcpt, depth, text);
		}
	}
	if (!mailbox_ok(name) ||
	    (l->have_users && !in_list(&l->users, l->nusers, name))) {
		set_text(text, "5.1.1 no such mailbox: ", name);
		return ZR_PERM;
	}
	return maildir(l, name, rcpt, text);
}

/* Queue the collected forwards as a new message from the same sender. */
static int
forward(struct local *l, const char *rcpt)
{
	struct envelope f;
	struct qwrite w;
	size_t off = 0, i;
	int ok = 0;

	envelope_init(&f);
	f.arrival = (long long)time(NULL);
	f.prio = l->e.prio;
	if (!envelope_set(&f.sender, l->e.sender) ||
	    !envelope_set(&f.client, "local") ||
	    !envelope_set(&f.proto, "local"))
		goto out;
	for (i = 0; i < l->nforward; i++) {
		if (!envelope_add_rcpt(&f, l->forward.s + off, NULL, 0))
			goto out;
		off += strlen(l->forward.s + off) + 1;
	}
	if (!qwrite_open(&w, &l->q, NULL))
		goto out;
	/* Delivered-To records the hop, so a forwarding loop can be seen. */
	if (!qwrite_envelope(&w, &f) || !qwrite_puts(&w, "Delivered-To: ") ||
	    !qwrite_puts(&w, rcpt) || !qwrite_puts(&w, "\n") ||
	    !qwrite_put(&w, l->content.s, l->content.len)) {
		qwrite_abort(&w);
		goto out;
	}
	ok = qwrite_commit(&w, f.prio);
	if (ok)
		log_info("rcpt=<", rcpt, "> forwarded=", w.id);
out:
	envelope_free(&f);
	return ok;
}

/* How many times this message was delivered here already (a loop). */
static size_t
hops(const struct local *l, const char *rcpt)
{
	size_t i = 0, n = 0, len = strlen(rcpt);

	while (i < l->content.len) {
		const char *line = l->content.s + i;
		const char *nl = memchr(line, '\n', l->content.len - i);
		size_t ll = nl != NULL ? (size_t)(nl - line) : l->content.len - i;

		if (ll == 0)
			break;	/* the end of the header */
		if (ll == 14 + len && strncasecmp(line, "Delivered-To: ", 14) == 0 &&
		    strncasecmp(line + 14, rcpt, len) == 0)
			n++;
		i += ll + 1;
	}
	return n;
}

/*
 * Whether the message has gone round too often: the Delivered-To: that a
 * delivery or a forward adds is a hop, so with it the count must stay
 * within control/maxhops (lib/hops.h). The reason goes into text.
 */
static bool
looping(const struct local *l, struct zs *text)
{
	char n[FMT_ULONG], max[FMT_ULONG];
	struct hops h;

	hops_init(&h);
	(void)hops_feed(&h, l->content.s, l->content.len);
	if (!hops_over(hops_count(&h), 1, l->maxhops))
		return false;
	n[fmt_ulong(n, hops_count(&h))] = '\0';
	max[fmt_ulong(max, l->maxhops)] = '\0';
	text->len = 0;
	if (!zs_cats(text, "5.4.6 mail loop: ") || !zs_cats(text, n) ||
	    !zs_cats(text, " Received/Delivered-To fields, the limit is ") ||
	    !zs_cats(text, max) || !zs_cats(text, " (maxhops)") || !zs_0(text))
		(void)set_text(text, "5.4.6 mail loop: too many hops", NULL);
	return true;
}

static int
read_message(struct local *l, const char *path)
{
	int fd = queue_openfile(AT_FDCWD, path), r;

	if (fd == -1)
		return 0;
	envelope_free(&l->e);
	r = envelope_read(&l->e, fd) &&
	    envelope_read_content(&l->e, fd, &l->content);
	close(fd);
	return r;
}

static int
read_controls(struct local *l)
{
	size_t n;

	if (control_readline("localroot", &l->root) == -1 ||
	    control_readlines("localaliases", &l->aliases, &l->naliases) == -1 ||
	    control_readulong("syncresults", &l->syncresults, 0) == -1 ||
	    control_readulong("timeoutlocal", &l->timeout,
	    TIMEOUTLOCAL_DEFAULT) == -1 || !hops_limit(&l->maxhops))
		return 0;
	if (l->root.len == 0 && !zs_copys(&l->root, LOCALROOT_DEFAULT))
		return 0;
	if (!zs_0(&l->root))
		return 0;
	l->root.len = strlen(l->root.s);
	switch (control_readlines("localusers", &l->users, &n)) {
	case -1:
		return 0;
	case 1:
		l->have_users = 1;
		l->nusers = n;
		break;
	default:
		break;
	}
	return 1;
}

/* The report of one job (zr-remote(8)): H, a record per recipient, K. */
static void
do_job(struct local *l, const struct job_req *j, struct zs *rep)
{
	struct zs text = ZS_INIT;
	size_t i, off = 0;

	(void)job_rec(rep, JOB_HOST, "local", 5);
	if (j->bad.len > 0) {
		set_text(&text, "4.3.5 malformed job: ", j->bad.s);
		(void)job_rec(rep, JOB_MSG_TEMP, text.s, strlen(text.s));
		goto out;
	}
	if (!read_message(l, j->file.s)) {
		set_text(&text, "4.3.0 unable to read the message: ",
		    strerror(errno));
		(void)job_rec(rep, JOB_MSG_TEMP, text.s, strlen(text.s));
		goto out;
	}
	/* The job's sender wins over the envelope's (as for zr-remote). */
	if (j->have_from && !envelope_set(&l->e.sender, j->from.s)) {
		(void)job_rec(rep, JOB_MSG_TEMP, "4.3.0 out of memory", 19);
		goto out;
	}
	for (i = 0; i < (j->nrcpt ? j->nrcpt : l->e.nrcpt); i++) {
		const char *rcpt = j->nrcpt ? j->rcpts.s + off :
		    l->e.rcpt[i].addr;
		enum zr_status r;

		if (j->nrcpt)
			off += strlen(rcpt) + 1;
		l->forward.len = 0;
		l->nforward = 0;
		text.len = 0;
		if (looping(l, &text)) {
			r = ZR_PERM;
		} else if (hops(l, rcpt) >= 2) {
			set_text(&text, "5.4.6 mail loop: already delivered to ",
			    rcpt);
			r = ZR_PERM;
		} else {
			r = deliver(l, rcpt, rcpt, 0, &text);
		}
		if (r == ZR_OK && l->nforward > 0 && !forward(l, rcpt)) {
			set_text(&text, "4.3.0 unable to queue a forwarded copy: ",
			    strerror(errno));
			r = ZR_TEMP;
		}
		(void)job_rec(rep, job_rcpt_letter(r), text.s, strlen(text.s));
	}
	(void)job_rec(rep, JOB_MSG_OK, "2.0.0 local delivery done", 25);
out:
	zs_free(&text);
}

int
local_run(const struct local_conf *c, struct buf *out)
{
	char space[BUF_SIZE];
	struct local l;
	struct job_req j;
	struct buf in;
	struct zs rep = ZS_INIT;
	struct job_journal jj = JOB_JOURNAL_INIT;
	pid_t parent = getppid();
	int r = 0, code = EXIT_OK;

	memset(&l, 0, sizeof l);
	memset(&j, 0, sizeof j);
	envelope_init(&l.e);
	buf_init(&in, buf_read, 0, NULL, space, sizeof space);
	if (!queue_open(&l.q, c->queuedir) || !read_controls(&l)) {
		warn_sys("unable to open the queue or read control files");
		code = EXIT_TEMP;
		goto out;
	}
	jj.nosync = l.syncresults == 0;
	/*
	 * A scheduler that died cannot use another delivery: its successor
	 * hands the message out again.
	 */
	while (getppid() == parent && (r = job_read(&in, &j)) == 1) {
		int lk = -1;

		if (getppid() != parent) {
			/* It died while we waited for this job. */
			r = 0;
			break;
		}

		/* Held until the report is out, as zr-remote holds it. */
		if (j.results[0] != '\0' && j.file.len > 0 &&
		    (lk = queue_openfile(AT_FDCWD, j.file.s)) != -1)
			(void)flock(lk, LOCK_SH);
		rep.len = 0;
		die_set_id(job_msgid(&j));
		do_job(&l, &j, &rep);
		/* Without memory the report is cut short: zr-send defers. */
		r = job_report_send(&l.q, &jj, &j, &rep, out);
		if (lk != -1)
			close(lk);
		if (!r) {
			code = EXIT_TEMP;
			break;
		}
		job_req_free(&j);
	}
	if (r == -1)
		code = EXIT_TEMP;
out:
	if (l.q.root != NULL)
		queue_close(&l.q);
	envelope_free(&l.e);
	zs_free(&l.content);
	zs_free(&l.root);
	zs_free(&l.aliases);
	zs_free(&l.users);
	zs_free(&l.me);
	zs_free(&l.forward);
	job_req_free(&j);
	job_journal_close(&jj);
	zs_free(&rep);
	return code;
}
