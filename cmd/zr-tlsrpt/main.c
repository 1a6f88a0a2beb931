/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <unistd.h>

#include "control.h"
#include "daily.h"
#include "die.h"

int
main(int argc, char **argv)
{
	struct daily_conf conf;

	zr_prog = "zr-tlsrpt";
	if (!daily_args(&conf, argc, argv))
		die_usage(DAILY_USAGE);
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_PERM, "refusing to run as root");
	/* zr-inject going away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (!daily_conf_load(&conf))
		die_sys(EXIT_TEMP, "unable to read control files in ",
		    control_dir());
	return daily_run(&conf);
}
