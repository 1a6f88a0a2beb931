/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agg.h"
#include "base64.h"
#include "buf.h"
#include "control.h"
#include "daily.h"
#include "die.h"
#include "dns.h"
#include "fmt.h"
#include "gzip.h"
#include "https.h"
#include "proc.h"
#include "queue.h"
#include "timeoutio.h"

int
daily_args(struct daily_conf *c, int argc, char **argv)
{
	const char *day = NULL;
	int i;

	memset(c, 0, sizeof *c);
	c->queuedir = queue_default();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
			c->queuedir = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			day = argv[++i];
		else
			return 0;
	}
	if (i != argc)
		return 0;
	if (day == NULL) {
		/* Yesterday, UTC: the last day that is over. */
		tlsrpt_day((long long)time(NULL) - 86400, c->day);
		day = c->day;
	}
	if (!tlsrpt_day_parse(day, &c->start))
		return 0;
	memcpy(c->day, day, TLSRPT_DAY_LEN + 1);
	return 1;
}

int
daily_conf_load(struct daily_conf *c)
{
	struct zs s = ZS_INIT;
	int r = control_readline("me", &s);

	if (r == -1)
		return 0;
	if (r == 0 || s.len == 0 || s.len >= sizeof c->me) {
		if (gethostname(c->me, sizeof c->me) == -1)
			memcpy(c->me, "localhost", 10);
		c->me[sizeof c->me - 1] = '\0';
	} else {
		memcpy(c->me, s.s, s.len + 1);
	}
	zs_free(&s);
	return https_conf_load(&c->dnsservers, &c->cafile);
}

/* The day's lines, into the agg; a damaged line is logged and passed by. */
struct scan {
	struct agg *a;
	long long start;
	unsigned long long bad;
};

static int
scan_file(const char *name, const struct zs *text, void *ctx)
{
	struct scan *sc = ctx;
	struct tlsrpt_rec r;
	const char *why, *nl;
	size_t off = 0;

	(void)name;
	memset(&r, 0, sizeof r);
	while (off < text->len) {
		nl = memchr(text->s + off, '\n', text->len - off);
		/* A line without its newline is one being written, or cut. */
		if (nl == NULL)
			break;
		if (tlsrpt_rec_parse(text->s + off,
		    (size_t)(nl - text->s) - off,
		    &r, &why) && r.t >= sc->start && r.t < sc->start + 86400) {
			if (!agg_add(sc->a, &r)) {
				tlsrpt_rec_free(&r);
				return -1;
			}
		} else {
			sc->bad++;
		}
		off = (size_t)(nl - text->s) + 1;
	}
	tlsrpt_rec_free(&r);
	return 1;
}

/*
 * The rua URIs of domain's _smtp._tls record into rua: 1 and *n; 0 when
 * the domain has none (RFC 8460 3: not exactly one TLSRPTv1 record);
 * -1 when DNS failed for now.
 */
static int
lookup(struct dns *d, const char *domain, struct zs *rua, size_t *n)
{
	char name[DNS_NAME_MAX + 1];
	struct zs txt = ZS_INIT, one = ZS_INIT;
	size_t nrec = 0, i, off = 0, found = 0, k;
	const char *why;
	int r = 0;

	*n = 0;
	if (fmt_snprintf(name, sizeof name, "_smtp._tls.%s", domain) == -1)
		return 0;
	switch (dns_txt(d, name, &txt, &nrec)) {
	case DNS_OK:
		break;
	case DNS_TEMP:
		warn_x("domain=", domain, " name=", name, " reason=", DIE_Q,
		    d->why != NULL ? d->why : "temporary DNS failure");
		r = -1;
		goto out;
	default:
		goto out;
	}
	for (i = 0; i < nrec; i++) {
		const char *t = txt.s + off;
		size_t tn = strlen(t);

		off += tn + 1;
		/* RFC 8460 3: other records are discarded, unparsed. */
		if (tn < 11 || memcmp(t, "v=TLSRPTv1", 10) != 0 ||
		    (t[10] != ';' && t[10] != ' ' && t[10] != '\t'))
			continue;
		found++;
		if (!tlsrpt_txt_parse(t, tn, &one, &k, &why)) {
			warn_x("domain=", domain, " name=", name, " reason=",
			    DIE_Q, why);
			found++;	/* a bad one still counts: no report */
			continue;
		}
		if (!zs_copyb(rua, one.s, one.len)) {
			r = -1;
			goto out;
		}
		*n = k;
	}
	r = found == 1 && *n > 0;
out:
	zs_free(&txt);
	zs_free(&one);
	return r;
}

