/* SPDX-License-Identifier: MIT */
/*
 * The transaction: MAIL and RCPT (RFC 5321 4.1.1.2, 4.1.1.3) with their
 * parameters, and the policy on them: relaying, local users, the size,
 * the rate limits.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <time.h>

#include "addr.h"
#include "die.h"
#include "fmt.h"
#include "ratelimit.h"
#include "smtpd_int.h"
#include "smtpd_param.h"
#include "smtpd_path.h"
#include "utf8.h"

/* Where the per-client message counts live, under the queue. */
#define SMTPD_RATE_FILE "lock/ratelimit"

void
smtpd_tx_reset(struct smtpd_session *s)
{
	smtpd_msg_drop(s);
	envelope_free(&s->env);
	s->has_mtprio = false;
}

/* Whether the queue's file system has room for size more octets. */
static bool
room_for(const struct smtpd_session *s, unsigned long long size)
{
	struct statvfs st;
	unsigned long long avail;

	if (fstatvfs(s->q.rootfd, &st) == -1)
		return true;	/* unknown: let the write find out */
	if (__builtin_mul_overflow((unsigned long long)st.f_bavail,
	    (unsigned long long)st.f_frsize, &avail))
		return true;
	return size <= avail && st.f_favail != 0;
}

/* "FROM:" / "TO:" then the path: the offset of the path, or 0. */
static size_t
path_start(const char *arg, size_t n, const char *word)
{
	size_t w = strlen(word), i;

	if (n < w + 1 || arg[0] != ' ' || strncasecmp(arg + 1, word, w) != 0)
		return 0;
	/* RFC 5321 has no space after the colon; many clients send one. */
	for (i = w + 1; i < n && arg[i] == ' '; i++)
		;
	return i < n ? i : 0;
}

/* Copy n bytes into a fresh NUL-terminated zs. */
static int
copy0(struct zs *z, const char *p, size_t n)
{
	return zs_copyb(z, p, n) && zs_0(z);
}

/* RFC 5321 4.5.1: "<postmaster>" without a domain must be accepted. */
static bool
is_postmaster(const char *p, size_t n)
{
	return n >= 12 && strncasecmp(p, "<postmaster>", 12) == 0;
}

/* What MAIL and RCPT differ in: the path, then what follows it. */
struct path_cmd {
	const char *word;		/* "FROM:", "TO:" */
	enum smtpd_reply_id syntax;	/* the reply to a malformed path */
	bool postmaster;		/* "<postmaster>" is taken as it is */
	bool empty;			/* "<>" is a path */
	/* The rest: arg, n the whole argument, at where the parameters
	 * start, addr the path, pm whether it was "<postmaster>". */
	enum smtpd_step (*rest)(struct smtpd_session *, const char *arg,
	    size_t n, size_t at, const struct zs *addr, bool pm);
};

/*
 * The preamble MAIL and RCPT share: the word, the path into addr (which
 * s->logarg then names), and no parameters after HELO. STEP_GO with *at
 * where the parameters start and *pm whether it was "<postmaster>".
 */
static enum smtpd_step
path_preamble(struct smtpd_session *s, const char *arg, size_t n,
    const struct path_cmd *pc, struct zs *addr, size_t *at, bool *pm)
{
	struct smtpd_path path;
	size_t used;

	*at = path_start(arg, n, pc->word);
	if (*at == 0)
		return smtpd_reply(s, pc->syntax, NULL);
	*pm = pc->postmaster && is_postmaster(arg + *at, n - *at);
	if (*pm) {
		used = 12;
		if (!zs_cats(addr, "postmaster@") ||
		    !zs_cat(addr, &s->conf->me) || !zs_0(addr))
			return STEP_CLOSE;
	} else {
		used = smtpd_path_parse(arg + *at, n - *at, &path);
		if (used == 0 || (path.len == 0 && !pc->empty))
			return smtpd_reply(s, utf8_valid(arg, n) ?
			    pc->syntax : RPL_UTF8, NULL);
		if (!copy0(addr, path.addr, path.len))
			return STEP_CLOSE;
	}
	s->logarg = addr->s;
	*at += used;
	if (!(s->flags & SESS_ESMTP) && strspn(arg + *at, " ") != n - *at)
		return smtpd_reply(s, RPL_PARAM, NULL);
	return STEP_GO;
}

