/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "policy.h"

int
main(int argc, char **argv)
{
	struct policy_conf conf;

	zr_prog = "zr-sts";
	if (!policy_args(&conf, argc, argv))
		die_usage(POLICY_USAGE);
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_PERM, "refusing to run as root");
	/* A peer that goes away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (!policy_conf_load(&conf))
		die_sys(EXIT_TEMP, "unable to read control files in ",
		    control_dir());
	return policy_run(&conf);
}
