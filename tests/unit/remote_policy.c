/* SPDX-License-Identifier: MIT */
/* The policy= and outcome= fields of zr-remote's T record. */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-remote/policy.h"

int
main(void)
{
	char out[POLICY_FIELDS_MAX], b[32];

	plan(6);
	ok(policy_fmt(out, sizeof out, TLS_LEVEL_VERIFY, false,
	    policy_outcome(TLS_LEVEL_VERIFY, true), NULL) &&
	    strcmp(out, " policy=verify outcome=verified") == 0,
	    "verify over TLS: verified (%s)", out);
	ok(strcmp(policy_outcome(TLS_LEVEL_MAY, true), "encrypted") == 0 &&
	    strcmp(policy_outcome(TLS_LEVEL_ENCRYPT, true), "encrypted") == 0 &&
	    strcmp(policy_outcome(TLS_LEVEL_FINGERPRINT, true),
	    "verified") == 0, "may and encrypt only encrypt; a pin verifies");
	ok(strcmp(policy_outcome(TLS_LEVEL_MAY, false), "plaintext") == 0 &&
	    strcmp(policy_outcome(TLS_LEVEL_NONE, false), "plaintext") == 0,
	    "no TLS is plain text");
	ok(strcmp(policy_name(TLS_LEVEL_ENCRYPT, true, b, sizeof b),
	    "smtps") == 0 && strcmp(policy_name(TLS_LEVEL_FINGERPRINT, true,
	    b, sizeof b), "smtps+fingerprint") == 0,
	    "smtps alone, and with its check");
	ok(policy_fmt(out, sizeof out, TLS_LEVEL_FINGERPRINT, true, "failed",
	    "starttls-refused") && strcmp(out, " policy=smtps+fingerprint "
	    "outcome=failed:starttls-refused") == 0,
	    "the longest fields fit: %s", out);
	ok(!policy_fmt(out, 8, TLS_LEVEL_VERIFY, false, "verified", NULL) &&
	    out[0] == '\0', "too small: empty, not cut");
	return done();
}
