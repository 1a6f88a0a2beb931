/* SPDX-License-Identifier: MIT */
/*
 * remote: deliver jobs read on standard input over SMTP, one connection
 * kept from job to job while the next job starts with the same host.
 *
 * Jobs come in and reports go out in the formats lib/job.h reads and
 * writes (zr-remote(8) specifies them): a job names the hosts to try, the
 * queue file, the sender and recipients; a report says, per recipient and
 * for the message, what the server answered. With a job's id and
 * delivery and results, the report is first appended to a journal in
 * state/ (job_report_send). The T record says how the connection was
 * protected, with the TLS policy that applied and its outcome (policy.h).
 */
#ifndef ZR_REMOTE_H
#define ZR_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "dane.h"
#include "loop.h"
#include "job.h"
#include "oauth.h"
#include "policy.h"
#include "queue.h"
#include "route.h"
#include "smtpreply.h"
#include "timeoutio.h"
#include "tls.h"
#include "tlsreport.h"
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
	bool syncresults;		/* control/syncresults */
	bool bdat;			/* control/remotebdat: 1 */
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
#define EXT_SMTPUTF8 2048u
#define EXT_CHUNKING 4096u		/* RFC 3030 BDAT */

/* A TLS session to offer again to the same host at the same level. */
struct remote_sess {
	char key[ROUTE_KEY_MAX + 1];
	enum tls_level level;
	char mxname[ROUTE_NAME_MAX + 1];	/* the name it was made for */
	char fingerprint[ROUTE_FP_MAX + 1];
	SSL_SESSION *s;
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
	const char *outcome, *reason;	/* of policy=, for tlsreport */
	struct tlsreport rpt;		/* the job's TLSRPT facts */
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
	struct queue q;			/* for the results in state/ */
	struct job_journal jj;		/* where they go */
	struct zs why;			/* the last connection failure */
	const char *dest;		/* the job's first domain, for logs */
	bool looped;			/* that failure: the host is this one */
	struct oauth_cache oauth;	/* tokens, for the process's life */
};

/* Defaults, then the control files. 1, or 0 with errno. */
int remote_conf_load(struct remote_conf *);
/* Serve jobs from in until EOF; reports go to out. An EXIT_* code. */
int remote_run(const struct remote_conf *, struct buf *in, struct buf *out);
#endif
