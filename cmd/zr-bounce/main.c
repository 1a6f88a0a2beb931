/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "die.h"

int
main(int argc, char **argv)
{
	char space[128];
	struct bounce_conf conf;
	struct buf out;
	int r;

	zr_prog = "zr-bounce";
	if (!bounce_args(&conf, argc, argv))
		die_usage(BOUNCE_USAGE);
	/*
	 * As root it would write the queue with root's rights. 111, not 100
	 * (which says the message is unknown or damaged): a deployment to
	 * mend, after which the report is made.
	 */
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_TEMP, "refusing to run as root: run it as the ",
		    "queue's owner");
	buf_init(&out, buf_write, 1, NULL, space, sizeof space);
	r = bounce_run(&conf, &out);
	if (!buf_flush(&out))
		die_sys(EXIT_TEMP, "unable to write output");
	return r;
}
