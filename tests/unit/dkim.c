/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/dkim: relaxed canonicalisation against RFC 6376
 * 3.4.5, the body hash and the Ed25519 signature of RFC 8463 appendix A,
 * and control/dkim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base64.h"
#include "dkim.h"
#include "zs.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/zr-dkim.XXXXXX";

static bool
same(const struct zs *z, const char *want)
{
	return z->len == strlen(want) && memcmp(z->s, want, z->len) == 0;
}

static void
body_whole(const char *in, struct zs *out)
{
	struct dkim_body b;

	out->len = 0;
	dkim_body_init(&b);
	(void)dkim_body_canon(&b, in, strlen(in), out);
	(void)dkim_body_end(&b, out);
}

static void
body_bytes(const char *in, struct zs *out)
{
	struct dkim_body b;
	size_t i;

	out->len = 0;
	dkim_body_init(&b);
	for (i = 0; in[i] != '\0'; i++)
		(void)dkim_body_canon(&b, in + i, 1, out);
	(void)dkim_body_end(&b, out);
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

static void
put_key(const char *name, const char *type, mode_t mode)
{
	char path[256];
	EVP_PKEY *k = strcmp(type, "RSA") == 0 ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(NULL, NULL, type);
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (f != NULL && k != NULL) {
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	chmod(path, mode);
	EVP_PKEY_free(k);
}

static const char rfc_headers[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n";
static const char rfc_body[] =
    "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

/* RFC 8463 appendix A.3, less the value of b= (RFC 6376 3.7). */
static const char rfc_sig[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=";
static const char rfc_b[] =
    "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
    "Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

/* Each line of a header no wider than DKIM_FOLD columns. */
static bool
folded(const struct zs *z)
{
	size_t i, col = 0;

	for (i = 0; i < z->len; i++) {
		if (z->s[i] == '\n') {
			col = 0;
			continue;
		}
		if (++col > DKIM_FOLD)
			return false;
	}
	return z->len > 0 && z->s[z->len - 1] == '\n';
}

static size_t
count(const struct zs *z, const char *needle)
{
	size_t n = 0;
	const char *p;
	struct zs c = ZS_INIT;

	/* Folds do not count. */
	for (p = z->s; p < z->s + z->len; p++)
		if (*p != '\n' && *p != '\t')
			zs_catc(&c, *p);
	zs_0(&c);
	for (p = c.s; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	zs_free(&c);
	return n;
}

int
main(void)
{
	struct zs out = ZS_INIT, out2 = ZS_INIT, err = ZS_INIT, msg = ZS_INIT;
	struct dkim_keys keys;
	struct dkim_key ed;
	struct zs raw = ZS_INIT, pub = ZS_INIT, b64 = ZS_INIT;
	unsigned char pk[32];
	size_t pkl = sizeof pk;
	char text[1024];
	int r;

	plan(34);
	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("ZR_CONTROL", dir, 1);

	/* RFC 6376 3.4.5, header: "A: X" and "B : Y<TAB>" folded "<TAB>Z  ". */
	out.len = 0;
	ok(dkim_canon_header("A: X\r\n", 6, &out) && same(&out, "a:X\r\n"),
	    "RFC 6376 3.4.5: A: X becomes a:X");
	out.len = 0;
	ok(dkim_canon_header("B : Y\t\r\n\tZ  \r\n", 14, &out) &&
	    same(&out, "b:Y Z\r\n"), "RFC 6376 3.4.5: B : Y, folded Z, "
	    "becomes b:Y Z");
	out.len = 0;
	ok(dkim_canon_header("B : Y\t\n\tZ  \n", 12, &out) &&
	    same(&out, "b:Y Z\r\n"), "the same with LF line ends");
	out.len = 0;
	ok(!dkim_canon_header("no colon\n", 9, &out),
	    "a line without a colon is no field");

	/* RFC 6376 3.4.5, body. */
	body_whole(" C \r\nD \t E\r\n\r\n\r\n", &out);
	ok(same(&out, " C\r\nD E\r\n"), "RFC 6376 3.4.5: the body example");
	body_bytes(" C \r\nD \t E\r\n\r\n\r\n", &out);
	ok(same(&out, " C\r\nD E\r\n"), "the same fed one byte at a time");
	body_whole(" C \nD \t E\n\n\n", &out);
	ok(same(&out, " C\r\nD E\r\n"), "the same with LF line ends");
	body_whole("", &out);
	ok(out.len == 0, "an empty body is empty");
	body_whole("\n\n \t\n", &out);
	ok(out.len == 0, "a body of empty and blank lines is empty");
	body_whole("x", &out);
	ok(same(&out, "x\r\n"), "a last line without its end gets CR LF");
	body_bytes("a\rb\r\n\r\nc \t", &out);
	ok(same(&out, "a\r\nb\r\n\r\nc\r\n"),
	    "a CR alone ends a line, as zr-remote sends it");

	/* RFC 8463 appendix A: the body hash, relaxed. */
	{
		struct dkim_keys none = { 0 };
		struct zs m = ZS_INIT;

		zs_cats(&m, rfc_headers);
		zs_cats(&m, "\r\n");
		zs_cats(&m, rfc_body);
		out.len = 0;
		r = dkim_sign_message(&none, m.s, m.len, 1, &out);
		ok(r == 1 && out.len == 0, "no keys, no signature");
		zs_free(&m);
	}

	/* RFC 8463 appendix A.2's key, A.3's signature. */
	base64_decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", 44, &raw);
	memset(&ed, 0, sizeof ed);
	ed.alg = DKIM_ED25519_SHA256;
	ed.pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    (const unsigned char *)raw.s, raw.len);
	ok(ed.pkey != NULL && EVP_PKEY_get_raw_public_key(ed.pkey, pk, &pkl) == 1 &&
	    base64_encode(pk, pkl, &pub) &&
	    same(&pub, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
	    "RFC 8463 A.2: the private key gives the published public key");
	{
		struct zs data = ZS_INIT;
		const char *p = rfc_headers, *e;

		/* h=from:to:subject:date:message-id, then names with none left. */
		while ((e = strstr(p, "\r\n")) != NULL) {
			dkim_canon_header(p, (size_t)(e + 2 - p), &data);
			p = e + 2;
		}
		dkim_canon_header(rfc_sig, strlen(rfc_sig), &data);
		data.len -= 2;
		ok(dkim_sign_data(&ed, (const unsigned char *)data.s, data.len,
		    &b64) && same(&b64, rfc_b),
		    "RFC 8463 A.3: the ed25519-sha256 signature, byte for byte");
		zs_free(&data);
	}
	{
		struct dkim_keys one = { .k = &ed, .n = 1 };

		ed.domain = "football.example.com";
		ed.selector = "brisbane";
		zs_cats(&msg, rfc_headers);
		zs_cats(&msg, "\r\n");
		zs_cats(&msg, rfc_body);
		out.len = 0;
		r = dkim_sign_message(&one, msg.s, msg.len, 1528637909, &out);
		ok(r == 1 && count(&out,
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;") == 1,
		    "RFC 8463 A.3: our bh= is the published one");
		ok(count(&out, "a=ed25519-sha256;") == 1 &&
		    count(&out, "d=football.example.com;") == 1 &&
		    count(&out, "s=brisbane;") == 1 &&
		    count(&out, "c=relaxed/relaxed;") == 1 &&
		    count(&out, "t=1528637909;") == 1,
		    "the field names algorithm, domain, selector, time");
		ok(count(&out, "h=From:From:To:Subject:Date:Message-ID; ") == 1,
		    "From is oversigned, the rest signed once each");
		ok(strncmp(out.s, "DKIM-Signature: v=1;", 20) == 0 && folded(&out),
		    "one field, folded at 78 columns, ending in LF");
		/* The same message in Unix form, as the queue holds it. */
		{
			struct zs lf = ZS_INIT;
			size_t i;

			for (i = 0; i < msg.len; i++)
				if (msg.s[i] != '\r')
					zs_catc(&lf, msg.s[i]);
			out2.len = 0;
			r = dkim_sign_message(&one, lf.s, lf.len, 1528637909,
			    &out2);
			ok(r == 1 && out2.len == out.len &&
			    memcmp(out.s, out2.s, out.len) == 0,
			    "LF line ends sign as CR LF ones do");
			zs_free(&lf);
		}
		out.len = 0;
		zs_copys(&out2, "From: joe@other.example\n\nbody\n");
		r = dkim_sign_message(&one, out2.s, out2.len, 1, &out);
		ok(r == 1 && out.len == 0, "a From domain without a key is "
		    "not signed");
		out.len = 0;
		zs_copys(&out2, "From: joe@mail.football.example.com\n\nx\n");
		r = dkim_sign_message(&one, out2.s, out2.len, 1, &out);
		ok(r == 1 && count(&out, "d=football.example.com;") == 1,
		    "a subdomain is signed by its parent's key");
		out.len = 0;
		zs_copys(&out2, "From: a@football.example.com\nbad line\n\nx\n");
		r = dkim_sign_message(&one, out2.s, out2.len, 1, &out);
		ok(r == 1 && out.len == 0, "a header that does not parse is "
		    "not signed");
		out.len = 0;
		zs_copys(&out2, "Subject: s\nFrom: \"x <y@evil.test>\" "
		    "(a@b.test) <a@Football.Example.COM>\n");
		r = dkim_sign_message(&one, out2.s, out2.len, 1, &out);
		ok(r == 1 && count(&out, "d=football.example.com;") == 1 &&
		    count(&out, "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
		    == 1, "quotes and comments are passed by; no body is the "
		    "empty hash");
		ed.domain = ed.selector = NULL;
	}

	/* control/dkim. */
	put_key("a.key", "RSA", 0600);
	put_key("e.key", "ED25519", 0600);
	put_key("open.key", "ED25519", 0644);
	snprintf(text, sizeof text, "# keys\n\nExample.test rsa1 a.key rsa\n"
	    "example.test ed1 %s/e.key ed25519\nsub.example.test s a.key\n",
	    dir);
	put("dkim", text, 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == 1 && keys.n == 3 && strcmp(keys.k[0].domain, "example.test")
	    == 0 && keys.k[0].alg == DKIM_RSA_SHA256 &&
	    keys.k[1].alg == DKIM_ED25519_SHA256 &&
	    keys.k[2].alg == DKIM_RSA_SHA256,
	    "control/dkim: relative and absolute key files, algorithms");
	out.len = 0;
	zs_copys(&out2, "From: a@example.test\nTo: b@x.test\n\nhi\n");
	r = dkim_sign_message(&keys, out2.s, out2.len, 1, &out);
	ok(r == 1 && count(&out, "DKIM-Signature:") == 2 &&
	    count(&out, "a=rsa-sha256;") == 1 &&
	    count(&out, "a=ed25519-sha256;") == 1 && folded(&out),
	    "two lines for a domain, two signatures");
	out.len = 0;
	zs_copys(&out2, "From: a@sub.example.test\n\nhi\n");
	r = dkim_sign_message(&keys, out2.s, out2.len, 1, &out);
	ok(r == 1 && count(&out, "DKIM-Signature:") == 1 &&
	    count(&out, "d=sub.example.test;") == 1,
	    "an exact match comes before the parent");
	dkim_keys_free(&keys);
	put("dkim", "example.test s1 a.key\nexample.test s2 open.key\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && err.s != NULL && strstr(err.s, "/dkim line 2: key file ")
	    != NULL && strstr(err.s, "open.key") != NULL &&
	    strstr(err.s, "chmod 600") != NULL,
	    "a key file of mode 0644 is refused, with file and line: %s",
	    err.s != NULL ? err.s : "");
	put("dkim", "example.test s1\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "/dkim line 1: want DOMAIN") != NULL,
	    "a short line is refused: %s", err.s);
	put("dkim", "\nexample.test s1 a.key dsa\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "/dkim line 2: unknown algorithm") != NULL,
	    "an unknown algorithm is refused: %s", err.s);
	put("dkim", "example.test s1 a.key ed25519\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "is not an Ed25519 key") != NULL,
	    "an algorithm that is not the key's is refused: %s", err.s);
	put("dkim", "example.test s1 missing.key\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "missing.key: no such file") != NULL,
	    "a missing key file is refused: %s", err.s);
	put("dkim", "ex_ample.test s1 a.key\n", 0644);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "not a domain name") != NULL,
	    "a bad domain is refused: %s", err.s);
	put("dkim", "example.test s1 dkim\n", 0600);
	r = dkim_keys_load(&keys, &err);
	ok(r == -1 && strstr(err.s, "not a PEM private key") != NULL,
	    "a file that is no key is refused: %s", err.s);
	snprintf(text, sizeof text, "%s/dkim", dir);
	unlink(text);
	ok(dkim_keys_load(&keys, &err) == 0, "no control/dkim: nothing to do");

	EVP_PKEY_free(ed.pkey);
	zs_free(&out);
	zs_free(&out2);
	zs_free(&err);
	zs_free(&msg);
	zs_free(&raw);
	zs_free(&pub);
	zs_free(&b64);
	{
		const char *names[] = { "a.key", "e.key", "open.key" };
		size_t i;

		for (i = 0; i < 3; i++) {
			snprintf(text, sizeof text, "%s/%s", dir, names[i]);
			unlink(text);
		}
	}
	rmdir(dir);
	return done();
}
