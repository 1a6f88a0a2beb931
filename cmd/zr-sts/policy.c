/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "dns.h"
#include "https.h"
#include "policy.h"
#include "queue.h"
#include "scan.h"
#include "timeoutio.h"
#include "tls.h"

/* Addresses of mta-sts.DOMAIN tried, at most. */
#define POLICY_ADDRS 4

int
policy_args(struct policy_conf *c, int argc, char **argv)
{
	int i;
	size_t n, k;

	memset(c, 0, sizeof *c);
	c->queuedir = queue_default();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0)
			c->force = true;
		else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
			c->queuedir = argv[++i];
		else
			return 0;
	}
	if (i + 1 != argc)
		return 0;
	n = strlen(argv[i]);
	if (n > 0 && argv[i][n - 1] == '.')
		n--;
	/* A name that will be a file name and part of a URL: LDH only. */
	if (n == 0 || n > STS_NAME_MAX - 8 || argv[i][0] == '.' ||
	    argv[i][0] == '-')
		return 0;
	for (k = 0; k < n; k++) {
		char ch = argv[i][k];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.') ||
		    (ch == '.' && argv[i][k + 1] == '.'))
			return 0;
		c->domain[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	c->domain[n] = '\0';
	return 1;
}

int
policy_conf_load(struct policy_conf *c)
{
	struct zs s = ZS_INIT;
	int r = control_readline("mtasts", &s);

	if (r == -1)
		return 0;
	c->off = r == 1 && strcmp(s.s, "no") == 0;
	zs_free(&s);
	return https_conf_load(&c->dnsservers, &c->cafile);
}

/* Whether a head's field (name: value) is there; its value in v, vn. */
static int
head_field(const char *h, size_t n, const char *name, const char **v,
    size_t *vn)
{
	size_t i = 0, len = strlen(name);

	/* The status line first, then one field per CRLF-ended line. */
	while (i < n && h[i] != '\n')
		i++;
	while (++i < n) {
		const char *l = h + i;
		size_t k = i;

		while (k < n && h[k] != '\n')
			k++;
		if (k - i > len && l[len] == ':' &&
		    strncasecmp(l, name, len) == 0) {
			*v = l + len + 1;
			*vn = k - i - len - 1;
			while (*vn > 0 && (**v == ' ' || **v == '\t')) {
				++*v;
				--*vn;
			}
			while (*vn > 0 && ((*v)[*vn - 1] == '\r' ||
			    (*v)[*vn - 1] == ' ' || (*v)[*vn - 1] == '\t'))
				--*vn;
			return 1;
		}
		i = k;
	}
	return 0;
}

