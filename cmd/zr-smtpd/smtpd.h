/* SPDX-License-Identifier: MIT */
/*
 * smtpd: one ESMTP session on a pair of descriptors (RFC 5321).
 *
 * smtpd_conf_load fills a config from the environment (tcp-environ(5),
 * RELAYCLIENT, DATABYTES) and the control files; smtpd_init prepares a
 * session over two buf operations (the network through timeoutio in
 * zr-smtpd, memory in tests and the fuzzer; TLS slots in the same way);
 * smtpd_serve runs it to the end and returns an EXIT_* code.
 *
 * The session is a state (enum smtpd_state) plus fact bits (SESS_*); a
 * command table says, for each verb, in which states it is legal, the
 * reply in the others, and the check that runs before it (smtpd_int.h).
 * Every reply goes through one function and one table of codes. A message is acknowledged
 * only after qwrite_commit made it durable.
 *
 * TLS (STARTTLS, or implicit with conf.smtps) replaces the two buf
 * operations by tls_read/tls_write; OpenSSL is touched only then, so a
 * plain session never initialises it. The session owns its SSL_CTX and
 * struct tls and frees them in smtpd_free. AUTH asks conf.authcheck.
 */
#ifndef ZR_SMTPD_H
#define ZR_SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cidr.h"
#include "envelope.h"
#include "priorules.h"
#include "queue.h"
#include "smtpd_limit.h"
#include "timeoutio.h"
#include "tls.h"
#include "zs.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define SMTPD_CMD_MAX 512
/*
 * RFC 1870 and RFC 3461 4.1 allow MAIL and RCPT to grow by the length of
 * their parameters (ORCPT alone may add 500 octets): 1024 covers them all.
 */
#define SMTPD_CMD_PARAM_MAX 1024
/* RFC 5321 4.5.3.1.5 for the HELO/EHLO argument. */
#define SMTPD_HELO_MAX 255
/* Bad commands (unknown, bad syntax, bad sequence) before 421 and close. */
#define SMTPD_BADCMD_MAX 10
/*
 * RFC 4954 4: an AUTH response is base64 of at most the longest PLAIN
 * message (RFC 4616 2: three fields of 255 octets and two NULs, 767
 * octets), 1024 characters; with "AUTH PLAIN " and CRLF, the command line.
 */
#define SMTPD_SASL_MAX 1024
#define SMTPD_AUTH_LINE_MAX (11 + SMTPD_SASL_MAX + 2)
/* The longest command line kept in memory: the longest any verb takes. */
#define SMTPD_LINE_KEEP SMTPD_AUTH_LINE_MAX
/* Failed AUTH attempts before 421 and close; each one waits longer. */
#define SMTPD_AUTHFAIL_MAX 3
#define SMTPD_AUTHDELAY_MS 1000

#define SMTPD_DATABYTES_DEFAULT 10485760ULL
#define SMTPD_MAXRCPT_DEFAULT 100ULL
#define SMTPD_TIMEOUT_DEFAULT 300ULL
#define SMTPD_MAXJUNK_DEFAULT 100ULL
#define SMTPD_TIMEOUTSESSION_DEFAULT 1800ULL
/*
 * In DATA, at least this many octets a second, over each window of that
 * many seconds: far below any real link, far above a drip of a byte every
 * few seconds; a message sent within one window is never measured.
 */
#define SMTPD_MINDATARATE_DEFAULT 100ULL
#define SMTPD_DATAWINDOW_DEFAULT 60ULL
#define SMTPD_AUTHFAILURES_DEFAULT 5ULL
#define SMTPD_AUTHWINDOW_DEFAULT 300ULL

enum smtpd_state {
	ST_GREETED = 1,		/* greeting sent, no HELO/EHLO yet */
	ST_READY = 2,		/* HELO/EHLO done, no transaction */
	ST_MAIL = 4,		/* MAIL accepted, no recipient yet */
	ST_RCPT = 8,		/* at least one recipient accepted */
	ST_BDAT = 16,		/* BDAT chunks of the message coming in */
	ST_ANY = 31
};

