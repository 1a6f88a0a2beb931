/* SPDX-License-Identifier: MIT */
/*
 * tls: TLS on both sides of SMTP, over OpenSSL, and nothing else.
 *
 * A context holds configuration (certificates, protocol range, ciphers);
 * a struct tls is one connection. tls_read and tls_write are buf
 * operations (ctx = the struct tls), so the SMTP code reads and writes the
 * same way with or without TLS. Every call that waits has a deadline.
 *
 * Errors: functions return NULL or 0 and leave a short description in the
 * caller's err buffer (OpenSSL's own queue is drained into it), so that a
 * log line can say why without a second lookup.
 */
#ifndef ZR_TLS_H
#define ZR_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

/* Client security levels, as Postfix names them (smtp_tls_security_level). */
enum tls_level {
	TLS_LEVEL_NONE,		/* plain text */
	TLS_LEVEL_MAY,		/* STARTTLS when offered, unauthenticated */
	TLS_LEVEL_ENCRYPT,	/* TLS or defer, unauthenticated */
	TLS_LEVEL_VERIFY,	/* TLS, chain and host name verified */
	TLS_LEVEL_FINGERPRINT,	/* TLS, certificate or key SHA-256 pinned */
	TLS_LEVEL_SMTPS,	/* implicit TLS from byte one (RFC 8314) */
	TLS_LEVEL_DANE		/* TLSA records decide (RFC 7672) */
};

#define TLS_ERR_MAX 256

/*
 * Why a certificate was refused, one word each for a log field; the
 * phrase (tls_reason_text) goes into the reply text and the bounce.
 */
enum tls_reason {
	TLS_REASON_NONE,		/* not refused */
	TLS_REASON_HANDSHAKE,		/* another handshake failure */
	TLS_REASON_EXPIRED,
	TLS_REASON_NOT_YET_VALID,
	TLS_REASON_SELF_SIGNED,
	TLS_REASON_UNTRUSTED,		/* no chain to a trusted issuer */
	TLS_REASON_NAME,		/* the name is not in the certificate */
	TLS_REASON_PIN,			/* fingerprint= does not match */
	TLS_REASON_TLSA,		/* no TLSA record matches */
	TLS_REASON_OTHER		/* another verification error */
};

/* One TLSA record (RFC 6698 2.1): usage, selector, matching type, data. */
struct tls_tlsa {
	unsigned char usage, selector, mtype;
	const unsigned char *data;
	size_t len;
};

/* What tls_connect checks, and what it found. */
struct tls_check {
	enum tls_level level;	/* VERIFY, FINGERPRINT, DANE check */
	const char *fingerprint;	/* "sha256:HEX" at FINGERPRINT */
	const struct tls_tlsa *tlsa;	/* at DANE: the usable records */
	size_t ntlsa;
	enum tls_reason reason;	/* out: why the connection was refused */
};

struct tls_opts {
	const char *cert;	/* PEM chain, or NULL */
	const char *key;	/* PEM key, or NULL */
	const char *cafile;	/* PEM CAs for verification; NULL: system store */
	const char *ciphers;	/* TLS 1.2 cipher list, or NULL for the default */
	int min_proto;		/* TLS1_2_VERSION by default (0) */
	int max_proto;		/* TLS1_3_VERSION by default (0) */
};

struct tls {
	SSL *ssl;
	int rfd;
	int wfd;
	unsigned timeout;	/* seconds per read or write */
	long long deadline;	/* of the whole exchange (timeoutio); 0: none */
	char err[TLS_ERR_MAX];
};

/* "TLSv1.3", "TLSv1.2", ... to a version constant; 0 when unknown. */
int tls_proto_parse(const char *);
/* Parse a security level name; 1, or 0 when unknown. */
int tls_level_parse(const char *, enum tls_level *);
const char *tls_level_name(enum tls_level);

/* A server context with a certificate and key (both required). */
SSL_CTX *tls_server_ctx(const struct tls_opts *, char *err, size_t errlen);
/* A client context; cert/key optional (a client certificate). */
SSL_CTX *tls_client_ctx(const struct tls_opts *, char *err, size_t errlen);

/*
 * Handshake as the server on rfd/wfd (may be the same descriptor). On
 * failure returns NULL and describes it in err.
 */
struct tls *tls_accept(SSL_CTX *, int rfd, int wfd, unsigned timeout,
    char *err, size_t errlen);
/*
 * Handshake as the client on fd. host is sent as SNI and, at
 * TLS_LEVEL_VERIFY, checked against the certificate; the fingerprint
 * ("sha256:HEX", certificate or public key) is checked at
 * TLS_LEVEL_FINGERPRINT; at TLS_LEVEL_DANE the chain or key must match
 * one of the TLSA records, through OpenSSL's DANE support (RFC 7672 3:
 * DANE-EE without name or expiry checks, DANE-TA with the host as the
 * name to match). session, when not NULL, is offered for
 * resumption. deadline (timeoutio_deadline, 0: none) bounds the
 * handshake and every later read and write with t->deadline, which the
 * caller may change. Returns NULL with err set on any failure, including a
 * failed check, and chk->reason saying which.
 */
struct tls *tls_connect(SSL_CTX *, int fd, const char *host,
    struct tls_check *chk, SSL_SESSION *session, unsigned timeout,
    long long deadline, char *err, size_t errlen);
/* "expired", "self-signed", "name-mismatch", ...: a log field's word. */
const char *tls_reason_word(enum tls_reason);
/* "expired", "self-signed", "name mismatch", ...: for people. */
const char *tls_reason_text(enum tls_reason);

/* buf operations; ctx is the struct tls. */
ssize_t tls_read(int fd, char *p, size_t n, void *ctx);
ssize_t tls_write(int fd, char *p, size_t n, void *ctx);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384 verified" style summary for logs. */
void tls_describe(const struct tls *, char *out, size_t outlen);
/* Whether the session was resumed. */
int tls_resumed(const struct tls *);
/* A reference to the session for later resumption (free with SSL_SESSION_free). */
SSL_SESSION *tls_session(const struct tls *);
/* Send close_notify (best effort) and free the connection. */
void tls_close(struct tls *);

#endif
