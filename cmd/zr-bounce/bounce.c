/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "control.h"
#include "die.h"
#include "dsn.h"
#include "envelope.h"
#include "qstate.h"
#include "queue.h"
#include "qwrite.h"
#include "scan.h"
#include "status.h"
#include "utf8.h"

/* Defaults of the control files (zr-control(5)). */
#define BOUNCEMAXBYTES_DEFAULT 65536
#define LIFETIME_DEFAULT (4 * 86400)

int
bounce_args(struct bounce_conf *c, int argc, char **argv)
{
	int opt;

	memset(c, 0, sizeof *c);
	c->queuedir = queue_default();
	c->kind = BK_FAILURE;
	while ((opt = getopt(argc, argv, "k:q:t:")) != -1) {
		switch (opt) {
		case 'k':
			c->key = optarg;
			break;
		case 'q':
			c->queuedir = optarg;
			break;
		case 't':
			if (strcmp(optarg, "failure") == 0)
				c->kind = BK_FAILURE;
			else if (strcmp(optarg, "delay") == 0)
				c->kind = BK_DELAY;
			else if (strcmp(optarg, "success") == 0)
				c->kind = BK_SUCCESS;
			else
				return 0;
			break;
		default:
			return 0;
		}
	}
	if (c->key == NULL || argc - optind < 1)
		return 0;
	/* The key becomes part of a file name: keep it plain. */
	if (strlen(c->key) == 0 || strlen(c->key) > BOUNCE_KEY_MAX ||
	    strspn(c->key, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(c->key))
		return 0;
	c->id = argv[optind];
	c->index = argv + optind + 1;
	c->nindex = argc - optind - 1;
	return 1;
}

/* Whether status st is what a report of kind k is about. */
static int
status_fits(enum bounce_kind k, enum qstate_status st)
{
	switch (k) {
	case BK_FAILURE:
		return st == RS_FAILED || st == RS_EXPIRED;
	case BK_DELAY:
		return st == RS_DEFERRED || st == RS_PENDING;
	case BK_SUCCESS:
		return st == RS_DELIVERED || st == RS_RELAYED;
	}
	return 0;
}

/* Does a recipient in status st, with notify bits, belong in this report? */
static int
wanted(enum bounce_kind k, enum qstate_status st, unsigned notify)
{
	if (!status_fits(k, st))
		return 0;
	switch (k) {
	case BK_FAILURE:
		return notify == 0 || (notify & NOTIFY_FAILURE);
	case BK_DELAY:
		/* Without NOTIFY, warn of delays, as Postfix does. */
		return notify == 0 || (notify & NOTIFY_DELAY);
	case BK_SUCCESS:
		return (notify & NOTIFY_SUCCESS) != 0;
	}
	return 0;
}

/* The enhanced status code in a reply ("550 5.1.1 ..."), into out. */
static int
reply_status(const char *reply, char out[16])
{
	const char *p = reply;
	size_t i, dots = 0, n;

	/* "550 5.1.1 ..." from a server, or "5.1.2 ..." of zr's own. */
	if (strlen(p) >= 4 && p[0] >= '2' && p[0] <= '5' && p[3] == ' ' &&
	    p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9')
		p += 4;
	n = strcspn(p, " ");
	if (n < 5 || n > 11 || (p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    p[1] != '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			dots++;
		else if (p[i] < '0' || p[i] > '9')
			return 0;
	}
	if (dots != 2 || p[n - 1] == '.')
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static const char *
status_for(enum bounce_kind k, const struct qstate_rcpt *r, char buf[16])
{
	if (r->status == RS_EXPIRED)
		return "4.4.7";		/* RFC 3463: delivery time expired */
	if (reply_status(r->reply, buf) &&
	    buf[0] == (k == BK_FAILURE ? '5' : k == BK_DELAY ? '4' : '2'))
		return buf;
	return k == BK_FAILURE ? "5.0.0" : k == BK_DELAY ? "4.0.0" : "2.0.0";
}

static enum dsn_action
action_for(enum bounce_kind k, const struct qstate_rcpt *r)
{
	if (k == BK_FAILURE)
		return DSN_FAILED;
	if (k == BK_DELAY)
		return DSN_DELAYED;
	/*
	 * Delivered here (zr-local's host is "local"), or handed to a next
	 * hop; zr-remote does not pass DSN requests on, so such a hop will
	 * not report: "relayed" (RFC 3464 2.3.3).
	 */
	return strcmp(r->host, "local") == 0 ? DSN_DELIVERED : DSN_RELAYED;
}

struct job {
	const struct bounce_conf *c;
	struct queue q;
	struct envelope e;
	struct qstate st;
	struct zs content;
	struct zs me, from, to, report;
	struct dsn_rcpt *rc;
	struct extra {			/* text the dsn_rcpt points into */
		char status[16];
		char mta[QSTATE_HOST_MAX + 1];
	} *x;
	size_t nrc;
	int double_bounce;
	size_t stale;		/* recipients named, in another status */
	char bid[QUEUE_ID_SIZE];
};

/* The message and its state: ZR_PERM when it is gone or malformed. */
static enum zr_status
load(struct job *j)
{
	struct zs raw = ZS_INIT;
	enum queue_dir where;
	int fd, r, ok;

	r = queue_locate(&j->q, j->c->id, &where);
	if (r != 1) {
		if (r == 0)
			warn_x("no such message");
		else
			warn_sys("unable to search the queue");
		return r == 0 ? ZR_PERM : ZR_TEMP;
	}
	fd = queue_openmsg(&j->q, where, j->c->id);
	if (fd == -1) {
		warn_sys("unable to open the message");
		return ZR_TEMP;
	}
	ok = envelope_read(&j->e, fd) &&
	    envelope_read_content(&j->e, fd, &j->content);
	close(fd);
	if (!ok) {
		warn_sys("unable to read the message");
		return errno == EPROTO ? ZR_PERM : ZR_TEMP;
	}
	r = queue_state_read(&j->q, j->c->id, &raw);
	ok = r == 1 ? qstate_parse(&j->st, j->e.nrcpt, raw.s, raw.len) :
	    r == 0 ? qstate_init(&j->st, j->e.nrcpt) : 0;
	zs_free(&raw);
	if (!ok) {
		warn_sys("unable to read state/", j->c->id);
		return ZR_TEMP;
	}
	return ZR_OK;
}

static int
controls(struct job *j)
{
	int r = control_readline("me", &j->me);

	if (r == -1)
		return 0;
	if (r == 0) {
		char host[256];

		if (gethostname(host, sizeof host) == -1)
			return 0;
		host[sizeof host - 1] = '\0';
		if (!zs_copys(&j->me, host))
			return 0;
	}
	if (!zs_0(&j->me))
		return 0;
	r = control_readline("bouncefrom", &j->from);
	if (r == -1 || (r == 0 && (!zs_copys(&j->from, "MAILER-DAEMON@") ||
	    !zs_cat(&j->from, &j->me))) || !zs_0(&j->from))
		return 0;
	return 1;
}

/* Who the report goes to; 0 when nobody should get one. */
static int
recipient(struct job *j)
{
	int r;

	if (j->e.sender[0] != '\0')
		return zs_copys(&j->to, j->e.sender) && zs_0(&j->to) ? 1 : -1;
	/* Never bounce a bounce: one copy to the postmaster, then silence. */
	if (j->c->kind != BK_FAILURE || (j->e.proto != NULL &&
	    strcmp(j->e.proto, "double-bounce") == 0))
		return 0;
	r = control_readline("doublebounceto", &j->to);
	if (r == -1)
		return -1;
	if (r == 0 && (!zs_copys(&j->to, "postmaster@") ||
	    !zs_cat(&j->to, &j->me)))
		return -1;
	j->double_bounce = 1;
	return zs_0(&j->to) ? 1 : -1;
}

static int
pick(struct job *j, unsigned long long lifetime)
{
	size_t i;
	int k;

	j->rc = calloc(j->e.nrcpt ? j->e.nrcpt : 1, sizeof *j->rc);
	j->x = calloc(j->e.nrcpt ? j->e.nrcpt : 1, sizeof *j->x);
	if (j->rc == NULL || j->x == NULL)
		return 0;
	for (i = 0; i < j->e.nrcpt; i++) {
		const struct envelope_rcpt *er = &j->e.rcpt[i];
		struct qstate_rcpt *sr = &j->st.rcpt[i];
		struct dsn_rcpt *d;
		struct extra *x;
		char *colon;
		int named = j->c->nindex == 0;

		for (k = 0; k < j->c->nindex; k++) {
			unsigned long long u;

			if (scan_ulong_all(j->c->index[k], &u) && u == i)
				named = 1;
		}
		if (!named)
			continue;
		/*
		 * Named, but not in the status this report is about: the
		 * state file lags behind the caller (one that could not be
		 * written, on a full disk). Reporting nothing would drop
		 * the notification; the caller tries again.
		 */
		if (j->c->nindex > 0 && !status_fits(j->c->kind, sr->status))
			j->stale++;
		if (!wanted(j->c->kind, sr->status, er->notify))
			continue;
		x = &j->x[j->nrc];
		d = &j->rc[j->nrc++];
		d->addr = er->addr;
		d->orcpt = er->orcpt;
		d->action = action_for(j->c->kind, sr);
		d->status = status_for(j->c->kind, sr, x->status);
		/* Remote-MTA names the host, without the port we used. */
		memcpy(x->mta, sr->host, sizeof x->mta);
		colon = strrchr(x->mta, ':');
		if (colon != NULL && colon[1] != '\0' &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
		    (x->mta[0] == '[' || strchr(x->mta, ':') == colon))
			*colon = '\0';
		d->remote_mta = x->mta[0] ? x->mta : NULL;
		d->diagnostic = sr->reply[0] ? sr->reply : NULL;
		d->last_attempt = j->st.last;
		d->retry_until = j->e.arrival + (long long)lifetime;
	}
	return 1;
}

/*
 * The report's id: the one recorded for this key, or a new one recorded
 * now, before anything is written. 1 when the recorded report is already
 * in the queue (nothing to do), 0 to go on, -1 on error.
 */
static int
claim(struct job *j)
{
	struct zs name = ZS_INIT, old = ZS_INIT;
	enum queue_dir where;
	int r = -1, k;

	if (!zs_cats(&name, j->c->id) || !zs_cats(&name, ".dsn-") ||
	    !zs_cats(&name, j->c->key) || !zs_0(&name))
		goto out;
	k = queue_state_read(&j->q, name.s, &old);
	if (k == -1)
		goto out;
	if (k == 1) {
		while (old.len > 0 && old.s[old.len - 1] == '\n')
			old.len--;
		if (!zs_0(&old) || !queue_id_valid(old.s)) {
			errno = EPROTO;
			goto out;
		}
		memcpy(j->bid, old.s, QUEUE_ID_SIZE);
		k = queue_locate(&j->q, j->bid, &where);
		r = k == -1 ? -1 : k;
		goto out;
	}
	if (!queue_id_new(j->bid))
		goto out;
	j->bid[QUEUE_ID_LEN] = '\n';
	k = queue_state_write(&j->q, name.s, j->bid, QUEUE_ID_LEN + 1);
	j->bid[QUEUE_ID_LEN] = '\0';
	r = k ? 0 : -1;
out:
	zs_free(&name);
	zs_free(&old);
	return r;
}

static int
write_report(struct job *j)
{
	struct envelope b;
	struct dsn_report rep;
	struct zs msgid = ZS_INIT, boundary = ZS_INIT;
	struct qwrite w;
	unsigned long long maxbytes;
	int ok = 0;

	if (control_readulong("bouncemaxbytes", &maxbytes,
	    BOUNCEMAXBYTES_DEFAULT) == -1)
		return 0;
	if (!zs_copys(&msgid, j->bid) || !zs_catc(&msgid, '@') ||
	    !zs_cat(&msgid, &j->me) || !zs_0(&msgid) ||
	    !zs_copys(&boundary, j->bid) || !zs_cats(&boundary, "/") ||
	    !zs_cat(&boundary, &j->me) || !zs_0(&boundary))
		goto out;
	memset(&rep, 0, sizeof rep);
	rep.reporting_mta = j->me.s;
	rep.from = j->from.s;
	rep.to = j->to.s;
	rep.msgid = msgid.s;
	rep.envid = j->e.envid;
	rep.arrival = j->e.arrival;
	rep.now = (long long)time(NULL);
	/*
	 * RFC 8689 4.3: a REQUIRETLS message comes back as with RET=HDRS,
	 * since the notice itself may travel in the clear.
	 */
	rep.ret = j->e.requiretls ? RET_HDRS : j->e.ret;
	rep.maxbytes = (size_t)maxbytes;
	rep.boundary = boundary.s;
	rep.rcpt = j->rc;
	rep.nrcpt = j->nrc;
	if (!dsn_build(&rep, j->content.s, j->content.len, &j->report)) {
		/* EINVAL: the boundary is in the message; a longer one is not. */
		if (errno != EINVAL || !zs_cats(&boundary, "/") ||
		    !zs_cats(&boundary, j->bid) || !zs_0(&boundary))
			goto out;
		j->report.len = 0;
		rep.boundary = boundary.s;
		if (!dsn_build(&rep, j->content.s, j->content.len, &j->report))
			goto out;
	}
	envelope_init(&b);
	b.arrival = rep.now;
	/*
	 * A notice quotes the message's header and may go to a UTF-8
	 * sender: it needs SMTPUTF8 when the message did (RFC 6533 3).
	 */
	b.smtputf8 = j->e.smtputf8 || !utf8_ascii(j->to.s, j->to.len);
	if (!envelope_set(&b.sender, "") ||
	    !envelope_set(&b.client, "local") ||
	    !envelope_set(&b.proto, j->double_bounce ? "double-bounce" :
	    "bounce") ||
	    !envelope_add_rcpt(&b, j->to.s, NULL, 0) ||
	    !qwrite_open(&w, &j->q, j->bid)) {
		envelope_free(&b);
		goto out;
	}
	if (!qwrite_envelope(&w, &b) ||
	    !qwrite_put(&w, j->report.s, j->report.len)) {
		envelope_free(&b);
		qwrite_abort(&w);
		goto out;
	}
	envelope_free(&b);
	ok = qwrite_commit(&w, PRIO_NORMAL);
out:
	zs_free(&msgid);
	zs_free(&boundary);
	return ok;
}

static const char *const kind_names[] = {
	[BK_FAILURE] = "failure", [BK_DELAY] = "delay", [BK_SUCCESS] = "success",
};

int
bounce_run(const struct bounce_conf *c, struct buf *out)
{
	unsigned long long lifetime;
	struct job j;
	int code = EXIT_TEMP, r;

	memset(&j, 0, sizeof j);
	j.c = c;
	envelope_init(&j.e);
	if (!queue_open(&j.q, c->queuedir)) {
		warn_sys("unable to open queue ", c->queuedir);
		return EXIT_TEMP;
	}
	if (!queue_id_valid(c->id)) {
		warn_x("not a queue id: ", c->id);
		code = EXIT_PERM;
		goto out;
	}
	die_set_id(c->id);
	if (!controls(&j) ||
	    control_readulong("lifetime", &lifetime, LIFETIME_DEFAULT) == -1) {
		warn_sys("unable to read control files in ", control_dir());
		goto out;
	}
	code = zr_status_exit(load(&j));
	if (code != EXIT_OK)
		goto out;
	code = EXIT_TEMP;
	if (!pick(&j, lifetime))
		goto out;
	if (j.nrc == 0 && j.stale > 0) {
		warn_x("state/", c->id, " does not show the recipients named ",
		    "in the status of this report; nothing written");
		goto out;
	}
	if (j.nrc == 0) {
		code = EXIT_OK;		/* nobody asked to be told */
		goto out;
	}
	r = recipient(&j);
	if (r == -1)
		goto out;
	if (r == 0) {
		log_info("event=", kind_names[c->kind], " notification=none "
		    "reason=\"the message is a notification itself\"");
		code = EXIT_OK;
		goto out;
	}
	r = claim(&j);
	if (r == -1) {
		warn_sys("unable to record the notification");
		goto out;
	}
	if (r == 0 && !write_report(&j)) {
		warn_sys("unable to queue the notification");
		goto out;
	}
	if (r == 0)
		log_info("id=", c->id, " notification=", j.bid, " event=",
		    kind_names[c->kind], " to=<", j.to.s, ">",
		    j.double_bounce ? " double-bounce=yes" : "");
	(void)buf_puts(out, j.bid);
	(void)buf_puts(out, "\n");
	code = EXIT_OK;
out:
	queue_close(&j.q);
	envelope_free(&j.e);
	qstate_free(&j.st);
	zs_free(&j.content);
	zs_free(&j.me);
	zs_free(&j.from);
	zs_free(&j.to);
	zs_free(&j.report);
	free(j.rc);
	free(j.x);
	return code;
}