/* RFC 9112 7.1: the chunks of p (n bytes) joined into body. */
static int
dechunk(const char *p, size_t n, struct zs *body, const char **why)
{
	size_t i = 0;

	for (;;) {
		unsigned long long size = 0;
		size_t k = i;

		while (k < n && k - i < 16) {
			char ch = p[k];
			unsigned d;

			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				d = (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				d = (unsigned)(ch - 'A' + 10);
			else
				break;
			size = size * 16 + d;
			k++;
		}
		if (k == i) {
			*why = "bad chunk size";
			return 0;
		}
		/* Chunk extensions are ignored, up to the line's end. */
		while (k < n && p[k] != '\n')
			k++;
		if (k == n) {
			*why = "policy cut short";
			return 0;
		}
		i = k + 1;
		if (size == 0)
			return 1;
		if (size > STS_POLICY_MAX || size > n - i ||
		    body->len + size > STS_POLICY_MAX) {
			*why = size > STS_POLICY_MAX ? "policy too long" :
			    "policy cut short";
			return 0;
		}
		if (!zs_catb(body, p + i, (size_t)size)) {
			*why = "out of memory";
			return 0;
		}
		i += (size_t)size;
		if (n - i < 2 || p[i] != '\r' || p[i + 1] != '\n') {
			*why = "bad chunk end";
			return 0;
		}
		i += 2;
	}
}

int
policy_http_body(const char *p, size_t n, bool clean, struct zs *body,
    const char **why)
{
	const char *head = p, *end = NULL, *v;
	size_t hn, i, vn;
	unsigned long long len;

	body->len = 0;
	for (i = 0; i + 3 < n && i < POLICY_HEAD_MAX; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			end = p + i;
			break;
		}
	if (end == NULL) {
		*why = "no complete HTTP response head";
		return 0;
	}
	hn = (size_t)(end - p) + 2;
	/* "HTTP/1.x 200 ...": a redirect is not followed (RFC 8461 3.3). */
	if (hn < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    memcmp(p + 9, "200", 3) != 0 || (hn > 12 && p[12] != ' ' &&
	    p[12] != '\r')) {
		*why = p[8] == ' ' && p[9] == '3' ? "HTTP redirect refused" :
		    "HTTP status not 200";
		return 0;
	}
	/* RFC 8461 3.2: the media type is text/plain, parameters aside. */
	if (!head_field(p, hn, "content-type", &v, &vn) || vn < 10 ||
	    strncasecmp(v, "text/plain", 10) != 0 ||
	    (vn > 10 && v[10] != ';' && v[10] != ' ')) {
		*why = "policy not served as text/plain";
		return 0;
	}
	p += hn + 2;
	n -= hn + 2;
	if (head_field(head, hn, "transfer-encoding", &v, &vn)) {
		if (vn != 7 || strncasecmp(v, "chunked", 7) != 0) {
			*why = "unknown transfer coding";
			return 0;
		}
		return dechunk(p, n, body, why);
	}
	if (head_field(head, hn, "content-length", &v, &vn)) {
		if (vn == 0 || scan_ulongb(v, vn, &len) != vn) {
			*why = "bad Content-Length";
			return 0;
		}
		if (len > STS_POLICY_MAX) {
			*why = "policy too long";
			return 0;
		}
		if (len > n) {
			*why = "policy cut short";
			return 0;
		}
		n = (size_t)len;
	} else if (!clean) {
		*why = "policy cut short";
		return 0;
	}
	if (n > STS_POLICY_MAX) {
		*why = "policy too long";
		return 0;
	}
	if (!zs_copyb(body, p, n)) {
		*why = "out of memory";
		return 0;
	}
	return 1;
}

/* The policy of c->domain over HTTPS into pol. 1, or 0 with why. */
static int
fetch(struct policy_conf *c, struct dns *d, struct sts_policy *pol,
    struct zs *why)
{
	struct dns_addr a[POLICY_ADDRS];
	struct zs resp = ZS_INIT, body = ZS_INIT, req = ZS_INIT;
	char host[STS_NAME_MAX + 1];
	long long deadline = timeoutio_deadline(POLICY_TIMEOUT);
	const char *w;
	SSL_CTX *ctx;
	size_t n = 0, i;
	bool clean = true;
	int ok = 0;

	memcpy(host, "mta-sts.", 8);
	memcpy(host + 8, c->domain, strlen(c->domain) + 1);
	/* Through lib/dns, with control/dnsservers, like every lookup. */
	if (dns_addrs(d, host, a, POLICY_ADDRS, &n) != DNS_OK) {
		(void)(zs_copys(why, "no address for ") && zs_cats(why, host));
		return 0;
	}
	ctx = https_client_ctx(&c->cafile, why);
	if (ctx == NULL)
		return 0;
	(void)zs_copys(why, "unable to connect to ");
	(void)zs_cats(why, host);
	if (!zs_cats(&req, "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: ") ||
	    !zs_cats(&req, host) ||
	    !zs_cats(&req, "\r\nConnection: close\r\n"
	    "User-Agent: zr-sts\r\n\r\n"))
		n = 0;
	for (i = 0; i < n && !ok; i++) {
		int fd = https_connect(&a[i], POLICY_PORT, POLICY_TIMEOUT,
		    deadline);

		if (fd == -1)
			continue;
		/* Head, body, and a chunked coding's few bytes of framing. */
		ok = https_exchange(ctx, fd, host, &req,
		    POLICY_HEAD_MAX + STS_POLICY_MAX + 4096, POLICY_TIMEOUT,
		    deadline, &resp, &clean, "the policy", why);
		close(fd);
	}
	zs_free(&req);
	SSL_CTX_free(ctx);
	if (ok && !policy_http_body(resp.s, resp.len, clean, &body, &w)) {
		(void)zs_copys(why, w);
		ok = 0;
	}
	if (ok && !sts_policy_parse(body.s, body.len, pol, &w)) {
		(void)(zs_copys(why, "bad policy: ") && zs_cats(why, w));
		ok = 0;
	}
	zs_free(&resp);
	zs_free(&body);
	return ok;
}

/*
 * The id of the domain's one STSv1 TXT record: 1; 0 when there is none
 * (or several: RFC 8461 3.1 says that is none); -1 when DNS failed.
 */
static int
txt_id(struct policy_conf *c, struct dns *d, char id[STS_ID_MAX + 1])
{
	char name[STS_NAME_MAX + 1];
	struct zs txt = ZS_INIT;
	enum dns_status st;
	const char *p, *why;
	size_t n = 0, i, found = 0;

	memcpy(name, "_mta-sts.", 9);
	memcpy(name + 9, c->domain, strlen(c->domain) + 1);
	st = dns_txt(d, name, &txt, &n);
	if (st == DNS_TEMP) {
		zs_free(&txt);
		return -1;
	}
	for (i = 0, p = txt.s; st == DNS_OK && i < n; i++, p += strlen(p) + 1) {
		char one[STS_ID_MAX + 1];

		/* Records that do not begin with v=STSv1 are discarded. */
		if (strncmp(p, "v=STSv1", 7) != 0)
			continue;
		found++;
		if (!sts_txt_parse(p, strlen(p), one, &why))
			found++;	/* a broken STSv1 record: no policy */
		else
			memcpy(id, one, sizeof one);
	}
	zs_free(&txt);
	return found == 1;
}

static int
save(struct policy_conf *c, struct queue *q, const struct sts_cache *e)
{
	struct zs s = ZS_INIT;
	int ok = sts_cache_fmt(e, &s) && queue_sts_write(q, c->domain, s.s,
	    s.len);

	if (!ok)
		warn_sys("unable to write sts/", c->domain);
	zs_free(&s);
	return ok;
}

int
policy_run(struct policy_conf *c)
{
	struct sts_cache old, e;
	struct queue q;
	struct dns d;
	struct zs rec = ZS_INIT, why = ZS_INIT;
	char id[STS_ID_MAX + 1];
	long long now = (long long)time(NULL);
	size_t badline = 0;
	int r, code = EXIT_TEMP;

	if (c->off)
		return EXIT_OK;
	if (!queue_open(&q, c->queuedir))
		die_sys(EXIT_TEMP, "unable to open the queue ", c->queuedir);
	r = queue_sts_read(&q, c->domain, &rec);
	if (r != 1 || !sts_cache_parse(rec.s, rec.len, &old))
		memset(&old, 0, sizeof old);
	zs_free(&rec);
	if (!dns_open(&d, c->dnsservers.s, &badline))
		die_sys(EXIT_TEMP, "unable to set up DNS (control/dnsservers)");
	d.timeout = 3;
	d.tries = 2;
	e = old;
	e.checked = now;
	r = txt_id(c, &d, id);
	if (r == -1) {
		if (!sts_cache_valid(&old, now))
			memset(&e, 0, sizeof e);
		e.checked = now;
		(void)save(c, &q, &e);
		warn_x("domain=", c->domain, " mta-sts=tempfail reason=\"",
		    "DNS failure looking up the TXT record (",
		    d.why != NULL ? d.why : "no answer", ")\"");
	} else if (r == 0) {
		/* RFC 8461 5.1: a policy outlives its TXT record's removal. */
		if (!sts_cache_valid(&old, now))
			memset(&e, 0, sizeof e);
		e.checked = now;
		code = save(c, &q, &e) ? EXIT_OK : EXIT_TEMP;
		log_info("domain=", c->domain, " mta-sts=", e.have ?
		    "kept" : "none", " reason=\"no STSv1 TXT record\"");
	} else if (!c->force && sts_cache_valid(&old, now) &&
	    strcmp(old.id, id) == 0) {
		code = save(c, &q, &e) ? EXIT_OK : EXIT_TEMP;
	} else if (fetch(c, &d, &e.policy, &why) && zs_0(&why)) {
		e.have = true;
		memcpy(e.id, id, sizeof e.id);
		e.fetched = now;
		code = save(c, &q, &e) ? EXIT_OK : EXIT_TEMP;
		if (code == EXIT_OK)
			log_info("domain=", c->domain, " mta-sts=fetched id=",
			    id, " mode=", sts_mode_name(e.policy.mode));
	} else {
		/*
		 * RFC 8461 5.1: a failed fetch keeps a cached policy; without
		 * one the domain is treated as having none, until the next
		 * check (the record says when this one was).
		 */
		(void)zs_0(&why);
		e = old;
		if (!sts_cache_valid(&old, now))
			memset(&e, 0, sizeof e);
		e.checked = now;
		(void)save(c, &q, &e);
		warn_x("domain=", c->domain, " mta-sts=tempfail reason=\"",
		    why.s != NULL ? why.s : "fetch failed", "\"");
	}
	zs_free(&why);
	dns_close(&d);
	queue_close(&q);
	return code;
}