struct smtpd_msg;

/* Facts about the session, independent of the state. */
#define SESS_ESMTP 1u		/* EHLO rather than HELO */
#define SESS_RELAY 2u		/* RELAYCLIENT or relaynets: may relay */
#define SESS_TLS 4u		/* TLS is on (STARTTLS or implicit) */
#define SESS_AUTH 8u		/* AUTH succeeded: may relay */
#define SESS_HELLO 16u		/* a HELO/EHLO was answered here */

struct smtpd_conf {
	struct zs me;			/* control/me: greeting, Received */
	struct zs defaultdomain;	/* control/defaultdomain, or me */
	bool qualifyheaders;		/* control/qualifyheaders */
	struct zs localdomains;		/* NUL-separated entries */
	size_t nlocaldomains;
	struct zs relaydomains;
	size_t nrelaydomains;
	struct zs localusers;		/* names, then alias names; NUL-separated */
	size_t nlocalusers;		/* 0: every local name is accepted */
	struct cidr *relaynets;
	size_t nrelaynets;
	unsigned long long databytes;	/* 0: no limit */
	unsigned long long maxrcpt;
	unsigned long maxhops;		/* control/maxhops; 0: no limit */
	unsigned long long timeout;	/* seconds */
	unsigned long long greetdelay;	/* seconds */
	unsigned long long timeoutsession; /* seconds for it all; 0: none */
	long long session_end;		/* from zr-smtpd at STARTTLS; 0: none */
	unsigned long long mindatarate;	/* octets a second in DATA; 0: none */
	unsigned long long datawindow;	/* seconds it is measured over */
	unsigned long long maxjunk;	/* do-nothing commands; 0: no limit */
	bool pipecheck;			/* refuse input ahead of HELO's reply */
	unsigned long long rate_count;	/* 0: no rate limit */
	unsigned long long rate_window;
	bool rate_relay;		/* relay clients are counted too */
	const char *queuedir;
	const char *client;		/* client IP as text, or "unknown" */
	char clientbuf[64];		/* client's storage when we found it */
	bool client_known;
	unsigned char clientaddr[CIDR_ADDR_SIZE];
	const char *remotehost;		/* its DNS name when known and sane */
	const char *localip;		/* ${PROTO}LOCALIP when well-formed */
	bool relayclient;		/* RELAYCLIENT was set */
	bool local;			/* SMTPD_LOCAL_ENV: zr-inject -bs */
	bool debug;			/* ZR_DEBUG: log state changes */
	/* TLS: offered when tlscert and a private tlskey exist. */
	bool tls;
	bool smtps;			/* -s: TLS before the greeting */
	const char *handed;		/* -S HELO: STARTTLS handed over */
	struct zs tlscert;		/* paths, NUL-terminated */
	struct zs tlskey;
	struct zs tlsciphers;		/* empty: OpenSSL's default */
	int tls_min;			/* 0: the lib/tls default */
	int tls_max;
	/* AUTH. */
	bool authplaintext;		/* offered without TLS too */
	bool requireauth;		/* non-relay clients must AUTH */
	unsigned authdelay_ms;		/* after the first failure */
	/* Failed AUTH per client address across processes; 0: no limit. */
	unsigned long long authfailures;
	unsigned long long authwindow;	/* seconds */
	int (*authconfigured)(void);	/* authcheck_configured, or a stub */
	/* Priorities. */
	bool mtpriority;		/* control/mtpriority: RFC 6710 offered */
	struct priorules prules;	/* control/priorityrules */
	struct smtpd_limits senderlimits;	/* control/senderlimits */
	int (*authcheck)(const char *user, const char *pass);
	struct zs err;			/* what smtpd_conf_load failed on */
};

