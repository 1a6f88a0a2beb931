/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "fmt.h"
#include "grow.h"
#include "hops.h"
#include "job.h"
#include "limit.h"
#include "load.h"
#include "log.h"
#include "msg.h"
#include "qsum.h"

static void settle(struct send *, struct msg *, long long now);

/* m is in deferred/ again, due at m->st.next. */
static void
defer_add(struct send *s, const struct msg *m)
{
	struct sched_facts f = qsum_facts(&s->qsum, &m->st,
	    m->st.size > 0 ? (unsigned long long)m->st.size : 0);

	if (!sched_defer(&s->sched, m->id, m->prio, m->st.next, &f))
		warn_sys("id=", m->id, " reason=\"unable to remember it "
		    "deferred\"");
}

void
msg_free(struct msg *m)
{
	envelope_free(&m->env);
	qstate_free(&m->st);
	free(m->inplay);
	free(m->hopdsn);
	free(m->results);
	free(m);
}

void
msg_job_free(struct job *j)
{
	free(j->rcpt);
	free(j->via);
	zs_free(&j->hosts);
	zs_free(&j->lines);
	free(j);
}

void
msg_job_begin(struct send *s, struct job *j)
{
	struct zs l = ZS_INIT;
	size_t i;

	j->delivery = s->delivery + 1;
	s->delivery += j->nrcpt;
	for (i = 0; i < j->nrcpt; i++) {
		if (zs_cats(&l, "starting delivery ") &&
		    log_num(&l, j->delivery + i) && zs_cats(&l, ": ") &&
		    log_msg(&l, j->m->ino) && zs_cats(&l, " to remote ") &&
		    zs_cats(&l, j->m->env.rcpt[j->rcpt[i]].addr) &&
		    zs_cats(&l, " host=") && zs_cats(&l, j->first) &&
		    (j->via == NULL || (zs_cats(&l, " route=sender:") &&
		    zs_cats(&l, j->via))) && log_id(&l, j->m->id))
			log_line(&l);
	}
	zs_free(&l);
}

/* Record one recipient's result and log it. */
void
msg_rcpt_result(struct send *s, struct msg *m, size_t i,
    unsigned long long dnum, enum qstate_status st, const char *host,
    const char *tls, const char *text)
{
	struct qstate_rcpt *r = &m->st.rcpt[i];
	struct zs l = ZS_INIT;
	const char *word = st == RS_DELIVERED ? "success" :
	    st == RS_FAILED ? "failure" : "deferral";

	r->status = st;
	r->attempts++;
	m->tried++;
	qstate_set_reply(r, host, text, strlen(text));
	if (zs_cats(&l, "delivery ") && log_num(&l, dnum) &&
	    zs_cats(&l, ": ") && zs_cats(&l, word) && zs_cats(&l, ": ") &&
	    log_report(&l, r->reply) && zs_cats(&l, " msg=") &&
	    zs_cats(&l, m->id) && zs_cats(&l, " rcpt=<") &&
	    zs_cats(&l, m->env.rcpt[i].addr) && zs_cats(&l, "> host=") &&
	    zs_cats(&l, host != NULL && *host ? host : "-") &&
	    (tls == NULL || *tls == '\0' || (zs_catc(&l, ' ') &&
	    zs_cats(&l, tls))))
		log_line(&l);
	zs_free(&l);
	s->stats[st == RS_DELIVERED ? ST_R_DELIVERED : st == RS_FAILED ?
	    ST_R_FAILED : ST_R_DEFERRED]++;
	if (st == RS_DEFERRED)
		s->stats[ST_DEFERRALS + reason_of(text)]++;
	s->stats_dirty = true;
}

/*
 * Whether message fd (its envelope read into e) has reached control/maxhops:
 * every delivery adds a trace field (the next hop's Received:, zr-local's
 * Delivered-To:), so one that has as many as the limit is in a loop and
 * goes nowhere. Returns the text of each recipient's failure then (in why,
 * or a constant when memory is short), else NULL. A message that cannot be
 * read is left to its deliverer, which reports that.
 */
