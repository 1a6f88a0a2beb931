/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "control.h"
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
	c->check = NULL;
	/* -c: the checkpassword mode; what follows is the program to run. */
	if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
		c->check = argv + 2;
		return 1;
	}
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

static int
match(const char *user, const char *pass)
{
	struct zs lines = ZS_INIT;
	size_t n, i, off = 0, ul = strlen(user);
	int r;

	r = control_readlines("passwords", &lines, &n);
	if (r != 1) {
		zs_free(&lines);
		return r == 0 ? 0 : -1;
	}
	r = 0;
	for (i = 0; i < n; i++) {
		const char *line = lines.s + off;

		off += strlen(line) + 1;
		if (strncmp(line, user, ul) == 0 && line[ul] == ':') {
			r = pwhash_check(pass, strlen(pass), line + ul + 1);
			if (r == -1)
				r = 0;	/* a line we cannot read grants nothing */
			break;
		}
	}
	memset(lines.s, 0, lines.cap);
	zs_free(&lines);
	return r;
}


int
passwd_check(char **next)
{
	char in[3 * 1024 + 16];
	size_t got, ul;
	const char *user, *pass;
	ssize_t n;
	int r;

	/* checkpassword(8): "user NUL password NUL timestamp NUL" on fd 3. */
	n = buf_read_all(3, in, sizeof in - 1);
	if (n == -1)
		return EXIT_TEMP;
	got = (size_t)n;
	close(3);
	in[got] = '\0';
	user = in;
	ul = strlen(user);
	if (ul == 0 || ul + 1 >= got)
		return 2;	/* checkpassword: a malformed request */
	pass = user + ul + 1;
	r = strchr(user, ':') != NULL ? 0 : match(user, pass);
	explicit_bzero(in, sizeof in);
	if (r == -1)
		return EXIT_TEMP;
	if (r == 0)
		return 1;
	if (next != NULL && next[0] != NULL) {
		execvp(next[0], next);
		return EXIT_TEMP;
	}
	return 0;
}
