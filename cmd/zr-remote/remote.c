/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "conn.h"
#include "die.h"
#include "mtasts.h"
#include "requiretls.h"
#include "starttls.h"
#include "tx.h"
#include "wire.h"

/* No host took the job; policy, when not empty, is the last one tried. */
static int
report_fail(struct remote *r, const struct job_req *j, enum job_letter letter,
    const char *a, const char *b, const char *policy)
{
	struct zs t = ZS_INIT, rep = ZS_INIT;
	int ok = zs_cats(&t, a) && zs_cats(&t, b);

	/* The T record's fields, without the leading space. */
	ok = job_rec(&rep, JOB_HOST, "", 0) &&
	    (policy == NULL || policy[0] == '\0' ||
	    job_rec(&rep, JOB_TLS, policy + 1, strlen(policy + 1))) &&
	    job_rec(&rep, letter, ok ? t.s : "4.3.0 out of memory",
	    ok ? t.len : 19) && job_report_send(&r->q, &r->jj, j, &rep,
	    r->report);
	zs_free(&t);
	zs_free(&rep);
	return ok;
}

static int
report(struct remote *r, const struct job_req *j, const char *host,
    struct result *res)
{
	struct zs rep = ZS_INIT, t = ZS_INIT;
	size_t i;
	int ok = zs_cats(&t, r->tlsinfo) && zs_cats(&t, r->policy) &&
	    job_rec(&rep, JOB_HOST, host, strlen(host)) &&
	    job_rec(&rep, JOB_TLS, t.s, t.len) &&
	    (!r->dsn_passed || job_rec(&rep, JOB_DSN, "", 0));

	for (i = 0; ok && i < res->n; i++)
		if (res->rl[i] != L_NONE)
			ok = job_rec(&rep, (enum job_letter)res->rl[i],
			    res->rt[i].s, res->rt[i].len);
	if (res->mt.len == 0 && !zs_cats(&res->mt, "4.3.0 out of memory"))
		ok = 0;
	ok = ok && job_rec(&rep, (enum job_letter)res->ml, res->mt.s,
	    res->mt.len) && job_report_send(&r->q, &r->jj, j, &rep,
	    r->report);
	zs_free(&rep);
	zs_free(&t);
	return ok;
}

static bool
same_host(const struct remote *r, const struct route_host *h)
{
	return strcmp(r->key, h->key) == 0 &&
	    r->cur.tls == (h->tls_set ? h->tls : r->conf->tlsmx) &&
	    r->cur.smtps == h->smtps &&
	    strcmp(r->cur.mxname, h->mxname) == 0 &&
	    strcmp(r->cur.fingerprint, h->fingerprint) == 0 &&
	    strcmp(r->cur.auth, h->auth) == 0 &&
	    r->cur.authplain == h->authplain &&
	    r->cur.sts_enforce == h->sts_enforce;
}

/* What a host makes of a job, before the transaction. */
enum host_fit {
	FIT_OK,		/* connected and able to take it */
	FIT_SHORT_TLS,	/* no TLS that REQUIRETLS can accept */
	FIT_SHORT_UTF8,	/* no SMTPUTF8 for a message that needs it */
	FIT_DOWN	/* no connection */
};

/*
 * Whether host hh can take e on its terms, connecting when no connection
 * is kept (fresh then set); why is set when not.
 */
static enum host_fit
host_fit(struct remote *r, const struct route_host *hh,
    const struct envelope *e, bool *fresh)
{
	enum tls_level level = hh->tls_set ? hh->tls : r->conf->tlsmx;

	if (e->requiretls && r->fd == -1 && !requiretls_level_ok(level)) {
		wire_why(r, hh->key, "REQUIRETLS needs verified TLS, and the "
		    "host's level is ", tls_level_name(level));
		return FIT_SHORT_TLS;
	}
	if (r->fd == -1) {
		bool up = conn_open(r, hh);

		tlsreport_session(r, hh);
		if (!up)
			return FIT_DOWN;
		*fresh = true;
	}
	if (e->requiretls && (r->tls == NULL ||
	    !requiretls_level_ok(r->eff) ||
	    !(r->ext & EXT_REQUIRETLS))) {
		wire_why(r, hh->key, "REQUIRETLS: ", r->tls == NULL ||
		    !requiretls_level_ok(r->eff) ?
		    "the connection's TLS is not verified" :
		    "the server does not offer REQUIRETLS");
		conn_close(r, true);
		return FIT_SHORT_TLS;
	}
	/*
	 * RFC 6531 3.2: a message that needs SMTPUTF8 is never downgraded;
	 * a host without it is tried no further.
	 */
	if (e->smtputf8 && !(r->ext & EXT_SMTPUTF8)) {
		wire_why(r, hh->key, "SMTPUTF8: ",
		    "the server does not offer SMTPUTF8");
		conn_close(r, true);
		return FIT_SHORT_UTF8;
	}
	return FIT_OK;
}