static const char *
looping(struct send *s, int fd, const struct envelope *e, const char *id,
    struct zs *why)
{
	struct hops h;

	hops_init(&h);
	if (!hops_read(&h, fd, (off_t)e->data_offset) ||
	    !hops_over(hops_count(&h), 1, s->conf->maxhops))
		return NULL;
	why->len = 0;
	if (!zs_cats(why, "5.4.6 mail loop: ") ||
	    !log_num(why, hops_count(&h)) ||
	    !zs_cats(why, " Received/Delivered-To fields, the limit is ") ||
	    !log_num(why, s->conf->maxhops) || !zs_cats(why, " (maxhops)") ||
	    !zs_0(why))
		return "5.4.6 mail loop: too many hops (maxhops)";
	warn_x("id=", id, " delivered=no reason=", DIE_Q, why->s + 6);
	return why->s;
}

int
msg_open(struct send *s, const char *id, enum queue_prio prio,
    enum queue_dir from, struct zs *loop, struct msg **out,
    const char **loops)
{
	struct msg *m;
	struct zs t = ZS_INIT, l = ZS_INIT;
	long long size = -1;
	int fd, r;

	*out = NULL;
	*loops = NULL;
	if (!queue_move_nosync(&s->q, id, from, QD_ACTIVE))
		return errno == ENOENT ? 0 : -1;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		goto back;
	memcpy(m->id, id, QUEUE_ID_SIZE);
	m->prio = prio;
	m->from = from;
	envelope_init(&m->env);
	fd = queue_openmsg(&s->q, QD_ACTIVE, id);
	if (fd == -1 && errno == QUEUE_ENOTREG) {
		/* It was a file when the directory was read. */
		load_stray_found(s, QD_ACTIVE, id);
		free(m);
		*out = NULL;
		return 1;
	}
	if (fd == -1)
		goto back;
	{
		struct stat fst;

		if (fstat(fd, &fst) == 0) {
			m->ino = (unsigned long long)fst.st_ino;
			size = (long long)fst.st_size;
		}
	}
	if (!envelope_read(&m->env, fd)) {
		int e = errno;

		close(fd);
		if (e == EPROTO) {
			load_set_aside(s, id, QD_ACTIVE);
			queue_state_remove(&s->q, id);
			free(m);
			*out = NULL;
			return 1;
		}
		errno = e;
		goto back;
	}
	*loops = looping(s, fd, &m->env, id, loop);
	close(fd);
	m->prio = m->env.prio;
	r = queue_state_read(&s->q, id, &t);
	if (r == 1 && qstate_parse(&m->st, m->env.nrcpt, t.s, t.len)) {
		m->had_state = true;
	} else {
		if (r == -1)
			load_state_stray_found(s, id);
		if (r == 1)
			warn_x("id=", id, " reason=\"damaged state file: "
			    "starting afresh\"");
		if (!qstate_init(&m->st, m->env.nrcpt))
			goto back;
	}
	zs_free(&t);
	/*
	 * Every state file written from here says these, so that the read of
	 * deferred/ and zr-qstat's summary need not open the message file.
	 */
	m->st.prio = (int)m->env.prio;
	m->st.size = size;
	/* A route still being looked up: back, not an attempt, until known. */
	if (*loops == NULL && mx_waiting(&s->mx, s->conf, &m->env, &m->st, id,
	    prio, from)) {
		msg_free(m);
		if (!queue_move_nosync(&s->q, id, QD_ACTIVE, from))
			warn_sys("id=", id, " reason=\"unable to put it back "
			    "from active/\"");
		return 1;
	}
	m->inplay = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	m->hopdsn = calloc(m->env.nrcpt ? m->env.nrcpt : 1, 1);
	if (m->inplay == NULL || m->hopdsn == NULL)
		goto back;
	if (!m->had_state && from != QD_DEFERRED) {
		if (zs_cats(&l, "new ") && log_msg(&l, m->ino) &&
		    log_id(&l, id))
			log_line(&l);
		if (zs_cats(&l, "info ") && log_msg(&l, m->ino) &&
		    zs_cats(&l, ": bytes ") &&
		    log_num(&l, (unsigned long long)m->env.size) &&
		    zs_cats(&l, " from <") && zs_cats(&l, m->env.sender) &&
		    zs_cats(&l, "> qp 0 uid 0 prio=") &&
		    zs_cats(&l, queue_prio_name(m->prio)) &&
		    zs_cats(&l, " rcpts=") && log_num(&l, m->env.nrcpt) &&
		    log_id(&l, id))
			log_line(&l);
	}
	zs_free(&l);
	*out = m;
	return 1;
back:
	warn_sys("id=", id, " reason=\"trouble starting; will try "
	    "again\"");
	zs_free(&t);
	zs_free(&l);
	if (m != NULL)
		msg_free(m);
	queue_move_nosync(&s->q, id, QD_ACTIVE, from);
	return -1;
}