/* The reply to what smtpd_param_mail or smtpd_param_rcpt found. */
static enum smtpd_step
param_step(struct smtpd_session *s, enum smtpd_param_err r)
{
	switch (r) {
	case PARAM_OK:
		return STEP_GO;
	case PARAM_UNKNOWN:
		return smtpd_reply(s, RPL_PARAM, NULL);
	default:
		return smtpd_reply(s, RPL_SYNTAX, NULL);
	}
}


/*
 * control/senderlimits, for relay and authenticated clients (the mail that
 * goes out): STEP_GO when the message may go on (and was counted), else
 * the reply's. A refusal is logged once per window, not at every try, so
 * that a runaway client cannot fill the log.
 */
static enum smtpd_step
sender_limit(struct smtpd_session *s, const char *sender)
{
	const struct smtpd_limit *over = NULL;
	long long now = (long long)time(NULL);
	enum smtpd_step ok;
	int r = -1;

	if (s->qopen)
		r = smtpd_limit_take(&s->conf->senderlimits, s->q.rootfd, sender,
		    (s->flags & SESS_AUTH) ? s->authuser.s : NULL, now, &over);
	else
		errno = ENOENT;
	if (r == 1)
		return STEP_GO;
	if (r == -1) {
		warn_sys("unable to update the sender limits in ",
		    s->conf->queuedir, "/", SMTPD_LIMIT_FILE);
		return smtpd_reply(s, RPL_QUEUEFAIL, NULL);
	}
	if (smtpd_limit_first(over, s->q.rootfd, now)) {
		char cnt[FMT_ULONG], per[FMT_ULONG];

		cnt[fmt_ulong(cnt, over->count)] = '\0';
		per[fmt_ulong(per, over->period)] = '\0';
		log_info("client=", s->conf->client,
		    " reject=450 esc=4.7.1 cmd=MAIL",
		    " arg=<", sender, ">", s->authuser.len ? " user=" : "",
		    s->authuser.len ? s->authuser.s : "", " senderlimit=",
		    over->who, " limit=", cnt, "/", per,
		    "s reason=\"sender limit reached; not logged again in "
		    "this window\"");
	}
	s->quietlog = true;
	ok = smtpd_reply(s, RPL_SENDERLIMIT, NULL);
	s->quietlog = false;
	return ok;
}

/* control/ratelimit: messages per client address in a window. */
static enum smtpd_step
rate_limit(struct smtpd_session *s)
{
	int r = -1;

	if (s->conf->rate_count == 0 ||
	    (smtpd_may_relay(s) && !s->conf->rate_relay))
		return STEP_GO;
	if (s->qopen)
		r = ratelimit_take(s->q.rootfd, SMTPD_RATE_FILE,
		    s->conf->clientaddr, s->conf->rate_count,
		    s->conf->rate_window, (long long)time(NULL));
	if (r == -1) {
		warn_sys("unable to update the rate limit in ",
		    s->conf->queuedir, "/", SMTPD_RATE_FILE);
		return smtpd_reply(s, RPL_QUEUEFAIL, NULL);
	}
	return r == 0 ? smtpd_reply(s, RPL_RATE, NULL) : STEP_GO;
}

/* What MAIL's parameters ask, against the session and the limits. */
static enum smtpd_step
mail_policy(struct smtpd_session *s, const struct smtpd_mailparam *mp,
    const char *sender, const char *arg, size_t n)
{
	enum smtpd_step r;

	/* RFC 6531 3.4: 8-bit addresses only with SMTPUTF8; else as ever. */
	if (!mp->smtputf8 && !utf8_ascii(arg, n))
		return smtpd_reply(s, RPL_BADBYTE, NULL);
	/* RFC 8689 2: offered inside TLS only, so unknown outside it. */
	if (mp->requiretls && !(s->flags & SESS_TLS))
		return smtpd_reply(s, RPL_PARAM, NULL);
	if (mp->has_mtprio && !s->conf->mtpriority)
		return smtpd_reply(s, RPL_PARAM, NULL);
	/* RFC 1870 6.1: refuse at once what the limit cannot take. */
	if (mp->has_size && s->conf->databytes != 0 &&
	    mp->size > s->conf->databytes)
		return smtpd_reply(s, RPL_TOOBIG, NULL);
	/* RFC 1870 6.1: a size the queue cannot hold now is 452 4.3.1. */
	if (mp->has_size && s->qopen && !room_for(s, mp->size))
		return smtpd_reply(s, RPL_NOSPACE, NULL);
	r = rate_limit(s);
	if (r != STEP_GO)
		return r;
	if (smtpd_may_relay(s) && s->conf->senderlimits.n != 0)
		return sender_limit(s, sender);
	return STEP_GO;
}

