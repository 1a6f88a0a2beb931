/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "fmt.h"
#include "oauth.h"
#include "proc.h"
#include "scan.h"

/* The token line, its end, and a short "expires_in N" line. */
#define OAUTH_OUT_MAX (OAUTH_TOKEN_MAX + 2 + 64)
_Static_assert(OAUTH_TOKEN_MAX == 8192, "the messages name the limit");

static long long
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
oauth_wipe(struct zs *z)
{
	if (z->s != NULL)
		memset(z->s, 0, z->cap);
	zs_free(z);
}

static int
why2(struct zs *why, const char *a, const char *b)
{
	why->len = 0;
	if (!zs_cats(why, "token program: ") || !zs_cats(why, a) ||
	    !zs_cats(why, b) || !zs_0(why))
		why->len = 0;
	return 0;
}

bool
oauth_is_program(const char *pass)
{
	return strncmp(pass, "oauth2", 6) == 0 &&
	    (pass[6] == '\0' || pass[6] == ' ' || pass[6] == '\t');
}

/* Whether c may be in a token: printable, no blank (RFC 6750 2.1). */
static bool
token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

int
oauth_parse(const char *p, size_t n, struct zs *token,
    unsigned long long *lifetime, struct zs *why)
{
	const char *nl = memchr(p, '\n', n);
	size_t len = nl != NULL ? (size_t)(nl - p) : n, i;

	*lifetime = OAUTH_LIFETIME_MAX;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return why2(why, "printed no token", "");
	if (len > OAUTH_TOKEN_MAX)
		return why2(why, "the token line is longer than the limit ",
		    "(8192 bytes)");
	for (i = 0; i < len; i++)
		if (!token_char((unsigned char)p[i]))
			return why2(why, "the token holds a blank or a "
			    "control character", "");
	if (nl != NULL) {
		const char *q = nl + 1;
		size_t m = n - (size_t)(q - p), k;
		unsigned long long u;

		if (memchr(q, '\n', m) != NULL)
			m = (size_t)((const char *)memchr(q, '\n', m) - q);
		if (m > 0 && q[m - 1] == '\r')
			m--;
		if (m > 11 && memcmp(q, "expires_in ", 11) == 0) {
			k = scan_ulongb(q + 11, m - 11, &u);
			if (k != m - 11)
				return why2(why, "malformed expires_in line",
				    "");
			if (u < *lifetime)
				*lifetime = u;
		}
	}
	token->len = 0;
	return zs_copyb(token, p, len) && zs_0(token) ? 1 :
	    why2(why, "", strerror(errno));
}

static void
kill_wait(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	(void)proc_wait(pid, status);
}

/* The child's side: never returns. */
static void
child(int wfd, char **argv)
{
	int fd = open("/dev/null", O_RDWR);

	/* Its own group, so that the deadline can kill what it starts. */
	setpgid(0, 0);
	if (fd == -1 || dup2(fd, 0) == -1 || dup2(fd, 2) == -1 ||
	    dup2(wfd, 1) == -1)
		_exit(126);
	/* zr-remote ignores SIGPIPE; the program should not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	if (fd > 2)
		close(fd);
	if (wfd > 2)
		close(wfd);
	execv(argv[0], argv);
	_exit(127);
}

/* Run argv with a deadline; out gets at most OAUTH_OUT_MAX + 1 bytes. */
static int
run(char **argv, unsigned timeout, struct zs *out, struct zs *why)
{
	int p[2], status = 0;
	pid_t pid;
	long long deadline = now_ms() + (long long)timeout * 1000;
	char num[32];
	bool eof = false, late = false, big = false;

	if (pipe(p) == -1)
		return why2(why, "pipe: ", strerror(errno));
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		return why2(why, "fork: ", strerror(errno));
	}
	if (pid == 0)
		child(p[1], argv);
	close(p[1]);
	while (!eof && !late && !big) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0) {
			late = true;
			break;
		}
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) <= 0)
			continue;
		if (!zs_readyplus(out, 4096)) {
			close(p[0]);
			kill_wait(pid, &status);
			return why2(why, "", strerror(errno));
		}
		r = read(p[0], out->s + out->len, out->cap - out->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			eof = true;
		else
			out->len += (size_t)r;
		if (out->len > OAUTH_OUT_MAX)
			big = true;
	}
	close(p[0]);
	/* Its output is complete; it gets the rest of the time to exit. */
	while (!late && !big) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w == -1 && errno != EINTR) {
			kill_wait(pid, &status);
			return why2(why, "waitpid: ", strerror(errno));
		}
		if (now_ms() >= deadline)
			late = true;
		else
			poll(NULL, 0, 10);
	}
	if (late || big) {
		kill_wait(pid, &status);
		if (late) {
			fmt_snprintf(num, sizeof num, "%us", timeout);
			return why2(why, "timed out (control/timeouttoken): ",
			    num);
		}
		return why2(why, "the token line is longer than the limit ",
		    "(8192 bytes)");
	}
	if (WIFSIGNALED(status)) {
		fmt_snprintf(num, sizeof num, "%d", WTERMSIG(status));
		return why2(why, "killed by signal ", num);
	}
	if (WEXITSTATUS(status) != 0) {
		fmt_snprintf(num, sizeof num, "%d", WEXITSTATUS(status));
		return why2(why, "exited ", num);
	}
	return 1;
}

