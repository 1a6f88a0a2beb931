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
	[TLS_LEVEL_DANE] = "dane",
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


static const struct {
	const char *word, *text;
} reasons[] = {
	[TLS_REASON_NONE] = { "none", "none" },
	[TLS_REASON_HANDSHAKE] = { "handshake", "handshake failed" },
	[TLS_REASON_EXPIRED] = { "expired", "expired" },
	[TLS_REASON_NOT_YET_VALID] = { "not-yet-valid", "not yet valid" },
	[TLS_REASON_SELF_SIGNED] = { "self-signed", "self-signed" },
	[TLS_REASON_UNTRUSTED] = { "untrusted-issuer", "untrusted issuer" },
	[TLS_REASON_NAME] = { "name-mismatch", "name mismatch" },
	[TLS_REASON_PIN] = { "pin-mismatch", "pin mismatch" },
	[TLS_REASON_TLSA] = { "tlsa-mismatch", "TLSA mismatch" },
	[TLS_REASON_OTHER] = { "unverified", "not verified" },
};

const char *
tls_reason_word(enum tls_reason r)
{
	return (unsigned)r < sizeof reasons / sizeof reasons[0] ?
	    reasons[r].word : "?";
}

const char *
tls_reason_text(enum tls_reason r)
{
	return (unsigned)r < sizeof reasons / sizeof reasons[0] ?
	    reasons[r].text : "?";
}
