/* SPDX-License-Identifier: MIT */
/*
 * Fuzz report building: the first line of the input is a remote reply,
 * the second an address, the rest the original message. Whatever they
 * hold, the delivery-status part has only the fields zr writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fields[] = {
	"Reporting-MTA:", "Original-Envelope-Id:", "Arrival-Date:",
	"Original-Recipient:", "Final-Recipient:", "Action:", "Status:",
	"Remote-MTA:", "Diagnostic-Code:", "Last-Attempt-Date:",
	"Will-Retry-Until:", NULL
};

static char *
line(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl != NULL ? (size_t)(nl - *p) : *n;
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += nl != NULL ? len + 1 : len;
	*n -= nl != NULL ? len + 1 : len;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	char *diag = line(&p, &n), *addr = line(&p, &n);
	struct dsn_rcpt r = { .addr = addr, .orcpt = NULL,
	    .action = DSN_FAILED, .status = "5.0.0", .remote_mta = diag,
	    .diagnostic = diag, .last_attempt = 1, .retry_until = 0 };
	struct dsn_report rep = { .reporting_mta = "relay.test",
	    .from = "MAILER-DAEMON@relay.test", .to = addr, .msgid = "x@y",
	    .envid = diag, .arrival = 1, .now = 2, .ret = RET_UNSET,
	    .maxbytes = 100, .boundary = "=_b", .rcpt = &r, .nrcpt = 1 };
	struct zs out = ZS_INIT;

	if (dsn_build(&rep, (const char *)p, n, &out) && zs_0(&out)) {
		static const char head[] = "\nContent-Description: Delivery "
		    "report\nContent-Type: message/delivery-status\n\n";
		char *s = strstr(out.s, head);
		char *end;

		/* The first such line is ours: nothing before it has a LF. */
		if (s == NULL)
			abort();
		s += sizeof head - 1;
		end = strstr(s, "\n--=_b");
		if (end == NULL)
			abort();
		*end = '\0';
		for (char *l = s; l != NULL && *l != '\0';) {
			char *nl = strchr(l, '\n');
			int known = *l == '\n' || *l == ' ';

			for (int i = 0; !known && fields[i] != NULL; i++)
				known = strncmp(l, fields[i], strlen(fields[i])) == 0;
			if (!known)
				abort();
			l = nl != NULL ? nl + 1 : NULL;
		}
	}
	zs_free(&out);
	free(diag);
	free(addr);
	return 0;
}
