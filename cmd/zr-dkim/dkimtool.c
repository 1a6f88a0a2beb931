/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "die.h"
#include "dkim.h"
#include "dkimtool.h"
#include "envelope.h"

/* Pieces in which content is moved to make room at its top. */
#define MOVE_PIECE 65536
/* RFC 1035 3.3.14 (and RFC 6376 3.6.2.2): a TXT string is 255 octets. */
#define TXT_STRING_MAX 255
/* The RSA key size we make: RFC 8301 3.2 wants at least 1024, 2048 is usual. */
#define RSA_BITS 2048

static int
name_ok(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '.' || *s == '-' || strlen(s) > 253)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

int
dkimtool_args(struct dkimtool_conf *c, int argc, char **argv)
{
	int opt;

	memset(c, 0, sizeof *c);
	c->dir = ".";
	if (argc < 2)
		return 0;
	if (strcmp(argv[1], "sign") == 0) {
		c->cmd = DKIMTOOL_SIGN;
		return argc == 2;
	}
	if (strcmp(argv[1], "keygen") != 0)
		return 0;
	c->cmd = DKIMTOOL_KEYGEN;
	optind = 2;
	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return 0;
		c->dir = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3 || !name_ok(argv[0]) || !name_ok(argv[1]))
		return 0;
	c->domain = argv[0];
	c->selector = argv[1];
	if (argc == 3) {
		if (strcmp(argv[2], "ed25519") == 0)
			c->ed25519 = 1;
		else if (strcmp(argv[2], "rsa") != 0)
			return 0;
	}
	return 1;
}

int
dkimtool_insert(int fd, off_t off, const char *p, size_t n)
{
	char piece[MOVE_PIECE];
	struct stat st;
	off_t pos;

	if (fstat(fd, &st) == -1)
		return 0;
	/* From the end backwards, so that nothing is overwritten unread. */
	for (pos = st.st_size; pos > off;) {
		size_t len = (size_t)(pos - off) < sizeof piece ?
		    (size_t)(pos - off) : sizeof piece;
		ssize_t got;

		pos -= (off_t)len;
		got = buf_pread_all(fd, piece, len, pos);
		if (got != (ssize_t)len) {
			if (got >= 0)
				errno = EIO;
			return 0;
		}
		if (!buf_pwrite_all(fd, piece, len, pos + (off_t)n))
			return 0;
	}
	return buf_pwrite_all(fd, p, n, off);
}

static int
sign(void)
{
	struct envelope env;
	struct dkim_keys keys;
	struct zs err = ZS_INIT, hdr = ZS_INIT;
	int r;

	envelope_init(&env);
	if (!envelope_read(&env, 0))
		die_sys(EXIT_TEMP, "unable to read the message on standard "
		    "input");
	r = dkim_keys_load(&keys, &err);
	if (r == -1)
		die_x(EXIT_TEMP, "unable to sign: ", err.len > 0 ? err.s :
		    strerror(errno));
	if (r == 1 && !dkim_sign_file(&keys, 0, (off_t)env.data_offset,
	    (long long)time(NULL), &hdr))
		die_sys(EXIT_TEMP, "unable to sign message ", env.id);
	dkim_keys_free(&keys);
	if (hdr.len > 0 &&
	    !dkimtool_insert(0, (off_t)env.data_offset, hdr.s, hdr.len))
		die_sys(EXIT_TEMP, "unable to add the signature to message ",
		    env.id);
	/*
	 * Quiet when it worked: zr-inject's caller (cron, a script) would
	 * mail a line on standard error to someone.
	 */
	zs_free(&hdr);
	zs_free(&err);
	envelope_free(&env);
	return EXIT_OK;
}

