/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fmt.h"
#include "policy.h"

const char *
policy_name(enum tls_level l, bool smtps, char *buf, size_t n)
{
	if (!smtps)
		return tls_level_name(l);
	if (l == TLS_LEVEL_ENCRYPT || l == TLS_LEVEL_SMTPS)
		return "smtps";
	if (fmt_snprintf(buf, n, "smtps+%s", tls_level_name(l)) == -1)
		return "smtps";
	return buf;
}

int
policy_fmt(char *out, size_t n, enum tls_level l, bool smtps,
    const char *outcome, const char *reason)
{
	char b[32];

	if (fmt_snprintf(out, n, " policy=%s outcome=%s%s%s",
	    policy_name(l, smtps, b, sizeof b), outcome,
	    reason != NULL ? ":" : "", reason != NULL ? reason : "") == -1) {
		if (n > 0)
			out[0] = '\0';
		return 0;
	}
	return 1;
}

const char *
policy_outcome(enum tls_level l, bool tls)
{
	if (!tls)
		return POLICY_PLAINTEXT;
	/* At may and encrypt a verify=ok is luck, not a check. */
	return l == TLS_LEVEL_VERIFY || l == TLS_LEVEL_FINGERPRINT ||
	    l == TLS_LEVEL_DANE ?
	    POLICY_VERIFIED : POLICY_ENCRYPTED;
}

int
policy_note(char *out, size_t n, const char *key, const char *val)
{
	size_t k = strlen(out);

	if (fmt_snprintf(out + k, n - k, " %s=%s", key, val) == -1) {
		out[k] = '\0';
		return 0;
	}
	return 1;
}