struct job *
msg_job_new(struct msg *m, struct route_set *set, long long now)
{
	struct job *j = calloc(1, sizeof *j);
	size_t *order, i, k;

	if (j == NULL)
		return NULL;
	j->m = m;
	j->rcpt = calloc(m->env.nrcpt, sizeof *j->rcpt);
	order = calloc(set->nhost ? set->nhost : 1, sizeof *order);
	if (j->rcpt == NULL || order == NULL)
		goto fail;
	k = route_order(set, now / 1000, order);
	for (i = 0; i < k; i++)
		if (!zs_cats(&j->hosts, set->host[order[i]].key) ||
		    !zs_catc(&j->hosts, '\0') ||
		    !route_host_fmt(&set->host[order[i]], &j->lines) ||
		    !zs_catc(&j->lines, '\0'))
			goto fail;
	j->nhost = k;
	memcpy(j->first, set->host[order[0]].key,
	    strlen(set->host[order[0]].key) + 1);
	free(order);
	return j;
fail:
	free(order);
	msg_job_free(j);
	return NULL;
}

static void
mark_hosts(struct send *s, const struct job *j, const char *host,
    const struct job_report *r)
{
	const char *h = j->hosts.s;
	long long until = clock_ms() / 1000 + (long long)s->conf->hostbackoff;
	size_t i;

	/* 4.4.1: no host could be used, each of them failed (zr-remote(8)). */
	if (*host == '\0' && !(r != NULL &&
	    job_letter_status(r->msg) == ZR_TEMP &&
	    strcmp(r->status, "4.4.1") == 0))
		return;
	for (i = 0; i < j->nhost; i++, h += strlen(h) + 1) {
		if (strcmp(h, host) == 0) {
			route_mark_up(&s->conf->routes, h);
			return;
		}
		route_mark_down(&s->conf->routes, h, until);
	}
}

/*
 * The attempt is over: once the message's own state holds the results
 * (it has left active/), the journals need not keep them. One that stays
 * in active/ keeps them until the next start.
 */
static void
finish_results(struct send *s, struct msg *m)
{
	char id[QUEUE_ID_SIZE];
	long *js = m->results;
	size_t i, n = m->nresults;
	struct stat st;

	memcpy(id, m->id, sizeof id);
	m->results = NULL;
	m->nresults = m->results_cap = 0;
	msg_finish(s, m);
	if (queue_stat(&s->q, QD_ACTIVE, id, &st) == 0)
		for (i = 0; i < n; i++)
			results_unref(&s->res, &s->q, js[i]);
	free(js);
}