/* No host took the job: why, in the terms of the RFCs that say so. */
static int
report_none(struct remote *r, const struct job_req *j,
    const struct envelope *e, size_t short_tls, size_t short_utf8)
{
	/*
	 * RFC 8689 4.2.1: when no host could take the message on its terms
	 * it fails (5.7.30), rather than wait for one that never will.
	 */
	if (e->requiretls && short_tls == j->nhost && j->nhost > 0)
		return report_fail(r, j, JOB_MSG_PERM, "5.7.30 REQUIRETLS "
		    "support required: ", r->why.len ? r->why.s : "no host",
		    r->policy);
	/*
	 * RFC 6531 3.5 and RFC 6533 3: the hosts that answered cannot take
	 * UTF-8 addresses or header fields, so the message fails (5.6.7).
	 */
	if (short_utf8 > 0 && short_utf8 + short_tls == j->nhost)
		return report_fail(r, j, JOB_MSG_PERM, "5.6.7 SMTPUTF8 support "
		    "required (the message has UTF-8 addresses or header "
		    "fields and is not downgraded): ", r->why.len ? r->why.s :
		    "no host", r->policy);
	/* RFC 3463 3.5: X.4.6 is a routing loop. */
	return report_fail(r, j, JOB_MSG_TEMP, r->looped ? "4.4.6 " :
	    "4.4.1 no host answered: ", r->why.len ? r->why.s : "no host",
	    r->policy);
}

static int
do_job(struct remote *r, struct job_req *j)
{
	struct envelope e;
	struct result res;
	struct zs envr = ZS_INIT;
	const char *from, *rcpts;
	size_t nrcpt, i, h, short_tls = 0, short_utf8 = 0;
	int mfd = -1, ok = 0;
	bool aside;

	memset(&res, 0, sizeof res);
	envelope_init(&e);
	if (j->bad.len != 0 || j->nhost == 0)
		return report_fail(r, j, JOB_MSG_TEMP, "4.3.5 bad job: ",
		    j->bad.len != 0 ? j->bad.s : "no host line", NULL);
	/* Never through a symlink, never a FIFO: only a regular file. */
	mfd = queue_openfile(AT_FDCWD, j->file.s);
	/*
	 * Held until the report is out: a scheduler started after a crash
	 * waits for it before it reads the recorded results (zr-send(8)).
	 */
	if (mfd != -1 && j->results[0] != '\0')
		(void)flock(mfd, LOCK_SH);
	if (mfd == -1 || !envelope_read(&e, mfd)) {
		ok = report_fail(r, j, JOB_MSG_TEMP,
		    "4.3.0 unable to read the message: ", strerror(errno),
		    NULL);
		goto out;
	}
	from = j->have_from ? j->from.s : e.sender;
	if (j->nrcpt > 0) {
		rcpts = j->rcpts.s;
		nrcpt = j->nrcpt;
	} else {
		for (i = 0; i < e.nrcpt; i++)
			if (!zs_cats(&envr, e.rcpt[i].addr) ||
			    !zs_catc(&envr, '\0'))
				goto nomem;
		rcpts = envr.s;
		nrcpt = e.nrcpt;
	}
	res.n = nrcpt;
	res.rl = calloc(nrcpt, 1);
	res.rt = calloc(nrcpt, sizeof *res.rt);
	if (res.rl == NULL || res.rt == NULL)
		goto nomem;
	/* RFC 8689 4.2.2: TLS-Required: No sets the domain's policy aside. */
	aside = requiretls_optional(mfd, &e);
	if (!aside && !mtasts_apply(r->conf, j, rcpts, &r->why)) {
		ok = report_fail(r, j, JOB_MSG_TEMP, "4.7.5 ", r->why.s, NULL);
		goto out;
	}
	tlsreport_job(r, j, rcpts, !aside);
	/*
	 * A kept connection serves only a job that starts with its host, and
	 * with the same settings: a reload may have changed them.
	 */
	if (r->fd != -1 && !same_host(r, &j->host[0]))
		conn_close(r, true);
	if (r->fd != -1 && !conn_alive(r))
		conn_close(r, false);
	r->why.len = 0;
	r->looped = false;
	if (r->fd == -1)
		r->policy[0] = '\0';
	r->dest = strrchr(rcpts, '@') != NULL ? strrchr(rcpts, '@') + 1 : NULL;
	for (h = 0; h < j->nhost;) {
		bool fresh = false;
		enum tx_result t;

		/* Each host, and a kept connection's transaction, has it all. */
		conn_deadline(r,
		    timeoutio_deadline(r->conf->timeouttransaction));
		switch (host_fit(r, &j->host[h], &e, &fresh)) {
		case FIT_SHORT_TLS:
			short_tls++;
			h++;
			continue;
		case FIT_SHORT_UTF8:
			short_utf8++;
			h++;
			continue;
		case FIT_DOWN:
			h++;
			continue;
		case FIT_OK:
			break;
		}
		t = tx_run(r, &e, mfd, from, rcpts, nrcpt, fresh, &res);
		if (t == TX_RETRY)
			continue;
		if (t == TX_NEXTHOST) {
			h++;
			continue;
		}
		ok = report(r, j, j->host[h].key, &res);
		goto out;
	}
	ok = report_none(r, j, &e, short_tls, short_utf8);
	goto out;
nomem:
	ok = report_fail(r, j, JOB_MSG_TEMP, "4.3.0 out of memory", "", NULL);
out:
	r->dest = NULL;		/* it points into this job */
	/* A kept connection waits for the next job, and QUIT, as before. */
	conn_deadline(r, 0);
	if (mfd != -1)
		close(mfd);
	for (i = 0; res.rt != NULL && i < res.n; i++)
		zs_free(&res.rt[i]);
	free(res.rt);
	free(res.rl);
	zs_free(&res.mt);
	zs_free(&envr);
	envelope_free(&e);
	return ok;
}