/* zr-inject, installed beside this program. */
static int
inject_path(char *path, size_t size)
{
	if (proc_sibling("zr-inject", path, size))
		return 1;
	return fmt_snprintf(path, size, "/usr/local/sbin/zr-inject") != -1;
}

/* Queue msg from sender to the n NUL-ended addresses of to. 1 or 0. */
static int
inject(const struct daily_conf *c, const char *sender, const struct zs *to,
    size_t n, const struct zs *msg)
{
	char path[4200];
	char **argv;
	int p[2], status, ok = 0;
	size_t i, off = 0, w;
	pid_t pid;

	if (!inject_path(path, sizeof path))
		return 0;
	argv = calloc(n + 6, sizeof *argv);
	if (argv == NULL)
		return 0;
	argv[0] = (char *)(uintptr_t)"zr-inject";
	argv[1] = (char *)(uintptr_t)"-i";
	argv[2] = (char *)(uintptr_t)"-f";
	argv[3] = (char *)(uintptr_t)sender;
	argv[4] = (char *)(uintptr_t)"--";
	for (i = 0; i < n; i++) {
		argv[5 + i] = to->s + off;
		off += strlen(to->s + off) + 1;
	}
	if (pipe(p) == -1) {
		free(argv);
		return 0;
	}
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		free(argv);
		return 0;
	}
	if (pid == 0) {
		close(p[1]);
		if (dup2(p[0], 0) == -1 || dup2(2, 1) == -1)
			_exit(EXIT_TEMP);
		close(p[0]);
		/* The deadline outlives exec: SIGALRM ends a stuck one. */
		signal(SIGALRM, SIG_DFL);
		alarm(DAILY_INJECT_DEADLINE);
		if (setenv("ZR_QUEUE", c->queuedir, 1) == -1)
			_exit(EXIT_TEMP);
		execv(path, argv);
		warn_sys("unable to run ", path);
		_exit(EXIT_TEMP);
	}
	close(p[0]);
	w = buf_write_all(p[1], msg->s, msg->len);
	close(p[1]);
	if (proc_wait(pid, &status) == -1)
		goto out;
	ok = w && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok)
		warn_x("zr-inject failed for a report");
out:
	free(argv);
	return ok;
}

