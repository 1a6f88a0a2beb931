/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/tls: both sides over a socketpair, with certificates
 * made here (nothing secret is committed): levels, verification, host
 * names, expiry, pinning, resumption and timeouts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "../lib/tap.h"

static char dir[] = "/tmp/zr-tls-test.XXXXXX";
static char certpem[256], keypem[256], oldpem[256], oldkey[256];
static char fp_cert[128], fp_key[128];

static void
hex(const unsigned char *p, unsigned n, char *out)
{
	static const char h[] = "0123456789ABCDEF";
	unsigned i;

	memcpy(out, "sha256:", 7);
	out += 7;
	for (i = 0; i < n; i++) {
		*out++ = h[p[i] >> 4];
		*out++ = h[p[i] & 15];
	}
	*out = '\0';
}

/* A self-signed certificate for mx.test, valid from..to days from now. */
static int
make_cert(const char *certfile, const char *keyfile, long from, long to,
    int fingerprints)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext;
	X509_NAME *name;
	FILE *f;
	int ok = 0;

	if (key == NULL || x == NULL)
		return 0;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), from + 1000);
	X509_gmtime_adj(X509_getm_notBefore(x), from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), to * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"mx.test", -1, -1, 0);
	X509_set_issuer_name(x, name);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    "DNS:mx.test");
	if (ext == NULL || !X509_add_ext(x, ext, -1))
		goto out;
	X509_EXTENSION_free(ext);
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	if (fingerprints) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned n;

		X509_digest(x, EVP_sha256(), md, &n);
		hex(md, n, fp_cert);
		{
			/* The DER SubjectPublicKeyInfo, as Postfix pins it. */
			unsigned char *der = NULL;
			int dn = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

			EVP_Digest(der, (size_t)dn, md, &n, EVP_sha256(), NULL);
			OPENSSL_free(der);
		}
		hex(md, n, fp_key);
	}
	if ((f = fopen(certfile, "w")) == NULL)
		goto out;
	ok = PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(keyfile, "w")) == NULL)
		goto out;
	ok = ok && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}

/* A server that does one handshake, reads a line, answers "pong". */
static pid_t
serve(SSL_CTX *ctx, int fd, int other, int silent)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	close(other);	/* so that the client's close is seen as EOF */
	if (silent) {
		/* Accept the connection but never speak: a stalled server. */
		pause();
		_exit(0);
	}
	{
		char err[TLS_ERR_MAX], line[64];
		struct tls *t = tls_accept(ctx, fd, fd, 5, err, sizeof err);
		ssize_t n;

		if (t == NULL)
			_exit(1);
		n = tls_read(fd, line, sizeof line, t);
		if (n <= 0 || tls_write(fd, "pong\n", 5, t) != 5)
			_exit(2);
		/* Wait for the client to close, so tickets reach it first. */
		(void)tls_read(fd, line, sizeof line, t);
		tls_close(t);
		_exit(0);
	}
}

struct result {
	int connected;
	int pong;
	int resumed;
	enum tls_reason reason;
	char err[TLS_ERR_MAX];
	SSL_SESSION *session;
};

static struct result
try(SSL_CTX *server, SSL_CTX *client, const char *host, enum tls_level level,
    const char *fp, SSL_SESSION *session, int silent)
{
	struct result r = { 0 };
	struct tls_check chk = { .level = level, .fingerprint = fp };
	int sv[2], status;
	struct tls *t;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return r;
	pid = serve(server, sv[1], sv[0], silent);
	close(sv[1]);
	t = tls_connect(client, sv[0], host, &chk, session, 1, 0, r.err,
	    sizeof r.err);
	r.reason = chk.reason;
	if (t != NULL) {
		char buf[16];

		r.connected = 1;
		if (tls_write(sv[0], "ping\n", 5, t) == 5 &&
		    tls_read(sv[0], buf, sizeof buf, t) == 5 &&
		    memcmp(buf, "pong\n", 5) == 0)
			r.pong = 1;
		r.resumed = tls_resumed(t);
		r.session = tls_session(t);
		tls_close(t);
	}
	close(sv[0]);
	if (silent)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return r;
}

