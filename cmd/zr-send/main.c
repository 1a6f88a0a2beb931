/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "queue.h"
#include "send.h"

int
main(int argc, char **argv)
{
	struct send_conf conf;
	struct zs err = ZS_INIT;
	const char *remote = NULL;
	int opt, r;

	zr_prog = "zr-send";
	while ((opt = getopt(argc, argv, "r:")) != -1) {
		switch (opt) {
		case 'r':
			remote = optarg;
			break;
		default:
			die_usage("zr-send [-r zr-remote]");
		}
	}
	if (optind != argc)
		die_usage("zr-send [-r zr-remote]");
	if (getuid() == 0 || geteuid() == 0)
		die_x(EXIT_PERM, "refusing to run as root: run it as the ",
		    "queue's owner");
	memset(&conf, 0, sizeof conf);
	route_init(&conf.routes);
	if (!send_conf_load(&conf, &err))
		die_sys(EXIT_TEMP, "unable to read control files in ",
		    control_dir(), err.len ? ": " : "", err.len ? err.s : "");
	zs_free(&err);
	r = send_run(&conf, queue_default(), remote);
	send_conf_free(&conf);
	return r;
}