int
daily_message(const struct daily_conf *c, const char *domain,
    const char *id, const char *file, const char *to,
    const char *gz, size_t n, struct zs *out)
{
	struct zs b = ZS_INIT;
	size_t off;
	int ok;

	out->len = 0;
	/* RFC 8460 5.3: the Subject and the two TLS-Report fields. */
	ok = zs_cats(out, "From: postmaster@") && zs_cats(out, c->me) &&
	    zs_cats(out, "\nTo: ") && zs_cats(out, to) &&
	    zs_cats(out, "\nSubject: Report Domain: ") &&
	    zs_cats(out, domain) && zs_cats(out, " Submitter: ") &&
	    zs_cats(out, c->me) && zs_cats(out, " Report-ID: <") &&
	    zs_cats(out, id) && zs_cats(out, ">\nTLS-Report-Domain: ") &&
	    zs_cats(out, domain) && zs_cats(out, "\nTLS-Report-Submitter: ") &&
	    zs_cats(out, c->me) && zs_cats(out, "\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
	    "\tboundary=\"tlsrpt-") && zs_cats(out, id) &&
	    zs_cats(out, "\"\n\nThis is a MIME message.\n\n--tlsrpt-") &&
	    zs_cats(out, id) && zs_cats(out, "\nContent-Type: text/plain; "
	    "charset=us-ascii\n\nThe SMTP TLS report (RFC 8460) of ") &&
	    zs_cats(out, c->me) && zs_cats(out, " for ") &&
	    zs_cats(out, domain) && zs_cats(out, ", ") &&
	    zs_cats(out, c->day) && zs_cats(out, " (UTC), is attached.\n\n"
	    "--tlsrpt-") && zs_cats(out, id) && zs_cats(out,
	    "\nContent-Type: application/tlsrpt+gzip; name=\"") &&
	    zs_cats(out, file) && zs_cats(out, "\"\nContent-Disposition: "
	    "attachment; filename=\"") && zs_cats(out, file) &&
	    zs_cats(out, "\"\nContent-Transfer-Encoding: base64\n\n") &&
	    base64_encode((const unsigned char *)gz, n, &b);
	for (off = 0; ok && off < b.len; off += DAILY_B64_LINE)
		ok = zs_catb(out, b.s + off, b.len - off > DAILY_B64_LINE ?
		    DAILY_B64_LINE : b.len - off) && zs_catc(out, '\n');
	ok = ok && zs_cats(out, "\n--tlsrpt-") && zs_cats(out, id) &&
	    zs_cats(out, "--\n");
	zs_free(&b);
	return ok;
}

/* The request and the exchange with one address of host. */
static int
post_to(const struct daily_conf *c, struct dns_addr *a, const char *host,
    unsigned port, const struct zs *req, long long deadline,
    struct zs *resp, struct zs *why)
{
	SSL_CTX *ctx;
	bool clean;
	int fd, ok = 0;

	ctx = https_client_ctx(&c->cafile, why);
	if (ctx == NULL)
		return 0;
	fd = https_connect(a, port, DAILY_HTTPS_TIMEOUT, deadline);
	if (fd == -1)
		(void)(zs_copys(why, "unable to connect to ") &&
		    zs_cats(why, host));
	else
		ok = https_exchange(ctx, fd, host, req, DAILY_RESPONSE_MAX,
		    DAILY_HTTPS_TIMEOUT, deadline, resp, &clean,
		    "the response", why);
	if (fd != -1)
		close(fd);
	SSL_CTX_free(ctx);
	return ok;
}

/*
 * POST the report gz to an https: URI (RFC 8460 5.4): 1 when a 2xx came
 * back, or the URI is not one to post to; 0 to try again later.
 */
static int
post(const struct daily_conf *c, struct dns *d, const char *domain,
    const char *uri, const struct zs *gz)
{
	char host[TLSRPT_NAME_MAX + 1], num[FMT_ULONG + 1];
	struct dns_addr a[DAILY_ADDRS];
	struct zs path = ZS_INIT, req = ZS_INIT, resp = ZS_INIT, why = ZS_INIT;
	long long deadline = timeoutio_deadline(DAILY_HTTPS_TIMEOUT);
	unsigned port;
	size_t n = 0, i;
	int ok = 0, code = -1;

	if (!tlsrpt_https(uri, host, &port, &path)) {
		log_info("domain=", domain, " day=", c->day, " rua=", uri,
		    " result=skipped reason=\"not an https: URI zr can post "
		    "to\"");
		ok = 1;
		goto out;
	}
	num[fmt_ulong(num, port)] = '\0';
	if (!zs_cats(&req, "POST ") || !zs_cat(&req, &path) ||
	    !zs_cats(&req, " HTTP/1.1\r\nHost: ") || !zs_cats(&req, host) ||
	    (port != 443 && (!zs_catc(&req, ':') || !zs_cats(&req, num))) ||
	    !zs_cats(&req, "\r\nContent-Type: application/tlsrpt+gzip\r\n"
	    "Content-Length: ") || !zs_catulong(&req, gz->len) ||
	    !zs_cats(&req, "\r\nConnection: close\r\n"
	    "User-Agent: zr-tlsrpt\r\n\r\n") || !zs_cat(&req, gz))
		goto out;
	/* Through lib/dns, with control/dnsservers, like every lookup. */
	if (dns_addrs(d, host, a, DAILY_ADDRS, &n) != DNS_OK || n == 0)
		(void)(zs_copys(&why, "no address for ") &&
		    zs_cats(&why, host));
	for (i = 0; i < n && code == -1; i++)
		if (post_to(c, &a[i], host, port, &req, deadline, &resp, &why))
			code = https_status(resp.s, resp.len);
	ok = code >= 200 && code <= 299;
	if (code != -1 && !ok) {
		num[fmt_ulong(num, (unsigned long long)code)] = '\0';
		(void)(zs_copys(&why, "HTTP status ") && zs_cats(&why, num));
	}
	if (ok)
		log_info("domain=", domain, " day=", c->day, " rua=", uri,
		    " result=posted");
	else if (zs_0(&why))
		warn_x("domain=", domain, " day=", c->day, " rua=", uri,
		    " result=failed reason=", DIE_Q, why.len ? why.s :
		    "out of memory");
out:
	zs_free(&path);
	zs_free(&req);
	zs_free(&resp);
	zs_free(&why);
	return ok;
}

