/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-remote/requiretls.h"

static bool
no(const char *h)
{
	return requiretls_header_no(h, strlen(h));
}

int
main(void)
{
	plan(8);
	ok(no("Subject: x\nTLS-Required: No\n\nbody\n"),
	    "TLS-Required: No in the header");
	ok(no("tls-required :\tno \r\n\r\n"),
	    "any case, CRLF, white space around the value and before the colon");
	ok(!no("Subject: x\n\nTLS-Required: No\n"),
	    "in the body it does not count");
	ok(!no("TLS-Required: Yes\n\n") && !no("TLS-Required: Nope\n\n"),
	    "No is the one value");
	ok(!no("TLS-Required-X: No\n\n") && !no("X-TLS-Required: No\n\n"),
	    "only that field name");
	ok(requiretls_level_ok(TLS_LEVEL_VERIFY) &&
	    requiretls_level_ok(TLS_LEVEL_FINGERPRINT),
	    "verify and fingerprint check the certificate");
	ok(!requiretls_level_ok(TLS_LEVEL_MAY) &&
	    !requiretls_level_ok(TLS_LEVEL_ENCRYPT) &&
	    !requiretls_level_ok(TLS_LEVEL_NONE),
	    "none, may and encrypt do not");
	ok(!requiretls_level_ok(TLS_LEVEL_SMTPS),
	    "nor does smtps, which checks no certificate");
	return done();
}
