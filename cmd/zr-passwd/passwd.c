/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "die.h"
#include "passwd.h"
#include "pwhash.h"
#include "scan.h"
#include "zs.h"

/* A user name is one field of a "user:hash" line: no ':' and no blanks. */
static int
user_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= ' ' || c == ':' || c == 127)
			return 0;
	}
	return 1;
}

int
passwd_args(struct passwd_conf *c, int argc, char **argv)
{
	unsigned long long u;
	int opt;

	c->iterations = PWHASH_ITERATIONS;
	while ((opt = getopt(argc, argv, "i:")) != -1) {
		if (opt != 'i' || !scan_ulong_all(optarg, &u) ||
		    u < PWHASH_MIN_ITERATIONS || u > PWHASH_MAX_ITERATIONS)
			return 0;
		c->iterations = (unsigned long)u;
	}
	if (argc - optind != 1 || !user_ok(argv[optind]))
		return 0;
	c->user = argv[optind];
	return 1;
}

int
passwd_run(const struct passwd_conf *c, struct buf *in, struct buf *out)
{
	struct zs pw = ZS_INIT, line = ZS_INIT;
	int r, code = EXIT_TEMP;

	r = buf_getline(in, &pw, '\n', 1025);
	if (r == -1 && errno == E2BIG) {
		warn_x_("fatal", "password longer than 1024 bytes",
		    (const char *)0);
		code = EXIT_PERM;
		goto out;
	}
	if (r == -1) {
		warn_sys_("fatal", "unable to read the password",
		    (const char *)0);
		goto out;
	}
	while (pw.len > 0 && (pw.s[pw.len - 1] == '\n' ||
	    pw.s[pw.len - 1] == '\r'))
		pw.len--;
	if (pw.len == 0) {
		warn_x_("fatal", "empty password", (const char *)0);
		code = EXIT_PERM;
		goto out;
	}
	if (!zs_cats(&line, c->user) || !zs_catc(&line, ':') ||
	    !pwhash_make(pw.s, pw.len, c->iterations, &line) ||
	    !zs_catc(&line, '\n')) {
		warn_sys_("fatal", "unable to hash the password",
		    (const char *)0);
		goto out;
	}
	if (!buf_put(out, line.s, line.len) || !buf_flush(out)) {
		warn_sys_("fatal", "unable to write", (const char *)0);
		goto out;
	}
	code = EXIT_OK;
out:
	if (pw.s != NULL)
		OPENSSL_cleanse(pw.s, pw.cap);
	zs_free(&pw);
	zs_free(&line);
	return code;
}