/* Whether the marker name is in the day's directory. */
static int
marked(struct queue *q, const struct daily_conf *c, const char *name)
{
	return queue_tlsrpt_marked(q, c->day, name) == 1;
}

/*
 * One domain's report, to the URIs of rua: the mailto: ones in one
 * message, each https: one by a POST. 1 when all is done.
 */
static int
report_domain(struct daily_conf *c, struct queue *q, struct dns *dns,
    const struct agg_domain *d, const struct zs *rua, size_t nrua)
{
	char mark[TLSRPT_NAME_MAX + FMT_ULONG + 8];
	size_t nhttps = 0;
	char qid[QUEUE_ID_SIZE], id[QUEUE_ID_SIZE + 256], uid[QUEUE_ID_SIZE];
	char file[1024], sender[300], contact[300];
	struct zs json = ZS_INIT, gz = ZS_INIT, msg = ZS_INIT, to = ZS_INIT,
	    addr = ZS_INIT, list = ZS_INIT;
	struct agg_meta m;
	size_t i, k = 0, off = 0, nto = 0;
	int ok = 0;

	if (!queue_id_new(qid))
		goto out;
	/* RFC 8460 5.3: the file name's unique-id is letters and digits. */
	for (i = 0; qid[i] != '\0'; i++)
		if (qid[i] != '.')
			uid[k++] = qid[i];
	uid[k] = '\0';
	if (fmt_snprintf(id, sizeof id, "%s@%s", uid, c->me) == -1 ||
	    fmt_snprintf(sender, sizeof sender, "postmaster@%s", c->me) == -1 ||
	    fmt_snprintf(contact, sizeof contact, "mailto:%s", sender) == -1 ||
	    fmt_snprintf(file, sizeof file, "%s!%s!%lld!%lld!%s.json.gz",
	    c->me, d->name, c->start, c->start + 86399, uid) == -1)
		goto out;
	for (i = 0; i < nrua; i++) {
		const char *u = rua->s + off;

		off += strlen(u) + 1;
		if (tlsrpt_mailto(u, &addr)) {
			if (!zs_catb(&to, addr.s, addr.len + 1) ||
			    !zs_cats(&list, nto > 0 ? ", " : "") ||
			    !zs_cats(&list, addr.s))
				goto out;
			nto++;
		} else if (strncasecmp(u, "https:", 6) == 0) {
			nhttps++;
		} else {
			log_info("domain=", d->name, " day=", c->day,
			    " rua=", u, " result=skipped reason=\"not a "
			    "mailto: URI with one address, nor https:\"");
		}
	}
	if (nto == 0 && nhttps == 0) {
		ok = 1;
		goto out;
	}
	m.org = c->me;
	m.contact = contact;
	m.id = id;
	m.day = c->day;
	if (!zs_0(&list) || !agg_json(d, &m, &json) ||
	    !gzip_stored(json.s, json.len, &gz) ||
	    fmt_snprintf(mark, sizeof mark, "m.%s", d->name) == -1)
		goto out;
	ok = 1;
	if (nto > 0 && !marked(q, c, mark)) {
		ok = daily_message(c, d->name, id, file, list.s, gz.s, gz.len,
		    &msg) && inject(c, sender, &to, nto, &msg);
		if (ok)
			log_info("domain=", d->name, " day=", c->day, " to=",
			    list.s, " report_id=", id, " result=queued");
		ok = ok && queue_tlsrpt_mark(q, c->day, mark);
	}
	for (i = 0, off = 0; i < nrua; i++) {
		const char *u = rua->s + off;

		off += strlen(u) + 1;
		if (strncasecmp(u, "https:", 6) != 0 ||
		    fmt_snprintf(mark, sizeof mark, "h%zu.%s", i, d->name) ==
		    -1 || marked(q, c, mark))
			continue;
		if (post(c, dns, d->name, u, &gz) &&
		    queue_tlsrpt_mark(q, c->day, mark))
			continue;
		ok = 0;
	}
out:
	zs_free(&json);
	zs_free(&gz);
	zs_free(&msg);
	zs_free(&to);
	zs_free(&addr);
	zs_free(&list);
	return ok;
}

