/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authcheck.h"
#include "control.h"
#include "proc.h"
#include "secrets.h"
#include "zs.h"

/* A checkpassword program that takes longer than this is a failure. */
#define CHECK_TIMEOUT 30
#define CHECK_ARGS 16
#define PASSWORDS_FILE "passwords"

int
authcheck_configured(void)
{
	struct zs z = ZS_INIT;
	int r = control_readline("checkpassword", &z);

	/* Hashes others may read can be guessed offline: not used. */
	if (r == 0 && (r = secrets_private(PASSWORDS_FILE)) == 1)
		r = control_readline(PASSWORDS_FILE, &z);
	zs_free(&z);
	return r;
}

static int
by_program(const char *user, const char *pass, const char *cmdline)
{
	char *argv[CHECK_ARGS + 2], *copy, *p;
	struct zs data = ZS_INIT;
	int fds[2], status, argc = 0, r = -1;
	pid_t pid;

	copy = strdup(cmdline);
	if (copy == NULL)
		return -1;
	/* Split at blanks: the program and its arguments, no quoting. */
	for (p = copy; *p != '\0' && argc < CHECK_ARGS;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		argv[argc++] = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	argv[argc++] = "true";
	argv[argc] = NULL;
	if (argc < 2 || !zs_cats(&data, user) || !zs_catc(&data, '\0') ||
	    !zs_cats(&data, pass) || !zs_catc(&data, '\0') ||
	    !zs_cats(&data, "0") || !zs_catc(&data, '\0') || pipe(fds) == -1)
		goto out;
	pid = fork();
	if (pid == 0) {
		if (fds[0] != 3) {
			dup2(fds[0], 3);
			close(fds[0]);
		}
		close(fds[1]);
		alarm(CHECK_TIMEOUT);
		execvp(argv[0], argv);
		_exit(111);
	}
	close(fds[0]);
	if (pid == -1) {
		close(fds[1]);
		goto out;
	}
	{
		/* The program may exit without reading: no SIGPIPE for us. */
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		(void)!write(fds[1], data.s, data.len);
		signal(SIGPIPE, old);
	}
	close(fds[1]);
	if (proc_wait(pid, &status) == -1)
		goto out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 1;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		r = 0;
	else
		errno = EAGAIN;
out:
	if (data.s != NULL)
		memset(data.s, 0, data.cap);
	zs_free(&data);
	free(copy);
	return r;
}

/* zr-passwd beside this program, else as found in $PATH. */
static const char *
checker_path(void)
{
	static char path[4200];

	if (proc_sibling("zr-passwd", path, sizeof path) &&
	    access(path, X_OK) == 0)
		return path;
	return "zr-passwd";
}

int
authcheck(const char *user, const char *pass)
{
	struct zs cmd = ZS_INIT;
	int r;

	if (*user == '\0' || strchr(user, ':') != NULL)
		return 0;
	r = control_readline("checkpassword", &cmd);
	if (r == 0 && (r = secrets_private(PASSWORDS_FILE)) == 1) {
		/*
		 * control/passwords is checked by zr-passwd -c, a
		 * checkpassword program: the hashing (OpenSSL) stays out of
		 * the SMTP server, so that its start per connection is cheap.
		 */
		r = zs_cats(&cmd, checker_path()) && zs_cats(&cmd, " -c") &&
		    zs_0(&cmd) ? 1 : -1;
	}
	if (r == 1)
		r = by_program(user, pass, cmd.s);
	zs_free(&cmd);
	return r;
}
