/* SPDX-License-Identifier: MIT */
/*
 * smtpd_handoff: zr-smtpd's way to TLS (smtpd_tls_handoff). It has no
 * OpenSSL: linked in, the library's start-up cost would fall on every
 * connection, and most are plain. At STARTTLS it executes zr-smtpd-tls (the same server, with OpenSSL) on the same
 * connection and environment, with -S and the HELO name: it answers the
 * STARTTLS, makes the handshake and the fresh session RFC 3207 4.2 asks
 * for; the exec drops whatever plain text came after STARTTLS
 * (CVE-2011-0411).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "proc.h"
#include "smtpd.h"

/* zr-smtpd-tls, beside this program. */
static const char *
tls_program(void)
{
	static char path[4200];

	if (path[0] != '\0')
		return path;
	if (!proc_sibling("zr-smtpd-tls", path, sizeof path)) {
		path[0] = '\0';
		return "zr-smtpd-tls";
	}
	return path;
}

/*
 * Hand the connection over (exec: returns only on failure, for a 454).
 * For STARTTLS, zr-smtpd-tls -S HELO answers it itself, 220 or 454, so
 * that a TLS setup it cannot make still leaves a plain session.
 */
static int
handoff_ready(struct smtpd_session *s)
{
	char *argv[] = { "zr-smtpd-tls", "-s", NULL, NULL };
	size_t early = buf_avail(&s->in);

	if (!s->conf->smtps) {
		argv[1] = "-S";
		argv[2] = s->helo.len > 0 ? s->helo.s : "-";
	}
	/*
	 * Whatever came in plain text after STARTTLS must not be taken as if
	 * it had come through TLS (CVE-2011-0411): the exec drops it.
	 */
	if (early != 0) {
		char num[FMT_ULONG];

		num[fmt_ulong(num, early)] = '\0';
		log_info("client=", s->conf->client, " starttls_discarded=",
		    num);
	}
	if (!buf_flush(&s->out))
		return 0;
	if (s->deadline > 0) {
		char end[FMT_ULONG];

		end[fmt_ulong(end, (unsigned long long)s->deadline)] = '\0';
		if (setenv(SMTPD_SESSION_END_ENV, end, 1) == -1)
			return 0;
	}
	execv(tls_program(), argv);
	warn_sys("unable to run ", tls_program());
	return 0;
}

/* Never reached: ready() handed the connection over. */
static int
handoff_start(struct smtpd_session *s)
{
	(void)s;
	return 0;
}

static void
handoff_describe(const struct smtpd_session *s, char *out, size_t n)
{
	(void)s;
	if (n > 0)
		out[0] = '\0';
}

static void
handoff_free(struct smtpd_session *s)
{
	(void)s;
}

const struct smtpd_tlsops smtpd_tls_handoff = {
	.ready = handoff_ready,
	.start = handoff_start,
	.describe = handoff_describe,
	.free = handoff_free,
};