int
main(void)
{
	struct tls_opts so = { 0 }, co = { 0 }, ca = { 0 }, oo = { 0 };
	SSL_CTX *server, *oldserver, *client, *vclient, *oclient, *bad;
	char err[TLS_ERR_MAX];
	struct result r, r2;

	signal(SIGPIPE, SIG_IGN);
	plan(20);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(certpem, sizeof certpem, "%s/cert.pem", dir);
	snprintf(keypem, sizeof keypem, "%s/key.pem", dir);
	snprintf(oldpem, sizeof oldpem, "%s/old.pem", dir);
	snprintf(oldkey, sizeof oldkey, "%s/oldkey.pem", dir);
	ok(make_cert(certpem, keypem, -1, 30, 1) &&
	    make_cert(oldpem, oldkey, -60, -30, 0), "certificates made");

	so.cert = certpem;
	so.key = keypem;
	server = tls_server_ctx(&so, err, sizeof err);
	ok(server != NULL, "a server context from a certificate and key");
	oo.cert = oldpem;
	oo.key = oldkey;
	oldserver = tls_server_ctx(&oo, err, sizeof err);
	so.key = oldkey;
	bad = tls_server_ctx(&so, err, sizeof err);
	ok(bad == NULL && strstr(err, "unable to load the TLS key") != NULL,
	    "a key that does not match is refused: %s", err);
	so.key = NULL;
	ok(tls_server_ctx(&so, err, sizeof err) == NULL,
	    "a server without a key is refused");

	client = tls_client_ctx(&co, err, sizeof err);
	ca.cafile = certpem;
	vclient = tls_client_ctx(&ca, err, sizeof err);
	ok(client != NULL && vclient != NULL, "client contexts");

	r = try(server, client, "mx.test", TLS_LEVEL_MAY, NULL, NULL, 0);
	ok(r.connected && r.pong, "level may: data flows both ways");
	SSL_SESSION_free(r.session);
	r = try(server, vclient, "mx.test", TLS_LEVEL_VERIFY, NULL, NULL, 0);
	ok(r.connected && r.pong, "level verify: a trusted certificate for the "
	    "right name passes (%s)", r.err);
	SSL_SESSION_free(r.session);
	r = try(server, vclient, "other.test", TLS_LEVEL_VERIFY, NULL, NULL, 0);
	ok(!r.connected && r.reason == TLS_REASON_NAME &&
	    strstr(r.err, "certificate rejected: name mismatch"),
	    "level verify: the wrong host name fails, and says so: %s", r.err);
	r = try(server, client, "mx.test", TLS_LEVEL_VERIFY, NULL, NULL, 0);
	ok(!r.connected && r.reason == TLS_REASON_SELF_SIGNED &&
	    strstr(r.err, "certificate rejected: self-signed"),
	    "level verify: a self-signed certificate fails, and says so: %s",
	    r.err);
	r = try(server, client, "other.test", TLS_LEVEL_ENCRYPT, NULL, NULL, 0);
	ok(r.connected && r.pong, "level encrypt: no verification asked");
	SSL_SESSION_free(r.session);
	/* Trusted, so that expiry is all that is wrong with it. */
	ca.cafile = oldpem;
	oclient = tls_client_ctx(&ca, err, sizeof err);
	r = try(oldserver, oclient, "mx.test", TLS_LEVEL_VERIFY, NULL, NULL, 0);
	SSL_CTX_free(oclient);
	ok(!r.connected && r.reason == TLS_REASON_EXPIRED &&
	    strstr(r.err, "certificate rejected: expired"),
	    "level verify: an expired certificate fails, and says so: %s",
	    r.err);
	r = try(server, client, "mx.test", TLS_LEVEL_FINGERPRINT, fp_cert, NULL,
	    0);
	ok(r.connected, "fingerprint of the certificate matches");
	SSL_SESSION_free(r.session);
	r = try(server, client, "mx.test", TLS_LEVEL_FINGERPRINT, fp_key, NULL,
	    0);
	ok(r.connected, "fingerprint of the public key matches");
	SSL_SESSION_free(r.session);
	r = try(oldserver, client, "mx.test", TLS_LEVEL_FINGERPRINT, fp_cert,
	    NULL, 0);
	ok(!r.connected && r.reason == TLS_REASON_PIN &&
	    strstr(r.err, "certificate rejected: pin mismatch"),
	    "another certificate does not match the pin: %s", r.err);
	r = try(server, client, "mx.test", TLS_LEVEL_FINGERPRINT, "sha256:zz",
	    NULL, 0);
	ok(!r.connected, "a malformed pin matches nothing");

	r = try(server, client, "mx.test", TLS_LEVEL_MAY, NULL, NULL, 0);
	ok(r.connected && !r.resumed && r.session != NULL,
	    "a first connection gives a session");
	r2 = try(server, client, "mx.test", TLS_LEVEL_MAY, NULL, r.session, 0);
	ok(r2.connected && r2.resumed, "the session is resumed next time");
	SSL_SESSION_free(r.session);
	SSL_SESSION_free(r2.session);

	r = try(server, client, "mx.test", TLS_LEVEL_MAY, NULL, NULL, 1);
	ok(!r.connected && strstr(r.err, "timeout"),
	    "a silent server times out: %s", r.err);

	ok(tls_proto_parse("TLSv1.3") == TLS1_3_VERSION &&
	    tls_proto_parse("tlsv1.2") == TLS1_2_VERSION &&
	    tls_proto_parse("SSLv3") == 0, "protocol names");
	{
		enum tls_level l;

		ok(tls_level_parse("fingerprint", &l) &&
		    l == TLS_LEVEL_FINGERPRINT && !tls_level_parse("maybe", &l),
		    "level names");
	}
	SSL_CTX_free(server);
	SSL_CTX_free(oldserver);
	SSL_CTX_free(client);
	SSL_CTX_free(vclient);
	unlink(certpem);
	unlink(keypem);
	unlink(oldpem);
	unlink(oldkey);
	rmdir(dir);
	return done();
}