int
dkimtool_txt(const char *domain, const char *selector, int ed25519,
    const unsigned char *pub, size_t n, struct zs *out)
{
	struct zs text = ZS_INIT;
	size_t i;
	int ok = zs_cats(&text, "v=DKIM1; k=") &&
	    zs_cats(&text, ed25519 ? "ed25519" : "rsa") &&
	    zs_cats(&text, "; p=") && base64_encode(pub, n, &text) &&
	    zs_cats(out, selector) && zs_cats(out, "._domainkey.") &&
	    zs_cats(out, domain) && zs_cats(out, ". IN TXT");

	for (i = 0; ok && i < text.len; i += TXT_STRING_MAX) {
		size_t l = text.len - i < TXT_STRING_MAX ? text.len - i :
		    TXT_STRING_MAX;

		ok = zs_cats(out, " \"") && zs_catb(out, text.s + i, l) &&
		    zs_catc(out, '"');
	}
	zs_free(&text);
	return ok && zs_catc(out, '\n');
}

static int
keygen(const struct dkimtool_conf *c)
{
	struct zs path = ZS_INIT, out = ZS_INIT;
	char dir[PATH_MAX];
	unsigned char *pub = NULL, raw[32];
	size_t publen = sizeof raw;
	EVP_PKEY *k;
	BIO *bio;
	char *pem;
	long pemlen;
	int fd, der;

	/* Set-id for sign, zr-dkim makes keys as the one who runs it. */
	if (setgid(getgid()) == -1 || setuid(getuid()) == -1)
		die_sys(EXIT_TEMP, "unable to drop privileges", "");
	if (realpath(c->dir, dir) == NULL)
		die_sys(EXIT_PERM, "unable to find ", c->dir);
	k = c->ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS);
	bio = BIO_new(BIO_s_mem());
	if (k == NULL || bio == NULL ||
	    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0)
		die_x(EXIT_TEMP, "unable to make a key");
	if (c->ed25519) {
		if (EVP_PKEY_get_raw_public_key(k, raw, &publen) != 1)
			die_x(EXIT_TEMP, "unable to make a key");
	} else {
		der = i2d_PUBKEY(k, &pub);
		if (der <= 0)
			die_x(EXIT_TEMP, "unable to make a key");
		publen = (size_t)der;
	}
	if (!zs_cats(&path, dir) || !zs_catc(&path, '/') ||
	    !zs_cats(&path, c->domain) || !zs_catc(&path, '.') ||
	    !zs_cats(&path, c->selector) || !zs_cats(&path, ".key") ||
	    !zs_0(&path))
		die_sys(EXIT_TEMP, "out of memory", "");
	/* Never over an existing key: that would lose the one in the DNS. */
	fd = open(path.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		die_sys(errno == EEXIST ? EXIT_PERM : EXIT_TEMP,
		    "unable to create ", path.s);
	if (fchmod(fd, 0600) == -1 || !buf_write_all(fd, pem, (size_t)pemlen) ||
	    fsync(fd) == -1 || close(fd) == -1) {
		int e = errno;

		unlink(path.s);
		errno = e;
		die_sys(EXIT_TEMP, "unable to write ", path.s);
	}
	if (!dkimtool_txt(c->domain, c->selector, c->ed25519,
	    c->ed25519 ? raw : pub, publen, &out) ||
	    !zs_cats(&out, c->domain) || !zs_catc(&out, ' ') ||
	    !zs_cats(&out, c->selector) || !zs_catc(&out, ' ') ||
	    !zs_cats(&out, path.s) || !zs_cats(&out, c->ed25519 ?
	    " ed25519\n" : " rsa\n") || !buf_write_all(1, out.s, out.len))
		die_sys(EXIT_TEMP, "unable to write the DNS record", "");
	OPENSSL_free(pub);
	BIO_free(bio);
	EVP_PKEY_free(k);
	zs_free(&path);
	zs_free(&out);
	return EXIT_OK;
}

int
dkimtool_run(const struct dkimtool_conf *c)
{
	/*
	 * Installed set-user-id (the owner of the key files), zr-dkim signs
	 * what a local user submits; it must then read this host's
	 * control/dkim, not one the caller points it to.
	 */
	if (getuid() != geteuid() || getgid() != getegid())
		unsetenv("ZR_CONTROL");
	return c->cmd == DKIMTOOL_SIGN ? sign() : keygen(c);
}
