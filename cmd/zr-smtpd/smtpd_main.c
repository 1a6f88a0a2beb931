/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "die.h"
#include "scan.h"
#include "smtpd.h"
#include "timeoutio.h"

#define SMTPD_USAGE "zr-smtpd [-s]"
/* -S is zr-smtpd-tls's: taken over after STARTTLS (smtpd_handoff.c). */

/* Before the greeting, a refusal the client can read. */
static noreturn void
refuse(int code, const char *what, const char *detail, int sys)
{
	static const char msg[] = "421 4.3.0 Service not available\r\n";

	(void)!write(1, msg, sizeof msg - 1);
	if (sys)
		die_sys(code, what, detail);
	die_x(code, what, detail);
}

/*
 * Never run as root. Started as root (inetd, a supervisor without
 * setuidgid), take the user from $UID and $GID as envuidgid(8) sets them,
 * and check that root cannot be regained.
 */
static void
drop_root(void)
{
	const char *u = getenv("UID"), *g = getenv("GID");
	unsigned long long uid, gid;
	gid_t gl[1];

	if (geteuid() != 0 && getuid() != 0)
		return;
	if (u == NULL || g == NULL || !scan_ulong_all(u, &uid) ||
	    !scan_ulong_all(g, &gid) || uid == 0 || gid == 0 ||
	    uid > 0x7fffffffULL || gid > 0x7fffffffULL)
		refuse(EXIT_PERM, "refusing to run as root: set UID and GID ",
		    "to a user (envuidgid) or use tcpserver -u -g", 0);
	gl[0] = (gid_t)gid;
	if (setgroups(1, gl) == -1 || setgid((gid_t)gid) == -1 ||
	    setuid((uid_t)uid) == -1)
		refuse(EXIT_TEMP, "unable to drop privileges", "", 1);
	if (setuid(0) != -1 || geteuid() == 0)
		refuse(EXIT_BUG, "root privileges could be regained", "", 0);
}

int
smtpd_main(int argc, char **argv, const struct smtpd_tlsops *ops)
{
	struct smtpd_conf conf;
	struct smtpd_session *s;
	struct timeoutio tio = { 0 };
	bool smtps = false;
	const char *handed = NULL, *v;
	unsigned long long end;
	int code, opt;

	while ((opt = getopt(argc, argv, "sS:")) != -1) {
		switch (opt) {
		case 's':
			smtps = true;
			break;
		case 'S':
			handed = optarg;
			break;
		default:
			die_usage(SMTPD_USAGE);
		}
	}
	if (optind != argc)
		die_usage(SMTPD_USAGE);
	drop_root();
	if (!smtpd_conf_load(&conf)) {
		/* A TLS client would take a plain 421 for a bad handshake. */
		if (smtps)
			die_sys(EXIT_TEMP, "unable to read control/",
			    conf.err.s != NULL ? conf.err.s : "?");
		refuse(EXIT_TEMP, "unable to read control/",
		    conf.err.s != NULL ? conf.err.s : "?", 1);
	}
	conf.smtps = smtps;
	conf.handed = handed;	/* the HELO name before STARTTLS */
	/* Handed over: the session keeps the deadline zr-smtpd set. */
	v = handed != NULL ? getenv(SMTPD_SESSION_END_ENV) : NULL;
	if (v != NULL && scan_ulong_all(v, &end) && end > 0 &&
	    end < (unsigned long long)LLONG_MAX)
		conf.session_end = (long long)end;
	/* The session holds its buffers; keep it off the stack. */
	s = malloc(sizeof *s);
	if (s == NULL)
		refuse(EXIT_TEMP, "out of memory", "", 0);
	tio.seconds = (unsigned)conf.timeout;
	smtpd_init(s, &conf, timeoutio_read, 0, &tio, timeoutio_write, 1, &tio);
	s->iotimeout = &tio.seconds;
	s->tlsops = ops;
	code = smtpd_serve(s);
	smtpd_free(s);
	free(s);
	smtpd_conf_free(&conf);
	return code;
}
