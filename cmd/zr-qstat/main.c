/* SPDX-License-Identifier: MIT */
#include "buf.h"
#include "die.h"
#include "qstat.h"

int
main(int argc, char **argv)
{
	char space[BUF_SIZE];
	struct qstat_conf conf;
	struct buf out;
	int r;

	zr_prog = "zr-qstat";
	if (!qstat_args(&conf, argc, argv))
		die_usage(QSTAT_USAGE);
	buf_init(&out, buf_write, 1, NULL, space, sizeof space);
	r = qstat_run(&conf, &out);
	if (!buf_flush(&out))
		die_sys(EXIT_TEMP, "unable to write output");
	return r;
}