void
msg_job_done(struct send *s, struct job *j, const struct zs *out,
    const char *why)
{
	struct msg *m = j->m;
	struct job_report r;
	const char *host = "", *tls = NULL, *mtext = why;
	char tlsdsn[QSTATE_HOST_MAX];
	bool have = false;
	size_t i;

	/* Without memory the report is lost: every recipient is deferred. */
	if (out != NULL && job_report_parse(out->s, out->len, &r)) {
		have = true;
		host = r.host;
		tls = r.tls;
		mtext = r.text;
		/* The log says " dsn=yes" after the TLS facts, as it did. */
		if (tls != NULL && r.dsn && fmt_snprintf(tlsdsn, sizeof tlsdsn,
		    "%s dsn=yes", tls) != -1)
			tls = tlsdsn;
	}
	if (out != NULL)
		mark_hosts(s, j, host, have ? &r : NULL);
	limit_reply(s, j, have ? &r : NULL, mtext);
	for (i = 0; i < j->nrcpt; i++) {
		enum job_letter l = have && i < r.nrcpt ? r.rcpt[i].letter : 0;
		const char *t = have && i < r.nrcpt ? r.rcpt[i].text : mtext;
		enum qstate_status st = have ? job_rcpt_status(&r, i) :
		    RS_DEFERRED;

		if (l == JOB_RCPT_OK)
			t = mtext;	/* the reply to the final dot */
		/* A next hop that took the DSN request reports success itself. */
		if (st == RS_DELIVERED && have && r.dsn)
			m->hopdsn[j->rcpt[i]] = 1;
		if (t == NULL)
			t = "4.3.0 out of memory reading the report";
		msg_rcpt_result(s, m, j->rcpt[i], j->delivery + i, st, host, tls,
		    t);
		if (j->started > 0)
			hist_add(&s->hist, HIST_DELIVERY, st == RS_DELIVERED ?
			    HR_SUCCESS : st == RS_FAILED ? HR_FAILURE :
			    HR_DEFERRAL, clock_ms() - j->started);
	}
	if (have)
		job_report_free(&r);
	msg_job_free(j);
	if (--m->jobs_left == 0)
		finish_results(s, m);
}

void
msg_job_park(struct send *s, struct job *j, long long until)
{
	struct msg *m = j->m;
	size_t i;

	/* Past its lifetime it waits no longer: this attempt is its last. */
	if (sched_give_up(s->conf, m->env.arrival, m->st.attempts,
	    clock_ms() / 1000) == SCHED_LIFETIME) {
		msg_job_begin(s, j);
		for (i = 0; i < j->nrcpt; i++)
			msg_rcpt_result(s, m, j->rcpt[i], j->delivery + i,
			    RS_DEFERRED, NULL, NULL, "4.4.1 not tried: its "
			    "destination is suspended or held back by its "
			    "limits");
		until = 0;
	}
	for (i = 0; until > 0 && i < j->nrcpt; i++)
		m->inplay[j->rcpt[i]] = 0;
	if (until > m->park) {
		m->park = until;
		m->park_dest = j->dest;
	}
	for (i = 0; until > 0 && i < m->nparked && m->parked[i] != j->dest;
	    i++)
		;
	if (until > 0 && i == m->nparked && m->nparked < ROUTES_MAX)
		m->parked[m->nparked++] = j->dest;
	msg_job_free(j);
	if (--m->jobs_left == 0)
		finish_results(s, m);
}

/* When m, parked (m->park), is due again: spread, within its lifetime. */
static long long
park_next(const struct send *s, const struct msg *m, long long now)
{
	unsigned long long rnd = 0;
	long long end = (long long)(m->env.arrival + s->conf->lifetime);
	long long next;

	long long warn = (long long)(m->env.arrival + s->conf->delaywarn);

	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = 0;
	next = shape_park_next(m->park, clock_ms(), s->conf->retryjitter, rnd);
	/* Back when its delay warning falls due, for park() to make it. */
	if (s->conf->delaywarn > 0 && s->conf->bounces && now < warn &&
	    next > warn)
		next = warn;
	return next > end && end > now ? end : next;
}

/*
 * No job of m ran: it goes back to deferred/ as it was, due when its
 * destination takes mail again; its attempts and its last attempt stay,
 * and no notification is due for nothing new. A state that cannot be
 * written leaves the old one, with which it comes due early and is parked
 * again: no harm but the work.
 */
