/* SPDX-License-Identifier: MIT */
/*
 * The names of TLS levels and protocols (tls.h), apart from the code that
 * calls OpenSSL: reading a control file must not link the library.
 */
#include <string.h>
#include <strings.h>

#include "tls.h"

static const char *const level_names[] = {
	[TLS_LEVEL_NONE] = "none",
	[TLS_LEVEL_MAY] = "may",
	[TLS_LEVEL_ENCRYPT] = "encrypt",
	[TLS_LEVEL_VERIFY] = "verify",
	[TLS_LEVEL_FINGERPRINT] = "fingerprint",
	[TLS_LEVEL_SMTPS] = "smtps",
};

int
tls_level_parse(const char *s, enum tls_level *l)
{
	size_t i;

	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*l = (enum tls_level)i;
			return 1;
		}
	return 0;
}

const char *
tls_level_name(enum tls_level l)
{
	return (unsigned)l < sizeof level_names / sizeof level_names[0] ?
	    level_names[l] : "?";
}

int
tls_proto_parse(const char *s)
{
	if (strcasecmp(s, "TLSv1.2") == 0)
		return TLS1_2_VERSION;
	if (strcasecmp(s, "TLSv1.3") == 0)
		return TLS1_3_VERSION;
	if (strcasecmp(s, "TLSv1.1") == 0)
		return TLS1_1_VERSION;
	if (strcasecmp(s, "TLSv1") == 0 || strcasecmp(s, "TLSv1.0") == 0)
		return TLS1_VERSION;
	return 0;
}

