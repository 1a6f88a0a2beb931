/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "local.h"

int
main(int argc, char **argv)
{
	char space[BUF_SIZE];
	struct local_conf conf;
	struct buf out;
	int r;

	zr_prog = "zr-local";
	/* A command that exits early must not kill the deliverer. */
	signal(SIGPIPE, SIG_IGN);
	if (!local_args(&conf, argc, argv))
		die_usage(LOCAL_USAGE);
	/*
	 * As root it would write mailboxes and the queue with root's rights.
	 * 111, not 100: a deployment to mend, after which the jobs succeed.
	 */
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_TEMP, "refusing to run as root: run it as the ",
		    "queue's owner");
	buf_init(&out, buf_write, 1, NULL, space, sizeof space);
	r = local_run(&conf, &out);
	if (!buf_flush(&out))
		die_sys(EXIT_TEMP, "unable to write the report");
	return r;
}