/* A new transaction from sender and MAIL's parameters. */
static enum smtpd_step
mail_begin(struct smtpd_session *s, const struct smtpd_mailparam *mp,
    const char *sender)
{
	smtpd_tx_reset(s);
	if (!envelope_set(&s->env.sender, sender))
		return STEP_CLOSE;
	s->env.body = mp->body;
	s->env.ret = mp->ret;
	s->env.requiretls = mp->requiretls != 0;
	/* As the client declared it: the message goes on only with it. */
	s->env.smtputf8 = mp->smtputf8 != 0;
	if (mp->has_mtprio && smtpd_may_relay(s)) {
		s->has_mtprio = true;
		s->mtprio = mp->mtprio;
	} else if (mp->has_mtprio) {
		char v[4];

		/* RFC 6710 5: a value from a client not trusted to set it. */
		v[0] = mp->mtprio < 0 ? '-' : '+';
		v[1] = (char)('0' + (mp->mtprio < 0 ? -mp->mtprio :
		    mp->mtprio));
		v[2] = '\0';
		log_info("client=", s->conf->client, " from=<", sender,
		    "> mt-priority=", v, " ignored=\"not a relay or "
		    "authenticated client\"");
	}
	if (mp->envid != NULL) {
		struct zs envid = ZS_INIT;
		int set = copy0(&envid, mp->envid, mp->envidlen) &&
		    envelope_set(&s->env.envid, envid.s);

		zs_free(&envid);
		if (!set)
			return STEP_CLOSE;
	}
	smtpd_enter(s, ST_MAIL);
	return smtpd_reply(s, RPL_SENDER_OK, NULL);
}

static enum smtpd_step
mail_rest(struct smtpd_session *s, const char *arg, size_t n, size_t at,
    const struct zs *sender, bool pm)
{
	struct smtpd_mailparam mp;
	enum smtpd_step r;

	(void)pm;
	r = param_step(s, smtpd_param_mail(arg + at, n - at, &mp));
	if (r == STEP_GO)
		r = mail_policy(s, &mp, sender->s, arg, n);
	if (r == STEP_GO)
		r = mail_begin(s, &mp, sender->s);
	return r;
}

/* The check before MAIL. control/requireauth: a submission service. */
enum smtpd_step
smtpd_check_mail(struct smtpd_session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	if (s->conf->requireauth && !smtpd_may_relay(s))
		return smtpd_reply(s, RPL_AUTH_REQUIRED, NULL);
	return STEP_GO;
}

/*
 * In a local domain, with control/localusers, is the local part a user or
 * an alias? Matched as zr-local matches: in lower case, and "user+ext" as
 * "user" when it has no entry of its own.
 */
static bool
local_user_ok(const struct smtpd_session *s, const struct zs *addr)
{
	const struct smtpd_conf *c = s->conf;
	size_t at = addr_at(addr->s, addr->len), n, i, off;
	char name[ADDR_LOCAL_MAX + 1];
	int pass;

	if (c->nlocalusers == 0 || at >= addr->len ||
	    !smtpd_path_listed(c->localdomains.s, c->nlocaldomains,
	    addr->s + at + 1, addr->len - at - 1))
		return 1;
	n = at < sizeof name ? at : sizeof name - 1;
	for (i = 0; i < n; i++)
		name[i] = (char)(addr->s[i] >= 'A' && addr->s[i] <= 'Z' ?
		    addr->s[i] + 32 : addr->s[i]);
	name[n] = '\0';
	/* RFC 5321 4.5.1: postmaster is always there. */
	if (strcmp(name, "postmaster") == 0)
		return 1;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, off = 0; i < c->nlocalusers; i++) {
			if (strcmp(c->localusers.s + off, name) == 0)
				return true;
			off += strlen(c->localusers.s + off) + 1;
		}
		if (strchr(name, '+') == NULL)
			break;
		*strchr(name, '+') = '\0';
	}
	return false;
}

