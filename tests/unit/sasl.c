/* SPDX-License-Identifier: MIT */
/* Unit tests for SASL PLAIN/LOGIN, password checks and smart host secrets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authcheck.h"
#include "base64.h"
#include "pwhash.h"
#include "sasl.h"
#include "secrets.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/zr-sasl-test.XXXXXX";

static int
put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode) == 0;
}

static int
b64(const char *raw, size_t n, struct zs *out)
{
	out->len = 0;
	return base64_encode((const unsigned char *)raw, n, out) && zs_0(out);
}

int
main(void)
{
	struct zs z = ZS_INIT, u = ZS_INIT, p = ZS_INIT, h = ZS_INIT;
	char line[512];

	plan(27);
	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("ZR_CONTROL", dir, 1);
	/* control/passwords is checked by zr-passwd -c, found in $PATH here. */
	if (getenv("ZR_BIN") != NULL) {
		char path[4096];

		snprintf(path, sizeof path, "%s:%s", getenv("ZR_BIN"),
		    getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
		setenv("PATH", path, 1);
	}

	ok(sasl_plain_encode("alice", "pa ss", &z) && zs_0(&z) &&
	    strcmp(z.s, "AGFsaWNlAHBhIHNz") == 0, "PLAIN encodes NUL user NUL pass");
	ok(sasl_plain_decode(z.s, z.len, &u, &p) && strcmp(u.s, "alice") == 0 &&
	    strcmp(p.s, "pa ss") == 0, "and decodes back");
	b64("alice\0alice\0pw", 14, &z);
	ok(sasl_plain_decode(z.s, z.len, &u, &p) && strcmp(u.s, "alice") == 0,
	    "an authzid equal to the user is fine");
	b64("bob\0alice\0pw", 12, &z);
	ok(!sasl_plain_decode(z.s, z.len, &u, &p) && errno == EINVAL,
	    "acting for another user is refused");
	b64("\0alice", 6, &z);
	ok(!sasl_plain_decode(z.s, z.len, &u, &p), "one NUL only is refused");
	b64("\0alice\0pw\0x", 11, &z);
	ok(!sasl_plain_decode(z.s, z.len, &u, &p), "three NULs are refused");
	b64("\0\0pw", 4, &z);
	ok(!sasl_plain_decode(z.s, z.len, &u, &p), "an empty user is refused");
	ok(!sasl_plain_decode("AGFsaWNlAHBhIHNz=", 17, &u, &p),
	    "bad base64 is refused");
	{
		char big[300];

		memset(big, 'a', sizeof big);
		big[0] = '\0';
		big[1] = 'u';
		big[2] = '\0';
		b64(big, sizeof big, &z);
		ok(!sasl_plain_decode(z.s, z.len, &u, &p),
		    "a password over 255 octets is refused");
	}
	b64("alice", 5, &z);
	ok(sasl_login_decode(z.s, z.len, &u) && strcmp(u.s, "alice") == 0,
	    "a LOGIN field decodes");
	b64("al\0ice", 6, &z);
	ok(!sasl_login_decode(z.s, z.len, &u), "a LOGIN field with NUL is refused");
	{
		/* AUTH LOGIN, then an empty line: nothing was ever allocated. */
		struct zs fresh = ZS_INIT, fresh2 = ZS_INIT;

		ok(sasl_login_decode(NULL, 0, &fresh) && fresh.len == 0 &&
		    fresh.s != NULL && fresh.s[0] == '\0',
		    "an empty LOGIN answer decodes to an empty field");
		ok(!sasl_plain_decode(NULL, 0, &fresh, &fresh2) &&
		    errno == EINVAL, "an empty PLAIN answer is malformed");
		zs_free(&fresh);
		zs_free(&fresh2);
	}

	ok(authcheck_configured() == 0 && authcheck("alice", "x") == 0,
	    "without credentials nobody authenticates");
	h.len = 0;
	ok(pwhash_make("s3cret", 6, 1000, &h) && zs_0(&h), "hash");
	snprintf(line, sizeof line, "# users\nalice:%s\nbob:garbage\n", h.s);
	ok(put("passwords", line, 0600) && authcheck_configured() == 1,
	    "control/passwords");
	ok(authcheck("alice", "s3cret") == 1, "the right password");
	ok(authcheck("alice", "wrong") == 0 && authcheck("carol", "s3cret") == 0,
	    "a wrong password, an unknown user");
	ok(authcheck("bob", "garbage") == 0, "an unreadable hash grants nothing");
	snprintf(line, sizeof line, "alice:%s\n", h.s);
	ok(put("passwords", line, 0640) && authcheck_configured() == -1 &&
	    errno == EPERM, "control/passwords the group may read: refused");
	ok(authcheck("alice", "s3cret") == -1 && errno == EPERM,
	    "and no password is checked against it");
	ok(put("passwords", line, 0604) && authcheck_configured() == -1 &&
	    errno == EPERM, "nor one others may read");
	snprintf(line, sizeof line, "%s/check", dir);
	ok(put("check", "#!/bin/sh\nIFS= read -r -d '' u <&3 2>/dev/null || "
	    "u=$(tr '\\0' '\\n' <&3 | head -n 1)\n"
	    "[ \"$u\" = ann ] && exit 0\nexit 1\n", 0700) &&
	    put("checkpassword", line, 0644) && authcheck("ann", "any") == 1 &&
	    authcheck("alice", "s3cret") == 0,
	    "control/checkpassword wins, and its answer counts");
	unlink(line);
	snprintf(line, sizeof line, "%s/checkpassword", dir);
	unlink(line);

	ok(secrets_find("relay1", &u, &p) == 0, "no secrets file: no credentials");
	ok(put("smarthost-secrets", "relay1 user1 pass with blanks\n", 0600) &&
	    secrets_find("relay1", &u, &p) == 1 && strcmp(u.s, "user1") == 0 &&
	    strcmp(p.s, "pass with blanks") == 0,
	    "a password runs to the end of the line");
	ok(secrets_find("relay", &u, &p) == 0, "names match whole");
	ok(put("smarthost-secrets", "relay1 user1 pw\n", 0640) &&
	    secrets_find("relay1", &u, &p) == -1 && errno == EPERM,
	    "a file the group may read is refused");

	snprintf(line, sizeof line, "rm -rf %s", dir);
	(void)!system(line);
	zs_free(&z);
	zs_free(&u);
	zs_free(&p);
	zs_free(&h);
	return done();
}
