/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "base64.h"
#include "sasl.h"
#include "secrets.h"
#include "wire.h"

/* "AUTH PLAIN LOGIN" or the older "AUTH=PLAIN LOGIN": the mechanisms. */
unsigned
auth_mechs(const char *l, size_t n)
{
	unsigned ext = 0;
	size_t i = 5;

	while (i < n) {
		size_t a;

		while (i < n && l[i] == ' ')
			i++;
		a = i;
		while (i < n && l[i] != ' ')
			i++;
		if (i - a == 5 && strncasecmp(l + a, "PLAIN", 5) == 0)
			ext |= EXT_AUTH_PLAIN;
		else if (i - a == 5 && strncasecmp(l + a, "LOGIN", 5) == 0)
			ext |= EXT_AUTH_LOGIN;
		else if (i - a == 7 && strncasecmp(l + a, "XOAUTH2", 7) == 0)
			ext |= EXT_AUTH_XOAUTH2;
		else if (i - a == 11 &&
		    strncasecmp(l + a, "OAUTHBEARER", 11) == 0)
			ext |= EXT_AUTH_OAUTHBEARER;
	}
	return ext;
}

/* The output space held a secret: it goes as soon as it is sent. */
static int
put_secret(struct remote *r, const char *a, const struct zs *b)
{
	int ok = wire_put(r, a) && buf_put(&r->out, b->s, b->len) &&
	    wire_put(r, "\r\n") && buf_flush(&r->out);

	memset(r->outspace, 0, NET_BUF);
	return ok;
}

/*
 * One OAuth2 exchange with token t: 235, or the final reply otherwise.
 * RFC 7628 3.2.3: a 334 carries the server's error; the client ends the
 * exchange with a dummy response (%x01 for OAUTHBEARER, empty for
 * XOAUTH2, as Google and Microsoft document it) and gets the 535.
 * 1 with the reply in r->reply; 0 when the connection broke.
 */
static int
oauth_try(struct remote *r, const struct route_host *h, bool bearer,
    const char *user, const struct zs *t, const char *cmd)
{
	struct zs b = ZS_INIT;
	int ok = 0;

	if (!oauth_response(bearer, user, h->name, h->port, t, &b))
		goto out;
	if (!put_secret(r, cmd, &b) ||
	    !wire_reply(r, bearer ? "AUTH OAUTHBEARER" : "AUTH XOAUTH2"))
		goto out;
	if (r->reply.code == 334) {
		if (wire_unsolicited(r, "AUTH") ||
		    !wire_put(r, bearer ? "AQ==\r\n" :
		    "\r\n") || !buf_flush(&r->out) ||
		    !wire_reply(r, "the OAuth2 error challenge"))
			goto out;
	}
	ok = !wire_unsolicited(r, "AUTH");
out:
	oauth_wipe(&b);
	return ok;
}

/*
 * AUTH OAUTHBEARER when offered, else XOAUTH2, with the token of the
 * program spec names; a refused token (535) is renewed once and tried
 * again on the same connection, since the cached one may have been
 * revoked before its time. As do_auth.
 */
static int
do_oauth(struct remote *r, const struct route_host *h, const char *user,
    const char *spec, const char **mech, bool *quit)
{
	struct zs t = ZS_INIT, why = ZS_INIT;
	char txt[SMTPREPLY_TEXT_MAX + 1];
	bool bearer = (r->ext & EXT_AUTH_OAUTHBEARER) != 0;
	const char *cmd = bearer ? "AUTH OAUTHBEARER " : "AUTH XOAUTH2 ";
	int again, ok = 0;

	*mech = bearer ? "OAUTHBEARER" : "XOAUTH2";
	for (again = 0; again < 2; again++) {
		if (!oauth_token(&r->oauth, h->auth, spec,
		    r->conf->timeouttoken, again > 0, &t, &why)) {
			wire_why(r, h->key, "AUTH: ", why.len > 0 ? why.s :
			    "token program: out of memory");
			goto out;
		}
		if (!oauth_try(r, h, bearer, user, &t, cmd)) {
			*quit = false;
			goto out;
		}
		if (r->reply.code == 235) {
			ok = 1;
			goto out;
		}
		oauth_forget(&r->oauth, h->auth);
		if (r->reply.code != 535)
			break;
	}
	*quit = r->reply.code / 100 == 4 || r->reply.code / 100 == 5;
	smtpreply_text(&r->reply, txt);
	wire_why(r, h->key, bearer ? "AUTH OAUTHBEARER failed: " :
	    "AUTH XOAUTH2 failed: ", txt);
out:
	oauth_wipe(&t);
	zs_free(&why);
	return ok;
}

