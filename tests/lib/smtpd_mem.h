/* SPDX-License-Identifier: MIT */
/*
 * smtpd_mem: a whole zr-smtpd session on memory for unit tests, header
 * only: a configuration to start from, a run that feeds the client's
 * bytes from a string and collects the replies, and the reply codes.
 *
 *	struct smtpd_conf c;
 *	smtpd_mem_conf(&c, "/nonexistent");
 *	c.maxjunk = 3;
 *	smtpd_mem_run(&c, "EHLO x\r\nQUIT\r\n", &out);
 *	ok(smtpd_mem_codes(&out, "220 250 221 "), "...");
 */
#ifndef ZR_SMTPD_MEM_H
#define ZR_SMTPD_MEM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/zr-smtpd/smtpd.h"
#include "memio.h"

/* me relay.test, localdomains example.com, client 192.0.2.1, no queue. */
static inline void
smtpd_mem_conf(struct smtpd_conf *c, const char *queuedir)
{
	static const char local[] = "example.com\0";

	memset(c, 0, sizeof *c);
	if (!zs_copys(&c->me, "relay.test") || !zs_0(&c->me) ||
	    !zs_copyb(&c->localdomains, local, sizeof local - 1))
		abort();
	c->nlocaldomains = 1;
	c->maxrcpt = 10;
	c->timeout = 10;
	c->queuedir = queuedir;
	c->client = "192.0.2.1";
}

/* Serve in to the end with c (freed after); the replies in out, NUL-ended. */
static inline void
smtpd_mem_run(struct smtpd_conf *c, const char *in, struct zs *out)
{
	struct smtpd_session *s = malloc(sizeof *s);
	struct memio_in m = { in, strlen(in), 0 };

	if (s == NULL)
		abort();
	out->len = 0;
	smtpd_init(s, c, memio_read, -1, &m, memio_write, -1, out);
	smtpd_serve(s);
	smtpd_free(s);
	free(s);
	smtpd_conf_free(c);
	if (!zs_0(out))
		abort();
}

/* Whether the reply codes (continuation lines skipped) are want. */
static inline int
smtpd_mem_codes(const struct zs *out, const char *want)
{
	char got[512];
	size_t k = 0;
	const char *p;

	for (p = out->s; *p != '\0' && k + 4 < sizeof got;) {
		const char *nl = strchr(p, '\n');

		if (nl == NULL)
			break;
		if (nl - p >= 4 && p[3] == ' ') {
			memcpy(got + k, p, 3);
			got[k + 3] = ' ';
			k += 4;
		}
		p = nl + 1;
	}
	got[k] = '\0';
	if (strcmp(got, want) != 0)
		printf("#   got:  %s\n#   want: %s\n", got, want);
	return strcmp(got, want) == 0;
}

#endif