static void
park(struct send *s, struct msg *m, long long now)
{
	struct zs t = ZS_INIT, l = ZS_INIT;

	/*
	 * Nothing was tried, so only a delay warning can be due; one not
	 * recorded now is when the message comes back.
	 */
	(void)notify_attempt(s, m, now, true);
	m->st.next = park_next(s, m, now);
	if (!qstate_format(&m->st, &t) ||
	    !queue_state_write(&s->q, m->id, t.s, t.len))
		warn_sys("id=", m->id, " reason=\"unable to write its state "
		    "file; parked all the same\"");
	zs_free(&t);
	if (!queue_move_nosync(&s->q, m->id, QD_ACTIVE, QD_DEFERRED)) {
		warn_sys("id=", m->id, " reason=\"trouble moving it to "
		    "deferred; left in active/\"");
		msg_free(m);
		return;
	}
	s->sync_dir[QD_DEFERRED] = true;
	defer_add(s, m);
	limit_parked(s, m);
	if (log_begin(&l, "info", m->id) && zs_cats(&l, "event=held ino=") &&
	    log_num(&l, m->ino) && zs_cats(&l, " wait=") &&
	    log_num(&l, (unsigned long long)(m->st.next > now ?
	    m->st.next - now : 0)) && zs_cats(&l, "s next=") &&
	    log_num(&l, (unsigned long long)m->st.next) &&
	    zs_cats(&l, " attempts=") && log_num(&l, m->st.attempts) &&
	    zs_cats(&l, " dest=") &&
	    zs_cats(&l, s->shape.d[m->park_dest].key))
		log_line(&l);
	zs_free(&l);
	msg_free(m);
}

/*
 * Recipient i has had control/maxretries retries: it fails for good,
 * with 5.4.7 (RFC 3463: delivery time expired, the nearest code) in front
 * of the last reply, so that the failure notice says both.
 */
static void
rcpt_give_up(struct send *s, struct msg *m, size_t i)
{
	struct qstate_rcpt *r = &m->st.rcpt[i];
	char host[QSTATE_HOST_MAX + 1];
	struct zs t = ZS_INIT, l = ZS_INIT;

	memcpy(host, r->host, sizeof host);
	r->status = RS_FAILED;
	s->stats[ST_R_FAILED]++;
	if (zs_cats(&t, "5.4.7 gave up after ") &&
	    log_num(&t, m->st.attempts) &&
	    zs_cats(&t, " attempts (control/maxretries ") &&
	    log_num(&t, s->conf->maxretries) &&
	    zs_cats(&t, "); last reply: ") && zs_cats(&t, r->reply))
		qstate_set_reply(r, host, t.s, t.len);
	else
		qstate_set_reply(r, host, "5.4.7 gave up: control/maxretries",
		    33);
	if (zs_cats(&l, "failed ") && log_msg(&l, m->ino) &&
	    zs_cats(&l, ": rcpt=<") && zs_cats(&l, m->env.rcpt[i].addr) &&
	    zs_cats(&l, "> attempts=") && log_num(&l, m->st.attempts) &&
	    zs_cats(&l, " maxretries=") && log_num(&l, s->conf->maxretries) &&
	    zs_cats(&l, " last=") && log_report(&l, r->reply) &&
	    log_id(&l, m->id))
		log_line(&l);
	zs_free(&t);
	zs_free(&l);
}

/* Recipient i has reached the message's lifetime: Expired. */
static void
rcpt_expire(struct send *s, struct msg *m, size_t i)
{
	struct qstate_rcpt *r = &m->st.rcpt[i];
	struct zs l = ZS_INIT;

	r->status = RS_EXPIRED;
	s->stats[ST_R_EXPIRED]++;
	if (zs_cats(&l, "expired ") && log_msg(&l, m->ino) &&
	    zs_cats(&l, ": rcpt=<") && zs_cats(&l, m->env.rcpt[i].addr) &&
	    zs_cats(&l, "> attempts=") && log_num(&l, m->st.attempts) &&
	    zs_cats(&l, " last=") && log_report(&l, r->reply) &&
	    log_id(&l, m->id))
		log_line(&l);
	zs_free(&l);
}