static struct oauth_entry *
find(struct oauth_cache *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].name, name) == 0)
			return &c->e[i];
	return NULL;
}

static void
entry_free(struct oauth_entry *e)
{
	oauth_wipe(&e->token);
	zs_free(&e->spec);
	memset(e, 0, sizeof *e);
}

static struct oauth_entry *
slot(struct oauth_cache *c, const char *name)
{
	struct oauth_entry *e = find(c, name);
	size_t i, old = 0;

	if (e != NULL)
		return e;
	if (c->n == OAUTH_CACHE_MAX) {
		for (i = 1; i < c->n; i++)
			if (c->e[i].expires < c->e[old].expires)
				old = i;
		entry_free(&c->e[old]);
		e = &c->e[old];
	} else
		e = &c->e[c->n++];
	memcpy(e->name, name, strlen(name) + 1);
	return e;
}

int
oauth_token(struct oauth_cache *c, const char *name, const char *spec,
    unsigned timeout, bool fresh, struct zs *token, struct zs *why)
{
	struct oauth_entry *e = find(c, name);
	struct zs words = ZS_INIT, out = ZS_INIT;
	char *argv[OAUTH_ARGS_MAX + 1], *q;
	size_t argc = 0;
	unsigned long long life;
	int ok = 0;

	if (strlen(name) > ROUTE_AUTH_MAX)
		return why2(why, "secrets name too long", "");
	/* A changed secrets line must not go on with the old token. */
	if (e != NULL && !fresh && e->spec.s != NULL &&
	    strcmp(e->spec.s, spec) == 0 && now_s() < e->expires) {
		token->len = 0;
		return zs_cat(token, &e->token) && zs_0(token) ? 1 :
		    why2(why, "", strerror(errno));
	}
	if (!zs_copys(&words, spec) || !zs_0(&words))
		return why2(why, "", strerror(errno));
	for (q = words.s; *q != '\0';) {
		q += strspn(q, " \t");
		if (*q == '\0')
			break;
		if (argc == OAUTH_ARGS_MAX) {
			why2(why, "too many arguments", "");
			goto out;
		}
		argv[argc++] = q;
		q += strcspn(q, " \t");
		if (*q != '\0')
			*q++ = '\0';
	}
	argv[argc] = NULL;
	if (argc == 0) {
		why2(why, "none named after oauth2 in ",
		    "control/smarthost-secrets");
		goto out;
	}
	if (argv[0][0] != '/') {
		why2(why, "not an absolute path: ", argv[0]);
		goto out;
	}
	if (access(argv[0], X_OK) == -1) {
		why2(why, argv[0], errno == ENOENT ? ": no such file" :
		    ": not executable");
		goto out;
	}
	if (!run(argv, timeout, &out, why))
		goto out;
	if (!oauth_parse(out.s != NULL ? out.s : "", out.len, token, &life,
	    why))
		goto out;
	e = slot(c, name);
	oauth_wipe(&e->token);
	if (!zs_copys(&e->spec, spec) || !zs_0(&e->spec) ||
	    !zs_cat(&e->token, token)) {
		entry_free(e);
		why2(why, "", strerror(errno));
		goto out;
	}
	e->expires = now_s() + (long long)life;
	ok = 1;
out:
	oauth_wipe(&out);
	zs_free(&words);
	return ok;
}

void
oauth_forget(struct oauth_cache *c, const char *name)
{
	struct oauth_entry *e = find(c, name);

	if (e != NULL)
		e->expires = 0;
}

void
oauth_cache_free(struct oauth_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		entry_free(&c->e[i]);
	c->n = 0;
}

/* RFC 5801 5.1: "," and "=" in the authzid are escaped. */
static int
cat_saslname(struct zs *z, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ',') {
			if (!zs_cats(z, "=2C"))
				return 0;
		} else if (*s == '=') {
			if (!zs_cats(z, "=3D"))
				return 0;
		} else if (!zs_catc(z, *s))
			return 0;
	}
	return 1;
}

int
oauth_response(bool bearer, const char *user, const char *host,
    unsigned port, const struct zs *token, struct zs *out)
{
	struct zs m = ZS_INIT;
	int ok;

	if (bearer)
		ok = zs_cats(&m, "n,a=") && cat_saslname(&m, user) &&
		    zs_cats(&m, ",\001host=") && zs_cats(&m, host) &&
		    zs_cats(&m, "\001port=") && zs_catulong(&m, port) &&
		    zs_cats(&m, "\001auth=Bearer ") && zs_cat(&m, token) &&
		    zs_cats(&m, "\001\001");
	else
		ok = zs_cats(&m, "user=") && zs_cats(&m, user) &&
		    zs_cats(&m, "\001auth=Bearer ") && zs_cat(&m, token) &&
		    zs_cats(&m, "\001\001");
	out->len = 0;
	ok = ok && base64_encode((const unsigned char *)m.s, m.len, out);
	oauth_wipe(&m);
	return ok;
}
