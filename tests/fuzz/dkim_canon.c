/* SPDX-License-Identifier: MIT */
/*
 * Fuzz DKIM canonicalisation and signing with messages of any bytes: the
 * body's canonical form is the same in any pieces, has only CR LF line
 * ends, no white space at a line's end, runs or tabs, and no empty line
 * at its end; a header field's form is one line; a message signs or is
 * passed by, never breaks, and the field stays within 78 columns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* RFC 8463 A.2's Ed25519 key: signing with it is cheap. */
static const unsigned char ed_key[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60
};

static void
check_body(const struct zs *z)
{
	size_t i;

	for (i = 0; i < z->len; i++) {
		char c = z->s[i];

		if (c == '\t' || (c == '\r' && (i + 1 == z->len ||
		    z->s[i + 1] != '\n')) || (c == '\n' && (i == 0 ||
		    z->s[i - 1] != '\r')) || (c == ' ' && i + 1 < z->len &&
		    (z->s[i + 1] == ' ' || z->s[i + 1] == '\r')))
			abort();
	}
	if (z->len > 0 && (z->len < 2 || z->s[z->len - 1] != '\n'))
		abort();
	if (z->len >= 4 && memcmp(z->s + z->len - 4, "\r\n\r\n", 4) == 0)
		abort();
}

static void
check_signature(const struct zs *z)
{
	size_t i, col = 0;

	for (i = 0; i < z->len; i++) {
		if (z->s[i] == '\n') {
			col = 0;
			continue;
		}
		if (++col > DKIM_FOLD)
			abort();
	}
	if (z->len > 0 && (z->s[z->len - 1] != '\n' ||
	    memcmp(z->s, "DKIM-Signature:", 15) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkim_key key;
	const char *p = (const char *)data;
	struct dkim_keys keys = { .k = &key, .n = 1 };
	struct dkim_body whole, parts;
	struct zs a = ZS_INIT, b = ZS_INIT, h = ZS_INIT;
	size_t i, step;

	if (key.pkey == NULL) {
		key.domain = "example.test";
		key.selector = "fuzz";
		key.alg = DKIM_ED25519_SHA256;
		key.pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    ed_key, sizeof ed_key);
		if (key.pkey == NULL)
			abort();
	}
	dkim_body_init(&whole);
	if (!dkim_body_canon(&whole, p, size, &a) ||
	    !dkim_body_end(&whole, &a))
		abort();
	/* The same bytes in pieces of a size the input itself picks. */
	step = size > 0 ? (size_t)data[0] % 7 + 1 : 1;
	dkim_body_init(&parts);
	for (i = 0; i < size; i += step)
		if (!dkim_body_canon(&parts, p + i, size - i < step ? size - i :
		    step, &b))
			abort();
	if (!dkim_body_end(&parts, &b) || a.len != b.len ||
	    (a.len > 0 && memcmp(a.s, b.s, a.len) != 0))
		abort();
	check_body(&a);
	/*
	 * As one field whose name is a name (printable, no blank): the form
	 * is one line with no tab.
	 */
	if (dkim_canon_header(p, size, &h)) {
		const char *colon = memchr(p, ':', size);
		size_t nl = (size_t)(colon - p), j;
		bool name = true;

		for (j = 0; j < nl; j++)
			name = name && p[j] > ' ' && p[j] < 0x7f;
		if (h.len < 3 || (name && (memchr(h.s, '\t', h.len) != NULL ||
		    memchr(h.s, '\n', h.len - 1) != NULL)))
			abort();
	} else if (memchr(p, ':', size) != NULL)
		abort();
	a.len = 0;
	if (!dkim_sign_message(&keys, p, size, 1, &a))
		abort();
	check_signature(&a);
	b.len = 0;
	if (dkim_from_domain(p, size, &b))
		for (i = 0; i < b.len; i++)
			if (!((b.s[i] >= 'a' && b.s[i] <= 'z') ||
			    (b.s[i] >= '0' && b.s[i] <= '9') || b.s[i] == '-' ||
			    b.s[i] == '.'))
				abort();
	zs_free(&a);
	zs_free(&b);
	zs_free(&h);
	return 0;
}
