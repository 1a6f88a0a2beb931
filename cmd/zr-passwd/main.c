/* SPDX-License-Identifier: MIT */
#include "buf.h"
#include "die.h"
#include "passwd.h"

int
main(int argc, char **argv)
{
	char ispace[BUF_SIZE], ospace[512];
	struct passwd_conf conf;
	struct buf in, out;

	zr_prog = "zr-passwd";
	if (!passwd_args(&conf, argc, argv))
		die_usage(PASSWD_USAGE);
	if (conf.check != NULL)
		return passwd_check(conf.check);
	buf_init(&in, buf_read, 0, NULL, ispace, sizeof ispace);
	buf_init(&out, buf_write, 1, NULL, ospace, sizeof ospace);
	return passwd_run(&conf, &in, &out);
}
