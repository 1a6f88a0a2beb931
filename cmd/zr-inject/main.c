/* SPDX-License-Identifier: MIT */
#include <sysexits.h>

#include "die.h"
#include "inject.h"

int
main(int argc, char **argv)
{
	struct inject_conf conf;
	int r;

	zr_prog = "zr-inject";
	r = inject_args(&conf, argc, argv);
	if (r != EX_OK)
		return r;
	return inject_run(&conf);
}
