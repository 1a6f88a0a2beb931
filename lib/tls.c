/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "fmt.h"
#include "timeoutio.h"
#include "tls.h"

/* what, then OpenSSL's own reasons, into err; the queue is emptied. */
static void
seterr(char *err, size_t errlen, const char *what)
{
	unsigned long e;
	size_t n;

	if (err == NULL || errlen == 0)
		return;
	if (fmt_snprintf(err, errlen, "%s", what) == -1)
		err[errlen - 1] = '\0';
	n = strlen(err);
	while ((e = ERR_get_error()) != 0) {
		char buf[160];

		ERR_error_string_n(e, buf, sizeof buf);
		if (n + 3 + strlen(buf) < errlen) {
			memcpy(err + n, ": ", 2);
			memcpy(err + n + 2, buf, strlen(buf) + 1);
			n = strlen(err);
		}
	}
}

static SSL_CTX *
new_ctx(const SSL_METHOD *m, const struct tls_opts *o, char *err,
    size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (ctx == NULL) {
		seterr(err, errlen, "unable to create a TLS context");
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (!SSL_CTX_set_min_proto_version(ctx,
	    o->min_proto ? o->min_proto : TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx,
	    o->max_proto ? o->max_proto : TLS1_3_VERSION)) {
		seterr(err, errlen, "bad TLS protocol range");
		goto fail;
	}
	if (o->ciphers != NULL && !SSL_CTX_set_cipher_list(ctx, o->ciphers)) {
		seterr(err, errlen, "bad TLS cipher list");
		goto fail;
	}
	if (o->cert != NULL &&
	    SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
		seterr(err, errlen, "unable to load the TLS certificate");
		goto fail;
	}
	if (o->key != NULL &&
	    (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)) {
		seterr(err, errlen, "unable to load the TLS key");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_server_ctx(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (o->cert == NULL || o->key == NULL) {
		seterr(err, errlen, "a TLS server needs a certificate and a key");
		return NULL;
	}
	ctx = new_ctx(TLS_server_method(), o, err, errlen);
	if (ctx != NULL)
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	return ctx;
}

SSL_CTX *
tls_client_ctx(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = new_ctx(TLS_client_method(), o, err, errlen);
	int ok;

	if (ctx == NULL)
		return NULL;
	ok = o->cafile != NULL ?
	    SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		seterr(err, errlen, "unable to load the CA certificates");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* RFC 7672: TLSA records may be asked for on any connection. */
	if (SSL_CTX_dane_enable(ctx) <= 0) {
		seterr(err, errlen, "unable to enable DANE");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Sessions are kept by the caller (tls_session) for resumption. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	return ctx;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl != -1 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != -1;
}

/*
 * Wait as OpenSSL asks after a call returned r; 1 to call again, 0 when
 * the call failed for good (errno set).
 */
static int
again(struct tls *t, int r)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return timeoutio_wait_until(t->rfd, POLLIN, t->timeout,
		    t->deadline);
	case SSL_ERROR_WANT_WRITE:
		return timeoutio_wait_until(t->wfd, POLLOUT, t->timeout,
		    t->deadline);
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		return 0;
	default:
		errno = EPROTO;
		return 0;
	}
}

static struct tls *
new_tls(SSL_CTX *ctx, int rfd, int wfd, unsigned timeout, char *err,
    size_t errlen)
{
	struct tls *t = calloc(1, sizeof *t);

	if (t == NULL || (t->ssl = SSL_new(ctx)) == NULL) {
		seterr(err, errlen, "out of memory");
		free(t);
		return NULL;
	}
	t->rfd = rfd;
	t->wfd = wfd;
	t->timeout = timeout;
	if (!set_nonblock(rfd) || !set_nonblock(wfd) ||
	    !SSL_set_rfd(t->ssl, rfd) || !SSL_set_wfd(t->ssl, wfd)) {
		seterr(err, errlen, "unable to set up the TLS connection");
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	return t;
}

static int
handshake(struct tls *t, int server, char *err, size_t errlen)
{
	for (;;) {
		int r = server ? SSL_accept(t->ssl) : SSL_connect(t->ssl);

		if (r == 1)
			return 1;
		if (!again(t, r)) {
			char what[64];

			if (fmt_snprintf(what, sizeof what, "TLS handshake failed%s",
			    errno == ETIMEDOUT ? " (timeout)" : errno == ETIME ?
			    " (deadline)" : "") == -1)
				what[0] = '\0';
			seterr(err, errlen, what);
			return 0;
		}
	}
}

struct tls *
tls_accept(SSL_CTX *ctx, int rfd, int wfd, unsigned timeout, char *err,
    size_t errlen)
{
	struct tls *t = new_tls(ctx, rfd, wfd, timeout, err, errlen);

	if (t == NULL)
		return NULL;
	if (!handshake(t, 1, err, errlen)) {
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	return t;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "sha256:AB:CD..." or "sha256:abcd..." to 32 bytes; 1 or 0. */
static int
parse_fingerprint(const char *s, unsigned char out[32])
{
	size_t n = 0;

	if (strncasecmp(s, "sha256:", 7) != 0)
		return 0;
	for (s += 7; *s != '\0'; s++) {
		int hi, lo;

		if (*s == ':')
			continue;
		hi = hexval((unsigned char)s[0]);
		lo = s[1] != '\0' ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0 || n == 32)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s++;
	}
	return n == 32;
}

/*
 * A public key pin is the SHA-256 of the DER SubjectPublicKeyInfo, as
 * Postfix's smtp_tls_fingerprint_digest and RFC 7469 2.4 define it (and
 * as "openssl pkey -pubin -outform DER | openssl dgst -sha256" prints),
 * not X509_pubkey_digest's hash of the bare key bits.
 */
static int
spki_digest(X509 *cert, unsigned char out[32])
{
	unsigned char *der = NULL;
	unsigned int len = 0;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	int ok = n > 0 && EVP_Digest(der, (size_t)n, out, &len, EVP_sha256(),
	    NULL) && len == 32;

	OPENSSL_free(der);
	return ok;
}

static int
fingerprint_ok(SSL *ssl, const char *want)
{
	unsigned char w[32], got[EVP_MAX_MD_SIZE];
	unsigned int len;
	X509 *cert;
	int ok = 0;

	if (want == NULL || !parse_fingerprint(want, w))
		return 0;
	cert = SSL_get1_peer_certificate(ssl);
	if (cert == NULL)
		return 0;
	/* Either the whole certificate or just its public key may be pinned. */
	if (X509_digest(cert, EVP_sha256(), got, &len) && len == 32 &&
	    CRYPTO_memcmp(got, w, 32) == 0)
		ok = 1;
	if (!ok && spki_digest(cert, got) && CRYPTO_memcmp(got, w, 32) == 0)
		ok = 1;
	X509_free(cert);
	return ok;
}

static int
is_ip(const char *host)
{
	unsigned char b[16];

	return inet_pton(AF_INET, host, b) == 1 ||
	    inet_pton(AF_INET6, host, b) == 1;
}

/* OpenSSL's verification error, as one of ours. */
static enum tls_reason
verify_reason(long v)
{
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return TLS_REASON_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return TLS_REASON_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return TLS_REASON_SELF_SIGNED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return TLS_REASON_UNTRUSTED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return TLS_REASON_NAME;
	case X509_V_ERR_DANE_NO_MATCH:
		return TLS_REASON_TLSA;
	default:
		return TLS_REASON_OTHER;
	}
}

/*
 * A refused certificate says why in words first ("certificate rejected:
 * expired (certificate has expired)"): OpenSSL's own queue only says
 * "certificate verify failed", which tells an operator nothing.
 */
static void
setreason(char *err, size_t errlen, struct tls_check *chk,
    enum tls_reason why, const char *detail)
{
	char what[TLS_ERR_MAX];

	chk->reason = why;
	ERR_clear_error();
	if (fmt_snprintf(what, sizeof what, "certificate rejected: %s (%s)",
	    tls_reason_text(why), detail) == -1)
		what[0] = '\0';
	seterr(err, errlen, what);
}

/*
 * The records go to OpenSSL, which does the matching (RFC 6698 2.1). No
 * record it takes means none usable: the caller was to leave those out.
 */
static int
dane_setup(SSL *ssl, const char *host, const struct tls_check *chk)
{
	size_t i;
	int added = 0;

	if (host == NULL || SSL_dane_enable(ssl, host) <= 0)
		return 0;
	/* RFC 7672 3.1.1: DANE-EE(3) is the key alone, no name check. */
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < chk->ntlsa; i++) {
		const struct tls_tlsa *a = &chk->tlsa[i];

		if (SSL_dane_tlsa_add(ssl, a->usage, a->selector, a->mtype,
		    a->data, a->len) > 0)
			added++;
	}
	if (added == 0)
		return 0;
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	return 1;
}

struct tls *
tls_connect(SSL_CTX *ctx, int fd, const char *host, struct tls_check *chk,
    SSL_SESSION *session, unsigned timeout, long long deadline, char *err,
    size_t errlen)
{
	struct tls *t = new_tls(ctx, fd, fd, timeout, err, errlen);
	int ip = host != NULL && is_ip(host);
	long v;

	chk->reason = TLS_REASON_HANDSHAKE;
	if (t == NULL)
		return NULL;
	t->deadline = deadline;
	/* RFC 6066 3: SNI carries host names only, never addresses. */
	/* SSL_set_tlsext_host_name, without its cast that drops const. */
	if (host != NULL && !ip && !SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
	    TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)host))
		goto setup;
	if (chk->level == TLS_LEVEL_VERIFY) {
		if (host == NULL)
			goto setup;
		SSL_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (ip ? !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
		    host) : !SSL_set1_host(t->ssl, host))
			goto setup;
	}
	if (chk->level == TLS_LEVEL_DANE && !dane_setup(t->ssl, host, chk))
		goto setup;
	if (session != NULL)
		SSL_set_session(t->ssl, session);
	if (!handshake(t, 0, err, errlen)) {
		v = SSL_get_verify_result(t->ssl);
		if ((chk->level == TLS_LEVEL_VERIFY ||
		    chk->level == TLS_LEVEL_DANE) && v != X509_V_OK)
			setreason(err, errlen, chk, verify_reason(v),
			    X509_verify_cert_error_string(v));
		goto fail;
	}
	if (chk->level == TLS_LEVEL_FINGERPRINT &&
	    !fingerprint_ok(t->ssl, chk->fingerprint)) {
		setreason(err, errlen, chk, TLS_REASON_PIN, "fingerprint= "
		    "matches neither the certificate nor its key");
		goto fail;
	}
	chk->reason = TLS_REASON_NONE;
	return t;