/*
 * One AUTH LOGIN step, after the 334 to after: the secret s in base64,
 * then the reply to what. 1 with the reply read; 0 when the connection
 * broke; -1 out of memory. b holds the encoded secret, wiped here.
 */
static int
login_step(struct remote *r, const char *after, const struct zs *s,
    const char *what, struct zs *b)
{
	int ok;

	if (wire_unsolicited(r, after))
		return 0;
	if (!base64_encode((const unsigned char *)s->s, s->len, b))
		return -1;
	ok = put_secret(r, "", b) && wire_reply(r, what);
	oauth_wipe(b);
	return ok;
}

/*
 * RFC 4954 AUTH with the credentials named by h->auth: PLAIN when offered,
 * else LOGIN; for a token program (oauth.h) OAUTHBEARER, else XOAUTH2.
 * 1 when authenticated, with *mech the mechanism; 0 with why set (never a
 * secret) and *quit telling whether the server is still in step for a
 * QUIT.
 */
int
auth_run(struct remote *r, const struct route_host *h, const char **mech,
    bool *quit)
{
	struct zs user = ZS_INIT, pass = ZS_INIT, b = ZS_INIT;
	char t[SMTPREPLY_TEXT_MAX + 1];
	int g, ok = 0;
	bool oauth;

	*quit = true;
	*mech = (r->ext & EXT_AUTH_PLAIN) ? "PLAIN" : "LOGIN";
	g = secrets_find(h->auth, &user, &pass);
	if (g != 1) {
		wire_why(r, h->key,
		    "no credentials: control/smarthost-secrets: ",
		    g == 0 ? "no such name (auth=)" : errno == EPERM ?
		    "readable by group or others, refused (chmod 600)" :
		    errno == EINVAL ? "malformed line" : strerror(errno));
		goto out;
	}
	oauth = oauth_is_program(pass.s);
	if (!oauth && !(r->ext & (EXT_AUTH_PLAIN | EXT_AUTH_LOGIN))) {
		wire_why(r, h->key, "auth=", "set, but the server offers no "
		    "AUTH PLAIN or LOGIN");
		goto out;
	}
	if (oauth && !(r->ext & (EXT_AUTH_XOAUTH2 | EXT_AUTH_OAUTHBEARER))) {
		wire_why(r, h->key, "auth=", "names a token program, but the "
		    "server offers no AUTH XOAUTH2 or OAUTHBEARER");
		goto out;
	}
	if (r->tls == NULL && !h->authplain) {
		wire_why(r, h->key, "not sending credentials without TLS ",
		    "(no STARTTLS; authplain=yes would allow it)");
		goto out;
	}
	if (oauth) {
		ok = do_oauth(r, h, user.s, pass.s + 6, mech, quit);
		goto out;
	}
	if ((*mech)[0] == 'P') {
		if (!sasl_plain_encode(user.s, pass.s, &b))
			goto nomem;
		if (!put_secret(r, "AUTH PLAIN ", &b) ||
		    !wire_reply(r, "AUTH PLAIN"))
			goto lost;
	} else {
		if (!wire_put(r, "AUTH LOGIN\r\n") || !buf_flush(&r->out) ||
		    !wire_reply(r, "AUTH LOGIN"))
			goto lost;
		if (r->reply.code == 334 && (g = login_step(r, "AUTH LOGIN",
		    &user, "the AUTH LOGIN user name", &b)) != 1)
			goto lost_or_nomem;
		if (r->reply.code == 334 && (g = login_step(r,
		    "the AUTH LOGIN user name", &pass,
		    "the AUTH LOGIN password", &b)) != 1)
			goto lost_or_nomem;
	}
	if (wire_unsolicited(r, "AUTH"))
		goto lost;
	if (r->reply.code == 235) {
		ok = 1;
		goto out;
	}
	/* 535 or anything else: this host is no use for this message. */
	*quit = r->reply.code / 100 == 4 || r->reply.code / 100 == 5;
	smtpreply_text(&r->reply, t);
	wire_why(r, h->key, (*mech)[0] == 'P' ? "AUTH PLAIN failed: " :
	    "AUTH LOGIN failed: ", t);
	goto out;
lost_or_nomem:
	if (g == 0)
		goto lost;
nomem:
	wire_why(r, h->key, "AUTH: ", strerror(errno));
	*quit = false;
	goto out;
lost:
	*quit = false;
out:
	oauth_wipe(&user);
	oauth_wipe(&pass);
	oauth_wipe(&b);
	return ok;
}
