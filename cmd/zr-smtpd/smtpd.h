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
 * The session is a state (enum smtpd_state) plus fact bits (SESS_*); a verb
 * table says in which states each command is legal. Every reply goes
 * through one function and one table of codes. A message is acknowledged
 * only after queue_commit made it durable.
 */
#ifndef ZR_SMTPD_H
#define ZR_SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cidr.h"
#include "envelope.h"
#include "queue.h"
#include "timeoutio.h"
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

#define SMTPD_DATABYTES_DEFAULT 10485760ULL
#define SMTPD_MAXRCPT_DEFAULT 100ULL
#define SMTPD_TIMEOUT_DEFAULT 300ULL

enum smtpd_state {
	ST_GREETED = 1,		/* greeting sent, no HELO/EHLO yet */
	ST_READY = 2,		/* HELO/EHLO done, no transaction */
	ST_MAIL = 4,		/* MAIL accepted, no recipient yet */
	ST_RCPT = 8,		/* at least one recipient accepted */
	ST_ANY = 15
};

/* Facts about the session, independent of the state. */
#define SESS_ESMTP 1u		/* EHLO rather than HELO */
#define SESS_RELAY 2u		/* RELAYCLIENT or relaynets: may relay */
#define SESS_TLS 4u		/* reserved: STARTTLS done */
#define SESS_AUTH 8u		/* reserved: AUTH done; may relay */

struct smtpd_conf {
	struct zs me;			/* control/me: greeting, Received */
	struct zs localdomains;		/* NUL-separated entries */
	size_t nlocaldomains;
	struct zs relaydomains;
	size_t nrelaydomains;
	struct cidr *relaynets;
	size_t nrelaynets;
	unsigned long long databytes;	/* 0: no limit */
	unsigned long long maxrcpt;
	unsigned long long timeout;	/* seconds */
	unsigned long long greetdelay;	/* seconds */
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
	bool debug;			/* ZR_DEBUG: log state changes */
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
	unsigned badcmds;
	unsigned long msgs;
	bool quit;
	bool eof;			/* the client left in the middle */
	bool quietlog;			/* the caller logs this reply itself */
	const char *logarg;		/* the address a reply is about */
	char inspace[BUF_SIZE];
	char outspace[BUF_SIZE];
};

/* Environment and control files into c; 0 with errno and c->err set. */
int smtpd_conf_load(struct smtpd_conf *c);
void smtpd_conf_free(struct smtpd_conf *c);

void smtpd_init(struct smtpd_session *, const struct smtpd_conf *,
    buf_op rd, int rfd, void *rctx, buf_op wr, int wfd, void *wctx);
/* Run the session until QUIT, EOF or a fatal condition; an EXIT_* code. */
int smtpd_serve(struct smtpd_session *);
void smtpd_free(struct smtpd_session *);

#endif