setup:
	seterr(err, errlen, "unable to set up TLS verification");
fail:
	SSL_free(t->ssl);
	free(t);
	return NULL;
}

ssize_t
tls_read(int fd, char *p, size_t n, void *ctx)
{
	struct tls *t = ctx;

	(void)fd;
	for (;;) {
		size_t got = 0;
		int r = SSL_read_ex(t->ssl, p, n, &got);

		if (r == 1)
			return (ssize_t)got;
		if (SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (SSL_get_error(t->ssl, r) == SSL_ERROR_SYSCALL &&
		    errno == 0)
			return 0;	/* EOF without close_notify */
		if (!again(t, r))
			return -1;
	}
}

ssize_t
tls_write(int fd, char *p, size_t n, void *ctx)
{
	struct tls *t = ctx;

	(void)fd;
	for (;;) {
		size_t put = 0;
		int r = SSL_write_ex(t->ssl, p, n, &put);

		if (r == 1)
			return (ssize_t)put;
		if (!again(t, r))
			return -1;
	}
}

void
tls_describe(const struct tls *t, char *out, size_t outlen)
{
	long v = SSL_get_verify_result(t->ssl);
	X509 *peer = SSL_get0_peer_certificate(t->ssl);
	const char *verify = peer == NULL ? "no-certificate" :
	    v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v);
	char *p;

	if (fmt_snprintf(out, outlen, "tls=%s cipher=%s verify=%s%s",
	    SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl), verify,
	    SSL_session_reused(t->ssl) ? " resumed=yes" : "") == -1) {
		if (outlen > 0)
			out[outlen - 1] = '\0';
	}
	/* A verify reason is a phrase; a log field wants one word. */
	p = strstr(out, "verify=");
	for (p = p != NULL ? p + 7 : out + strlen(out); *p != '\0' &&
	    strncmp(p, " resumed=", 9) != 0; p++)
		if (*p == ' ')
			*p = '-';
}

int
tls_resumed(const struct tls *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

SSL_SESSION *
tls_session(const struct tls *t)
{
	return SSL_get1_session(t->ssl);
}

void
tls_close(struct tls *t)
{
	if (t == NULL)
		return;
	/* close_notify is a courtesy; the SMTP QUIT already ended the talk. */
	(void)SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	free(t);
}