int
daily_run(struct daily_conf *c)
{
	struct agg a = { 0 };
	struct scan sc = { .a = &a, .start = c->start };
	struct queue q;
	struct dns d;
	struct zs rua = ZS_INIT;
	char mark[TLSRPT_NAME_MAX + 3], bad[FMT_ULONG + 1];
	size_t i, nrua, badline;
	int code = EXIT_OK, r;

	if (!queue_open(&q, c->queuedir))
		die_sys(EXIT_TEMP, "unable to open the queue ", c->queuedir);
	r = queue_tlsrpt_marked(&q, c->day, "done");
	if (r == 1) {
		log_info("day=", c->day, " result=done-before");
		queue_close(&q);
		zs_free(&c->dnsservers);
		zs_free(&c->cafile);
		return EXIT_OK;
	}
	if (r == -1 || queue_tlsrpt_scan(&q, c->day, scan_file, &sc) != 1)
		die_sys(EXIT_TEMP, "unable to read tlsrpt/", c->day);
	if (sc.bad > 0) {
		bad[fmt_ulong(bad, sc.bad)] = '\0';
		warn_x("tlsrpt/", c->day, ": ", bad,
		    " damaged or foreign lines passed by");
	}
	if (!dns_open(&d, c->dnsservers.s, &badline))
		die_sys(EXIT_TEMP, "unable to set up DNS (control/dnsservers)");
	for (i = 0; i < a.nd; i++) {
		const char *dom = a.d[i].name;

		if (fmt_snprintf(mark, sizeof mark, "s.%s", dom) == -1)
			continue;
		r = queue_tlsrpt_marked(&q, c->day, mark);
		if (r == 1)
			continue;
		if (r == 0)
			r = lookup(&d, dom, &rua, &nrua);
		else
			warn_sys("unable to read tlsrpt/", c->day, "/", mark);
		if (r == 0)
			log_info("domain=", dom, " day=", c->day,
			    " result=no-tlsrpt-record");
		if (r == -1 || (r == 1 && !report_domain(c, &q, &d, &a.d[i],
		    &rua, nrua)) || !queue_tlsrpt_mark(&q, c->day, mark)) {
			code = EXIT_TEMP;
			log_info("domain=", dom, " day=", c->day,
			    " result=deferred");
		}
	}
	if (code == EXIT_OK && !queue_tlsrpt_mark(&q, c->day, "done")) {
		warn_sys("unable to mark tlsrpt/", c->day, " done");
		code = EXIT_TEMP;
	}
	dns_close(&d);
	agg_free(&a);
	zs_free(&rua);
	zs_free(&c->dnsservers);
	zs_free(&c->cafile);
	queue_close(&q);
	return code;
}
