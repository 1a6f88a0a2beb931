/* SPDX-License-Identifier: MIT */
/*
 * dkim: DKIM signatures (RFC 6376), rsa-sha256 and ed25519-sha256 (RFC
 * 8463), with relaxed/relaxed canonicalisation, and the keys of
 * control/dkim.
 *
 * The canonicalisation is ours (RFC 6376 3.4.2, 3.4.4); OpenSSL hashes and
 * signs. A line of content ends in LF, CR LF or a CR alone, as zr-remote
 * puts each of them on the wire as one CR LF (zr-queue(5)), so that what
 * is signed here is what a verifier sees.
 *
 * control/dkim has lines "DOMAIN SELECTOR KEYFILE [rsa|ed25519]"; a
 * relative KEYFILE is under the control directory; each key file must be
 * private to its owner (secrets_private), a PEM private key that OpenSSL
 * reads, of the algorithm named when one is. Several lines for one domain
 * give several signatures. A message is signed for the domain of its
 * first From: address, or else for the nearest parent domain that has
 * lines (exact match first).
 *
 * Signed, in this order: From (once more than it occurs, so that no From
 * can be added), then every instance of the fields in DKIM_HEADERS that
 * the message has.
 *
 * Functions return 1, or 0 with errno set, unless said otherwise. The
 * caller owns every zs; dkim_keys_free releases the keys.
 */
#ifndef ZR_DKIM_H
#define ZR_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "zs.h"

struct evp_pkey_st;		/* OpenSSL's EVP_PKEY */

enum dkim_alg { DKIM_RSA_SHA256, DKIM_ED25519_SHA256 };

/* The default list, after From; documented in zr-control(5). */
#define DKIM_HEADERS "To", "Cc", "Subject", "Date", "Message-ID", \
	"Reply-To", "In-Reply-To", "References", "Sender", \
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", \
	"Content-Disposition", "Content-ID", "Content-Description", \
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", \
	"Resent-Cc", "Resent-Message-ID", "List-Id", "List-Help", \
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Subscribe", \
	"List-Post", "List-Owner", "List-Archive"

/* RFC 6376 3.4.5 does not fold; we fold the DKIM-Signature field here. */
#define DKIM_FOLD 78
/* A header section beyond this is not signed (nor is it mail). */
#define DKIM_HEADER_MAX (1u << 20)

struct dkim_key {
	char *domain;		/* lower case */
	char *selector;
	enum dkim_alg alg;
	struct evp_pkey_st *pkey;
};

struct dkim_keys {
	struct dkim_key *k;
	size_t n;
	size_t cap;
};

/*
 * Read control/dkim and its key files: 1, 0 when there is no such file
 * (nothing to sign with), -1 with err set to "FILE line N: why" (or to
 * the file and the system's reason).
 */
int dkim_keys_load(struct dkim_keys *, struct zs *err);
/* The same for the text of a file called name (for the tests). */
int dkim_keys_parse(struct dkim_keys *, const char *p, size_t n,
    const char *name, struct zs *err);
void dkim_keys_free(struct dkim_keys *);

/* "rsa-sha256" or "ed25519-sha256". */
const char *dkim_alg_name(enum dkim_alg);

/*
 * Relaxed canonical form of one header field (name, colon, value, with its
 * folds and line end or without), appended to out with its CR LF (RFC 6376
 * 3.4.2). EINVAL when there is no colon.
 */
int dkim_canon_header(const char *p, size_t n, struct zs *out);

/* Relaxed body canonicalisation (RFC 6376 3.4.4), fed in any pieces. */
struct dkim_body {
	bool wsp;		/* white space since the line's last byte */
	bool cr;		/* the last byte was a CR (a LF after it is its) */
	bool line;		/* the current line has content */
	size_t empty;		/* empty lines held back: kept if more follows */
};
void dkim_body_init(struct dkim_body *);
/* Append the canonical form of n more bytes of body to out. */
int dkim_body_canon(struct dkim_body *, const char *p, size_t n,
    struct zs *out);
/* Append what the end of the body completes (a last line's CR LF). */
int dkim_body_end(struct dkim_body *, struct zs *out);

/*
 * Sign n bytes of canonical header data with key: RSASSA-PKCS1-v1_5 over
 * SHA-256, or Ed25519 over the SHA-256 of the data (RFC 8463 3); the
 * signature appended to out in base64.
 */
int dkim_sign_data(const struct dkim_key *, const unsigned char *p,
    size_t n, struct zs *out);

/*
 * The DKIM-Signature fields for the message content that starts at off in
 * fd (read with pread; its header and body as the queue holds them),
 * signed at time now: appended to out, each folded at DKIM_FOLD columns
 * and ending in LF, one per key of the From domain. Nothing is appended
 * when no key applies or the message has no usable From or header (a
 * field without a colon, a header section over DKIM_HEADER_MAX).
 */
int dkim_sign_file(const struct dkim_keys *, int fd, off_t off,
    long long now, struct zs *out);

/*
 * The same for a message in memory (the content only); for the tests
 * and the fuzz harness.
 */
int dkim_sign_message(const struct dkim_keys *, const char *p, size_t n,
    long long now, struct zs *out);

/* The domain of the first address in a From: field's value, lower case. */
int dkim_from_domain(const char *p, size_t n, struct zs *out);

#endif
