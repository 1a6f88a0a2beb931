/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "proc.h"

static volatile sig_atomic_t ticks;
static pid_t child;

/* Interrupts the wait; the third tick ends the child it waits for. */
static void
tick(int sig)
{
	(void)sig;
	if (++ticks == 3)
		kill(child, SIGTERM);
}

int
main(int argc, char **argv)
{
	char path[4200], small[8], self[4096];
	const char *base = strrchr(argv[0], '/');
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	struct sigaction sa;
	ssize_t n;
	int status = 0;

	(void)argc;
	base = base != NULL ? base + 1 : argv[0];
	plan(6);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	ok(proc_sibling(base, path, sizeof path) && strcmp(path, self) == 0,
	    "this program is its own sibling: %s", path);
	ok(proc_sibling("zr-no-such", path, sizeof path) &&
	    access(path, X_OK) == -1 && strlen(path) > strlen("/zr-no-such"),
	    "a missing program: its path beside us, which does not exist");
	errno = 0;
	ok(!proc_sibling("zr-remote", small, sizeof small) &&
	    errno == ENAMETOOLONG, "a path that does not fit is refused");

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	child = fork();
	if (child == 0) {
		signal(SIGALRM, SIG_IGN);
		for (;;)
			pause();
	}
	setitimer(ITIMER_REAL, &it, NULL);
	ok(proc_wait(child, &status) == child, "the child is reaped");
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	ok(ticks >= 3 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	    "after interrupted waits (%d ticks)", (int)ticks);
	ok(proc_wait(child, NULL) == -1 && errno == ECHILD,
	    "no child left: ECHILD, not a loop");
	return done();
}
