/* SPDX-License-Identifier: MIT */
#include "die.h"
#include "dkimtool.h"

int
main(int argc, char **argv)
{
	struct dkimtool_conf conf;

	zr_prog = "zr-dkim";
	if (!dkimtool_args(&conf, argc, argv))
		die_usage(DKIMTOOL_USAGE);
	return dkimtool_run(&conf);	/* an EXIT_* code */
}
