/* SPDX-License-Identifier: MIT */
/*
 * remote: deliver jobs read on standard input over SMTP, one connection
 * kept from job to job while the next job starts with the same host.
 *
 * Input, one job at a time, lines ending in LF, a job ending with an
 * empty line (zr-remote(8) specifies it):
 *
 *	host 127.0.0.1:2525 tls=may	one or more, in the order to try,
 *					with a smarthosts line's settings
 *	file /var/spool/zr/active/ID	a queue message file
 *	from <sender>			optional: the envelope's sender
 *	to <rcpt>			optional, repeated: the envelope's
 *
 * Output per job, each record a letter, text and a NUL (qmail-remote's
 * report plus a leading H record): "H" and the host that took the
 * transaction (empty when none did); "T" and how the connection was
 * protected ("tls=none", "tls=TLSv1.3 cipher=...") with the TLS policy
 * and its outcome (policy.h), or when no host took it and one was tried,
 * the policy and outcome of the last one alone; then
 * one r (accepted), h (refused for
 * good) or s (refused for now) per recipient, in order; then K (the
 * message was accepted for the r recipients), Z (temporary failure) or D
 * (permanent failure). When the failure came before RCPT, the recipient
 * records are left out and the message record speaks for all.
 */
#ifndef ZR_REMOTE_H
#define ZR_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "dane.h"
#include "loop.h"
#include "oauth.h"
#include "policy.h"
#include "route.h"
#include "smtpreply.h"
#include "timeoutio.h"
#include "tls.h"
#include "zs.h"

/* A cipher list longer than this in control/tlsclientciphers is refused. */
#define REMOTE_CIPHERS_MAX 1024
/* TLS sessions kept for resumption, one per host and level. */
#define REMOTE_SESSIONS 32
/* "tls=... cipher=... verify=... resumed=yes" */
#define REMOTE_TLSINFO_MAX 256

struct remote_conf {
	char helo[256];			/* control/helohost, else me */
	char me[256];			/* control/me, else the host name */
	struct remote_self self[REMOTE_SELF_MAX];	/* control/listenaddrs */
	size_t nself;
	unsigned timeoutconnect;	/* control/timeoutconnect */
	unsigned timeoutremote;		/* control/timeoutremote */
	unsigned timeouttransaction;	/* control/timeouttransaction */
	enum tls_level tlsmx;		/* control/tlsmx: hosts without tls= */
	bool dnssec;			/* control/dnssec: trust AD */
	char ciphers[REMOTE_CIPHERS_MAX];	/* control/tlsclientciphers */
	int minproto, maxproto;		/* control/tlsclient{min,max}proto */
	unsigned timeouttoken;		/* control/timeouttoken (oauth.h) */
	bool mtasts;			/* control/mtasts: not "no" (mtasts.h) */
};

/* What the server said it can do (RFC 1869 EHLO keywords). */
#define EXT_PIPELINING 1u
#define EXT_SIZE 2u
#define EXT_8BITMIME 4u
#define EXT_STARTTLS 8u
#define EXT_AUTH_PLAIN 16u
#define EXT_AUTH_LOGIN 32u
#define EXT_DSN 64u
#define EXT_AUTH_XOAUTH2 128u
#define EXT_AUTH_OAUTHBEARER 256u
#define EXT_REQUIRETLS 512u
#define EXT_MTPRIORITY 1024u

/* A TLS session to offer again to the same host at the same level. */
struct remote_sess {
	char key[ROUTE_KEY_MAX + 1];
	enum tls_level level;
	char mxname[ROUTE_NAME_MAX + 1];	/* the name it was made for */
	char fingerprint[ROUTE_FP_MAX + 1];
	SSL_SESSION *s;
};

struct remote_job {
	struct route_host *host;
	size_t nhost;
	struct zs file;
	struct zs from;
	bool have_from;
	struct zs rcpts;		/* NUL-separated */
	size_t nrcpt;
	struct zs bad;			/* why the job is malformed, or empty */
};

struct remote {
	const struct remote_conf *conf;
	int fd;				/* the connection, or -1 */
	char key[ROUTE_KEY_MAX + 1];	/* its host */
	struct route_host cur;		/* its settings, tls= resolved */
	SSL_CTX *ctx;			/* made at the first TLS connection */
	struct tls *tls;		/* the connection's TLS, or NULL */
	char tlsinfo[REMOTE_TLSINFO_MAX];	/* the T record */
	char policy[POLICY_FIELDS_MAX];	/* and its policy= outcome= */
	enum tls_level eff;		/* the level applied: at dane, what
					   the TLSA records made of it */
	struct dane dane;
	struct dane_result dr;		/* the last verdict, at dane */
	int dsn_passed;			/* the transaction carried DSN */
	struct remote_sess sess[REMOTE_SESSIONS];
	size_t nextsess;		/* the slot to reuse next */
	unsigned ext;
	unsigned long long sizemax;	/* the server's SIZE, 0: none */
	bool dirty;			/* a transaction may be open */
	long long deadline;		/* of this host's transaction; 0: none */
	struct timeoutio rto, wto;
	struct buf in, out;
	char *inspace, *outspace;
	struct smtpreply reply;
	struct buf *report;
	struct zs why;			/* the last connection failure */
	const char *dest;		/* the job's first domain, for logs */
	bool looped;			/* that failure: the host is this one */
	struct oauth_cache oauth;	/* tokens, for the process's life */
};

/* Defaults, then the control files. 1, or 0 with errno. */
int remote_conf_load(struct remote_conf *);
/* Serve jobs from in until EOF; reports go to out. An EXIT_* code. */
int remote_run(const struct remote_conf *, struct buf *in, struct buf *out);
/*
 * Read one job from in: 1, 0 at EOF before any line, -1 on error.
 * A malformed job is returned with bad set.
 */
int remote_job_read(struct buf *in, struct remote_job *);
void remote_job_free(struct remote_job *);

#endif
