/* SPDX-License-Identifier: MIT */
/*
 * The full read and write helpers of buf.h, interrupted: a timer whose
 * handler is installed without SA_RESTART fires while they block on a
 * pipe, and the handler itself moves the data that unblocks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "buf.h"
#include "zs.h"

#define BIG (256 * 1024)

static int pipe_r, pipe_w;
static volatile sig_atomic_t ticks, mode;
static char drained[BIG];
static volatile size_t ndrained;

/* mode 1: feed the reader a piece a tick; mode 2: drain the writer. */
static void
tick(int sig)
{
	int saved = errno;

	(void)sig;
	ticks++;
	if (mode == 1 && ticks <= 2)
		(void)!write(pipe_w, ticks == 1 ? "hello" : "world", 5);
	else if (mode == 1 && ticks > 100)
		close(pipe_w);	/* it did not finish: EOF, not a hang */
	if (mode == 2) {
		ssize_t r = read(pipe_r, drained + ndrained, BIG - ndrained);

		if (r > 0)
			ndrained += (size_t)r;
	}
	errno = saved;
}

static void
timer(long usec)
{
	struct itimerval it = { { 0, usec }, { 0, usec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

int
main(void)
{
	struct sigaction sa;
	char got[16], tmpl[] = "/tmp/buf_all.XXXXXX";
	static char big[BIG];
	struct zs z = ZS_INIT;
	ssize_t n;
	size_t i;
	int p[2], fd;

	plan(9);
	memset(&sa, 0, sizeof sa);
	/* No SA_RESTART: blocking calls fail with EINTR. */
	sa.sa_handler = tick;
	sigaction(SIGALRM, &sa, NULL);

	if (pipe(p) == -1)
		return 1;
	pipe_r = p[0], pipe_w = p[1];
	mode = 1;
	timer(20000);
	n = buf_read_all(pipe_r, got, 10);
	timer(0);
	ok(n == 10 && memcmp(got, "helloworld", 10) == 0,
	    "read_all: interrupted twice, two short reads, all 10 bytes");
	ok(ticks >= 2, "the read was interrupted (%d ticks)", (int)ticks);
	close(pipe_r);
	close(pipe_w);

	if (pipe(p) == -1)
		return 1;
	pipe_r = p[0], pipe_w = p[1];
	fcntl(pipe_r, F_SETFL, O_NONBLOCK);
	for (i = 0; i < BIG; i++)
		big[i] = (char)(i * 7);
	ticks = 0;
	mode = 2;
	timer(10000);
	ok(buf_write_all(pipe_w, big, BIG), "write_all: 256 KiB into a pipe");
	timer(0);
	mode = 0;
	for (;;) {
		ssize_t r = read(pipe_r, drained + ndrained, BIG - ndrained);

		if (r <= 0)
			break;
		ndrained += (size_t)r;
	}
	ok(ndrained == BIG && memcmp(drained, big, BIG) == 0 && ticks > 0,
	    "short and interrupted writes completed in order (%d ticks)",
	    (int)ticks);
	close(pipe_r);
	close(pipe_w);

	fd = mkstemp(tmpl);
	if (fd == -1)
		return 1;
	unlink(tmpl);
	ok(buf_pwrite_all(fd, "0123456789", 10, 5), "pwrite_all at an offset");
	n = buf_pread_all(fd, got, sizeof got, 5);
	ok(n == 10 && memcmp(got, "0123456789", 10) == 0,
	    "pread_all: fewer bytes only at the end of the file");
	ok(buf_pread(fd, got, 3, 8) == 3 && memcmp(got, "345", 3) == 0,
	    "pread: one read at an offset");
	lseek(fd, 0, SEEK_SET);
	ok(buf_read_zs(fd, &z, 100) && z.len == 15 &&
	    memcmp(z.s + 5, "0123456789", 10) == 0, "read_zs to the end");
	lseek(fd, 0, SEEK_SET);
	z.len = 0;
	errno = 0;
	ok(!buf_read_zs(fd, &z, 14) && errno == EFBIG,
	    "read_zs: more than max is EFBIG");
	close(fd);
	zs_free(&z);
	return done();
}
