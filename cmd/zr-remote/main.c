/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "die.h"
#include "remote.h"

int
main(int argc, char **argv)
{
	char ispace[BUF_SIZE], ospace[BUF_SIZE];
	struct remote_conf conf;
	struct buf in, out;

	(void)argv;
	zr_prog = "zr-remote";
	if (argc > 1)
		die_usage("zr-remote");
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_PERM, "refusing to run as root");
	/* A peer that goes away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (!remote_conf_load(&conf))
		die_sys(EXIT_TEMP, "unable to read control files in ",
		    control_dir());
	buf_init(&in, buf_read, 0, NULL, ispace, sizeof ispace);
	buf_init(&out, buf_write, 1, NULL, ospace, sizeof ospace);
	return remote_run(&conf, &in, &out);
}
