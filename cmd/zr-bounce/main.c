/* SPDX-License-Identifier: MIT */
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
	buf_init(&out, buf_write, 1, NULL, space, sizeof space);
	r = bounce_run(&conf, &out);
	if (!buf_flush(&out))
		die_sys(EXIT_TEMP, "unable to write output");
	return r;
}
