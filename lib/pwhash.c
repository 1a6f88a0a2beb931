/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base64.h"
#include "pwhash.h"
#include "scan.h"

#define PREFIX "$pbkdf2-sha256$"
#define SALT_LEN 16
#define KEY_LEN 32

static int
derive(const char *pw, size_t n, const unsigned char *salt, size_t saltlen,
    unsigned long iter, unsigned char key[KEY_LEN])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)n, salt, (int)saltlen, (int)iter,
	    EVP_sha256(), KEY_LEN, key) == 1;
}

int
pwhash_make(const char *pw, size_t n, unsigned long iter, struct zs *out)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	int ok;

	if (n > 1024 || iter < PWHASH_MIN_ITERATIONS ||
	    iter > PWHASH_MAX_ITERATIONS) {
		errno = EINVAL;
		return 0;
	}
	if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
		return 0;
	if (!derive(pw, n, salt, sizeof salt, iter, key)) {
		errno = ENOMEM;
		return 0;
	}
	ok = zs_cats(out, PREFIX) && zs_catulong(out, iter) &&
	    zs_catc(out, '$') && base64_encode(salt, sizeof salt, out) &&
	    zs_catc(out, '$') && base64_encode(key, sizeof key, out);
	OPENSSL_cleanse(key, sizeof key);
	return ok;
}

int
pwhash_check(const char *pw, size_t n, const char *stored)
{
	struct zs salt = ZS_INIT, want = ZS_INIT;
	unsigned char key[KEY_LEN];
	unsigned long long iter;
	const char *p, *d1, *d2;
	size_t len;
	int r = -1;

	if (strncmp(stored, PREFIX, sizeof PREFIX - 1) != 0)
		goto bad;
	p = stored + sizeof PREFIX - 1;
	len = scan_ulong(p, &iter);
	if (len == 0 || p[len] != '$' || iter < PWHASH_MIN_ITERATIONS ||
	    iter > PWHASH_MAX_ITERATIONS)
		goto bad;
	d1 = p + len + 1;
	d2 = strchr(d1, '$');
	if (d2 == NULL || !base64_decode(d1, (size_t)(d2 - d1), &salt) ||
	    !base64_decode(d2 + 1, strlen(d2 + 1), &want) ||
	    want.len != KEY_LEN || salt.len < 8)
		goto bad;
	if (n > 1024) {
		r = 0;
		goto out;
	}
	if (!derive(pw, n, (const unsigned char *)salt.s, salt.len,
	    (unsigned long)iter, key)) {
		errno = ENOMEM;
		goto out;
	}
	r = CRYPTO_memcmp(key, want.s, KEY_LEN) == 0;
	OPENSSL_cleanse(key, sizeof key);
	goto out;
bad:
	errno = EINVAL;
out:
	zs_free(&salt);
	zs_free(&want);
	return r;
}