/* Whether addr may be a recipient of this client's: relaying and users. */
static enum smtpd_step
rcpt_policy(struct smtpd_session *s, const struct zs *addr, bool pm)
{
	const struct smtpd_conf *c = s->conf;
	struct smtpd_path path;
	size_t dom;

	if (s->env.nrcpt >= c->maxrcpt)
		return smtpd_reply(s, RPL_TOOMANYRCPT, NULL);
	if (!smtpd_may_relay(s) && !pm) {
		/*
		 * Routing a domain check cannot see is refused outright. A
		 * source route is not that: it was dropped, and the mailbox
		 * is what is checked and stored (RFC 5321 4.1.1.3, C).
		 */
		path.addr = addr->s;
		path.len = addr->len;
		path.route = 0;
		if (smtpd_path_routed(&path))
			return smtpd_reply(s, RPL_ROUTED, NULL);
		dom = addr_at(addr->s, addr->len) + 1;
		if (!smtpd_path_listed(c->localdomains.s, c->nlocaldomains,
		    addr->s + dom, addr->len - dom) &&
		    !smtpd_path_listed(c->relaydomains.s, c->nrelaydomains,
		    addr->s + dom, addr->len - dom))
			return smtpd_reply(s, RPL_RELAY, NULL);
	}
	if (!pm && !local_user_ok(s, addr))
		return smtpd_reply(s, RPL_NOUSER, NULL);
	return STEP_GO;
}

/* addr into the envelope, once: the same recipient twice is one. */
static bool
rcpt_add(struct smtpd_session *s, const struct zs *addr,
    const struct smtpd_rcptparam *rp)
{
	struct zs orcpt = ZS_INIT;
	size_t i;
	bool ok;

	for (i = 0; i < s->env.nrcpt; i++)
		if (strcmp(s->env.rcpt[i].addr, addr->s) == 0)
			return true;
	ok = (rp->orcpt == NULL || copy0(&orcpt, rp->orcpt, rp->orcptlen)) &&
	    envelope_add_rcpt(&s->env, addr->s,
	    rp->orcpt != NULL ? orcpt.s : NULL, rp->notify);
	zs_free(&orcpt);
	return ok;
}

static enum smtpd_step
rcpt_rest(struct smtpd_session *s, const char *arg, size_t n, size_t at,
    const struct zs *addr, bool pm)
{
	struct smtpd_rcptparam rp;
	enum smtpd_step r;

	/* A UTF-8 recipient in a transaction begun without SMTPUTF8. */
	if (!s->env.smtputf8 && !utf8_ascii(arg, n))
		return smtpd_reply(s, RPL_BADBYTE, NULL);
	r = param_step(s, smtpd_param_rcpt(arg + at, n - at, &rp));
	if (r == STEP_GO)
		r = rcpt_policy(s, addr, pm);
	if (r != STEP_GO)
		return r;
	if (!rcpt_add(s, addr, &rp))
		return STEP_CLOSE;
	smtpd_enter(s, ST_RCPT);
	return smtpd_reply(s, RPL_RCPT_OK, NULL);
}

static const struct path_cmd mail_cmd = { "FROM:", RPL_FROMSYNTAX, false,
    true, mail_rest };
static const struct path_cmd rcpt_cmd = { "TO:", RPL_TOSYNTAX, true, false,
    rcpt_rest };

/* MAIL or RCPT: the preamble, then the rest; s->logarg is cleared. */
static enum smtpd_step
path_command(struct smtpd_session *s, const char *arg, size_t n,
    const struct path_cmd *pc)
{
	struct zs addr = ZS_INIT;
	enum smtpd_step r;
	size_t at;
	bool pm;

	r = path_preamble(s, arg, n, pc, &addr, &at, &pm);
	if (r == STEP_GO)
		r = pc->rest(s, arg, n, at, &addr, pm);
	s->logarg = NULL;
	zs_free(&addr);
	return r;
}

enum smtpd_step
smtpd_do_mail(struct smtpd_session *s, const char *arg, size_t n)
{
	return path_command(s, arg, n, &mail_cmd);
}

enum smtpd_step
smtpd_do_rcpt(struct smtpd_session *s, const char *arg, size_t n)
{
	return path_command(s, arg, n, &rcpt_cmd);
}