struct smtpd_session {
	const struct smtpd_conf *conf;
	enum smtpd_state state;
	unsigned flags;
	struct buf in;
	struct buf out;
	struct queue q;
	bool qopen;
	struct zs line;			/* the current command, no CRLF */
	struct zs helo;
	struct envelope env;		/* the transaction */
	struct smtpd_msg *msg;		/* its queue file, during DATA or BDAT */
	bool has_mtprio;		/* MT-PRIORITY given, and believed */
	int mtprio;			/* its value, -9..9 */
	unsigned badcmds;
	unsigned long long junk;	/* do-nothing commands (maxjunk) */
	unsigned *iotimeout;		/* seconds the buf operations wait */
	long long deadline;		/* the session's end (monotonic ms) */
	bool rating;			/* in DATA, the data rate is measured */
	long long window;		/* when the current window began (ms) */
	unsigned long long winbytes;	/* octets received in it */
	unsigned long msgs;
	bool quit;
	bool eof;			/* the client left in the middle */
	bool quietlog;			/* the caller logs this reply itself */
	int refuse;			/* BDAT: the table's late reply id */
	const char *logarg;		/* the address a reply is about */
	const char *logcmd;		/* the verb to log, if not the line's */
	const char *result;		/* why we ended it, if we did */
	const struct smtpd_tlsops *tlsops;	/* NULL: no TLS at all */
	struct tls *tls;		/* NULL until TLS is on */
	SSL_CTX *tlsctx;		/* made at the first STARTTLS */
	int authok;			/* credentials configured: -1 unknown */
	unsigned authfails;
	struct zs authuser;		/* for logs, printable; empty: none */
	char inspace[BUF_SIZE];
	char outspace[BUF_SIZE];
};

/*
 * How a session gets TLS. zr-smtpd-tls does it in process, with OpenSSL
 * (smtpd_tls_here); zr-smtpd, which has no OpenSSL so that every plain
 * connection starts cheaply, hands the connection over to zr-smtpd-tls
 * at STARTTLS or implicit TLS (smtpd_tls_handoff).
 */
struct smtpd_tlsops {
	/* Whether TLS can start: 1, or 0 (logged) for a 454. */
	int (*ready)(struct smtpd_session *);
	/* After the 220 to STARTTLS (or at once with -s): the handshake and
	 * the fresh session of RFC 3207 4.2. 0 ends the session. */
	int (*start)(struct smtpd_session *);
	/* "tls=TLSv1.3 cipher=... verify=..." for the log. */
	void (*describe)(const struct smtpd_session *, char *, size_t);
	void (*free)(struct smtpd_session *);
};

extern const struct smtpd_tlsops smtpd_tls_here;
extern const struct smtpd_tlsops smtpd_tls_handoff;

/*
 * After a TLS handshake: the session of RFC 3207 4.2 (no HELO name, no
 * transaction, no AUTH; EHLO again) over the TLS buf operations.
 */
void smtpd_tls_restart(struct smtpd_session *, buf_op rd, buf_op wr,
    void *ctx);

/*
 * zr-smtpd hands the session's deadline (CLOCK_MONOTONIC milliseconds,
 * the same clock in both processes) to zr-smtpd-tls at STARTTLS in this
 * variable, so that STARTTLS does not start the session's time afresh.
 */
#define SMTPD_SESSION_END_ENV "ZR_SMTPD_SESSION_END"

/*
 * zr-inject -bs runs zr-smtpd on its own standard input and output with
 * this variable set (and a clean environment): the client is the local
 * user, a relay client, and no early-talker or pipelining check applies.
 * A network service must never set it.
 */
#define SMTPD_LOCAL_ENV "ZR_SMTPD_LOCAL"

/* The whole program: options, privileges, control files, one session. */
int smtpd_main(int argc, char **argv, const struct smtpd_tlsops *);

/* Environment and control files into c; 0 with errno and c->err set. */
int smtpd_conf_load(struct smtpd_conf *c);
void smtpd_conf_free(struct smtpd_conf *c);

void smtpd_init(struct smtpd_session *, const struct smtpd_conf *,
    buf_op rd, int rfd, void *rctx, buf_op wr, int wfd, void *wctx);
/* Run the session until QUIT, EOF or a fatal condition; an EXIT_* code. */
int smtpd_serve(struct smtpd_session *);
void smtpd_free(struct smtpd_session *);

#endif