int
remote_run(const struct remote_conf *c, struct buf *in, struct buf *out)
{
	struct remote r;
	pid_t parent = getppid();
	int code = EXIT_OK;

	memset(&r, 0, sizeof r);
	r.conf = c;
	r.fd = -1;
	r.report = out;
	r.jj.fd = -1;
	r.jj.nosync = !c->syncresults;
	/* zr-send runs deliverers in the queue directory (zr-remote(8)). */
	if (!queue_open(&r.q, ".")) {
		warn_sys("unable to open the queue directory");
		return EXIT_TEMP;
	}
	r.inspace = malloc(NET_BUF);
	r.outspace = malloc(NET_BUF);
	if (r.inspace == NULL || r.outspace == NULL) {
		warn_sys("unable to start");
		code = EXIT_TEMP;
		goto out;
	}
	for (;;) {
		struct job_req j;
		int g;

		/*
		 * A scheduler that died cannot use another delivery: its
		 * successor hands the message out again.
		 */
		if (getppid() != parent)
			break;
		g = job_read(in, &j);
		if (g == 1 && getppid() != parent) {
			/* It died while we waited for this job. */
			job_req_free(&j);
			break;
		}
		if (g == 0)
			break;
		if (g == -1) {
			warn_sys("unable to read a job");
			code = EXIT_TEMP;
			break;
		}
		/*
		 * Every line of this job names its message, the id the job
		 * gives or else its file's name; it stays for the QUIT after.
		 */
		die_set_id(job_msgid(&j));
		g = do_job(&r, &j);
		job_req_free(&j);
		if (!g) {
			warn_sys("unable to write a report");
			code = EXIT_TEMP;
			break;
		}
	}
	conn_close(&r, true);
out:
	starttls_free(&r);
	oauth_cache_free(&r.oauth);
	dane_close(&r.dane);
	if (r.ctx != NULL)
		SSL_CTX_free(r.ctx);
	smtpreply_free(&r.reply);
	zs_free(&r.why);
	job_journal_close(&r.jj);
	queue_close(&r.q);
	free(r.inspace);
	free(r.outspace);
	return code;
}