void
msg_finish(struct send *s, struct msg *m)
{
	size_t i, n[RS_COUNT] = { 0 };
	long long now = clock_ms() / 1000;
	enum sched_giveup giveup = SCHED_GO_ON;

	/* Parked whole: no attempt, unless its lifetime is over. */
	if (m->park > 0 && m->tried == 0 && !m->handback &&
	    sched_give_up(s->conf, m->env.arrival, m->st.attempts, now) ==
	    SCHED_GO_ON) {
		park(s, m, now);
		return;
	}
	m->st.attempts++;
	m->st.last = now;
	s->stats[ST_ATTEMPTS]++;
	for (i = 0; i < m->env.nrcpt; i++)
		n[m->st.rcpt[i].status]++;
	if (n[RS_DEFERRED] + n[RS_PENDING] > 0 && !m->handback)
		giveup = sched_give_up(s->conf, m->env.arrival,
		    m->st.attempts, now);
	if (giveup != SCHED_GO_ON) {
		for (i = 0; i < m->env.nrcpt; i++) {
			enum qstate_status st = m->st.rcpt[i].status;

			if (st != RS_DEFERRED && st != RS_PENDING)
				continue;
			/* Decided now, parked or not: its notice is due. */
			m->inplay[i] = 1;
			if (giveup == SCHED_RETRIES) {
				rcpt_give_up(s, m, i);
				n[RS_FAILED]++;
			} else {
				rcpt_expire(s, m, i);
				n[RS_EXPIRED]++;
			}
		}
		n[RS_DEFERRED] = n[RS_PENDING] = 0;
	}
	if (n[RS_DEFERRED] + n[RS_PENDING] > 0) {
		unsigned long long rnd = 0;

		if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
			rnd = 0;
		m->st.next = sched_retry_at(s->conf, m->env.arrival,
		    m->st.attempts, now, m->handback, rnd);
		/* Some of it was parked: not due before its destination. */
		if (m->park > 0 && !m->handback) {
			long long pn = park_next(s, m, now);

			if (pn > m->st.next)
				m->st.next = pn;
		}
		m->to = QD_DEFERRED;
		m->pending = n[RS_DEFERRED] + n[RS_PENDING];
	} else {
		static const struct { enum queue_dir d; int st, hr; } end[] = {
			{ QD_DONE_EXPIRED, ST_M_EXPIRED, HR_EXPIRED },
			{ QD_DONE_PARTIAL, ST_M_PARTIAL, HR_PARTIAL },
			{ QD_DONE_FAILED, ST_M_FAILED, HR_FAILED },
			{ QD_DONE_DELIVERED, ST_M_DELIVERED, HR_DELIVERED },
		};

		m->to = sched_outcome(n);
		for (i = 0; i < sizeof end / sizeof end[0]; i++)
			if (end[i].d == m->to) {
				s->stats[end[i].st]++;
				hist_add(&s->hist, HIST_QUEUE, end[i].hr,
				    clock_ms() - (long long)m->env.arrival * 1000);
			}
	}
	s->stats_dirty = true;
	m->at = QD_ACTIVE;
	settle(s, m, now);
}

/*
 * A full disk, said once a minute however many messages meet it: the log
 * would otherwise fill what little room is left.
 */
static void
disk_trouble(struct send *s, const char *id, long long now)
{
	struct zs l = ZS_INIT;
	int e = errno;

	s->unsaved_failures++;
	if (s->unsaved_warned != 0 && now - s->unsaved_warned < 60)
		return;
	s->unsaved_warned = now;
	if (log_begin(&l, "warning", id) && zs_cats(&l, "unsaved=") &&
	    log_num(&l, s->nunsaved) && zs_cats(&l, " failures=") &&
	    log_num(&l, s->unsaved_failures) && zs_cats(&l, " reason=\""
	    "unable to write state/; messages kept in deferred/ and their "
	    "results in memory\"") && log_q(&l, "error", strerror(e)))
		log_line(&l);
	s->unsaved_failures = 0;
	zs_free(&l);
}

/*
 * m could not be made durable where it goes: it waits in deferred/ (never
 * in active/, which would hold it until a restart), its results kept here
 * and written again soon; the scheduler leaves it alone meanwhile, as
 * state/ does not yet say what it sent.
 */
