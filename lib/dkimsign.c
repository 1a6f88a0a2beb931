/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "dkimsign.h"
#include "proc.h"
#include "zs.h"

/* zr-dkim beside this program, else as found in $PATH. */
static const char *
signer_path(void)
{
	static char path[4200];

	if (proc_sibling("zr-dkim", path, sizeof path) &&
	    access(path, X_OK) == 0)
		return path;
	return "zr-dkim";
}

int
dkimsign_file(int fd)
{
	struct zs ctl = ZS_INIT;
	struct stat st;
	char *argv[] = { "zr-dkim", "sign", NULL };
	const char *prog;
	int status, r;
	pid_t pid;

	if (!zs_cats(&ctl, control_dir()) || !zs_cats(&ctl, "/dkim") ||
	    !zs_0(&ctl))
		return 0;
	r = stat(ctl.s, &st);
	zs_free(&ctl);
	if (r == -1)
		return errno == ENOENT;
	prog = signer_path();
	pid = fork();
	if (pid == -1)
		return 0;
	if (pid == 0) {
		/* Its standard output is not ours: for zr-smtpd, the client. */
		if (dup2(fd, 0) == -1 || dup2(2, 1) == -1)
			_exit(111);
		signal(SIGPIPE, SIG_DFL);
		alarm(DKIMSIGN_TIMEOUT);
		execvp(prog, argv);
		_exit(111);
	}
	if (proc_wait(pid, &status) == -1)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	errno = EAGAIN;
	return 0;
}
