/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "https.h"
#include "timeoutio.h"

int
https_connect(struct dns_addr *a, unsigned port, unsigned timeout,
    long long deadline)
{
	int fd, err = 0;
	socklen_t len = sizeof err;

	if (a->sa.ss_family == AF_INET)
		((struct sockaddr_in *)&a->sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a->sa)->sin6_port = htons(port);
	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&a->sa, a->len) == 0)
		return fd;
	if (errno == EINPROGRESS && timeoutio_wait_until(fd, POLLOUT,
	    timeout, deadline) && getsockopt(fd, SOL_SOCKET, SO_ERROR,
	    &err, &len) == 0 && err == 0)
		return fd;
	close(fd);
	return -1;
}

static void
why3(struct zs *why, const char *a, const char *b)
{
	(void)(zs_copys(why, a) && zs_cats(why, b));
}

int
https_exchange(SSL_CTX *ctx, int fd, const char *host,
    const struct zs *req, size_t max, unsigned timeout, long long deadline,
    struct zs *resp, bool *clean, const char *what, struct zs *why)
{
	char err[TLS_ERR_MAX];
	struct tls *t;
	struct tls_check chk = { .level = TLS_LEVEL_VERIFY };
	size_t off = 0;
	int ok = 0;

	/* Both RFC 8461 3.3 and RFC 8460 5.4 want the certificate checked. */
	t = tls_connect(ctx, fd, host, &chk, NULL, timeout, deadline, err,
	    sizeof err);
	if (t == NULL) {
		why3(why, "TLS: ", err);
		return 0;
	}
	while (off < req->len) {
		ssize_t w = tls_write(fd, req->s + off, req->len - off, t);

		if (w <= 0) {
			(void)zs_copys(why, "unable to send the request");
			goto done;
		}
		off += (size_t)w;
	}
	resp->len = 0;
	*clean = true;
	for (;;) {
		ssize_t r;

		if (resp->len > max) {
			why3(why, what, " too long");
			goto done;
		}
		if (!zs_readyplus(resp, 4096))
			goto done;
		r = tls_read(fd, resp->s + resp->len, 4096, t);
		if (r == 0)
			break;
		if (r < 0 && resp->len > 0 && errno != ETIME &&
		    errno != ETIMEDOUT) {
			/*
			 * Many servers close without close_notify: the end is
			 * then only as good as the response's own framing,
			 * which the caller checks.
			 */
			*clean = false;
			break;
		}
		if (r < 0) {
			why3(why, errno == ETIME || errno == ETIMEDOUT ?
			    "timed out reading " : "unable to read ", what);
			goto done;
		}
		resp->len += (size_t)r;
	}
	ok = 1;
done:
	tls_close(t);
	return ok;
}

int
https_status(const char *p, size_t n)
{
	int code = 0;
	size_t i;

	/* RFC 9112 4: HTTP-version SP 3DIGIT SP reason */
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' ||
	    p[7] > '9' || p[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		code = code * 10 + (p[i] - '0');
	}
	return n == 12 || p[12] == ' ' || p[12] == '\r' ? code : -1;
}

int
https_conf_load(struct zs *dnsservers, struct zs *cafile)
{
	if (control_readfile("dnsservers", dnsservers) == -1 ||
	    !zs_0(dnsservers))
		return 0;
	if (!zs_cats(cafile, control_dir()) ||
	    !zs_cats(cafile, "/mtastsca") || !zs_0(cafile))
		return 0;
	if (access(cafile->s, F_OK) != 0)
		cafile->len = 0;
	return 1;
}

SSL_CTX *
https_client_ctx(const struct zs *cafile, struct zs *why)
{
	struct tls_opts o;
	char err[TLS_ERR_MAX];
	SSL_CTX *ctx;

	memset(&o, 0, sizeof o);
	o.cafile = cafile->len > 0 ? cafile->s : NULL;
	ctx = tls_client_ctx(&o, err, sizeof err);
	if (ctx == NULL)
		(void)(zs_copys(why, "TLS: ") && zs_cats(why, err));
	return ctx;
}