static void
unsaved_keep(struct send *s, struct msg *m, long long now)
{
	size_t i;

	if (m->at == QD_ACTIVE) {
		if (queue_move_nosync(&s->q, m->id, QD_ACTIVE, QD_DEFERRED)) {
			m->at = QD_DEFERRED;
			s->sync_dir[QD_DEFERRED] = true;
		} else {
			warn_sys("id=", m->id, " reason=\"trouble moving it "
			    "to deferred; left in active/\"");
		}
	}
	m->retry_at = now + UNSAVED_RETRY;
	for (i = 0; i < s->nunsaved; i++)
		if (s->unsaved[i] == m)
			return;
	if (!grow(&s->unsaved, &s->capunsaved, s->nunsaved + 1)) {
		/* Then as before: state/ has the last results it took. */
		warn_sys("id=", m->id, " reason=\"unable to remember it\"");
		msg_free(m);
		return;
	}
	s->unsaved[s->nunsaved++] = m;
}

bool
msg_unsaved(const struct send *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nunsaved; i++)
		if (strcmp(s->unsaved[i]->id, id) == 0)
			return true;
	return false;
}

/*
 * Make m's results durable, with the notifications they call for, then
 * move it where msg_finish decided (m->to). Nothing moves before both are
 * on disk: a notification recorded is one that will be made. The
 * notifications go first: killed between the two writes, a state that
 * already says "failed" would never call for its notice again, while a
 * notice recorded ahead of its state is at worst made twice (the retry
 * records it under the same key).
 */
static void
settle(struct send *s, struct msg *m, long long now)
{
	struct zs l = ZS_INIT, t = ZS_INIT;
	bool need = m->to == QD_DEFERRED || m->had_state ||
	    m->to != QD_DONE_DELIVERED || notify_success_wanted(m);
	size_t i;

	if (!notify_attempt(s, m, now, m->to == QD_DEFERRED) ||
	    (need && (!qstate_format(&m->st, &t) ||
	    !queue_state_write(&s->q, m->id, t.s, t.len)))) {
		disk_trouble(s, m->id, now);
		zs_free(&t);
		unsaved_keep(s, m, now);
		return;
	}
	zs_free(&t);
	for (i = 0; i < s->nunsaved; i++)
		if (s->unsaved[i] == m)
			s->unsaved[i] = s->unsaved[--s->nunsaved];
	if (m->at != m->to &&
	    !queue_move_nosync(&s->q, m->id, m->at, m->to)) {
		warn_sys("id=", m->id, " to=", queue_dir_name(m->to),
		    " at=", queue_dir_name(m->at),
		    " reason=\"trouble moving it; left where it is\"");
		/* In deferred/ it is retried; active/ waits for a restart. */
		if (m->at == QD_DEFERRED)
			defer_add(s, m);
		msg_free(m);
		return;
	}
	s->sync_dir[m->to] = true;
	if (m->to == QD_DEFERRED) {
		defer_add(s, m);
		limit_parked(s, m);
		s->stats[ST_M_DEFERRED]++;
		if (zs_cats(&l, "deferral ") && log_msg(&l, m->ino) &&
		    zs_cats(&l, ": next attempt in ") &&
		    log_num(&l, (unsigned long long)(m->st.next > now ?
		    m->st.next - now : 0)) &&
		    zs_cats(&l, "s next=") &&
		    log_num(&l, (unsigned long long)m->st.next) &&
		    zs_cats(&l, " attempts=") && log_num(&l, m->st.attempts) &&
		    zs_cats(&l, " pending=") && log_num(&l, m->pending) &&
		    log_id(&l, m->id))
			log_line(&l);
	} else if (zs_cats(&l, "end ") && log_msg(&l, m->ino) &&
	    zs_cats(&l, " state=") && zs_cats(&l, queue_dir_name(m->to) + 5) &&
	    log_id(&l, m->id)) {
		log_line(&l);
	}
	s->stats_dirty = true;
	zs_free(&l);
	msg_free(m);
}

/* The messages whose results wait for room on the disk: try again. */
void
msg_unsaved_turn(struct send *s, long long now, bool all)
{
	size_t i;

	for (i = s->nunsaved; i > 0; i--) {
		struct msg *m = s->unsaved[i - 1];

		if (i - 1 < s->nunsaved && (all || m->retry_at <= now))
			settle(s, m, now);
	}
}
