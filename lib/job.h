/* SPDX-License-Identifier: MIT */
/*
 * job: the two protocols between zr-send and its deliverers (zr-remote,
 * zr-local), each with one writer and one reader here; zr-remote(8)
 * specifies both.
 *
 * The job, zr-send to a deliverer: lines ending in LF, ended by an empty
 * line (or the end of the input):
 *
 *	host 127.0.0.1:2525 tls=may	one or more, in the order to try
 *	file active/ID			the queue file
 *	id ID				optional, all three or none:
 *	delivery 7			  the deliverer appends the job and
 *	results journal.R.3		  its report to state/journal.R.3
 *					  and syncs it before it reports
 *	from <sender>			optional: the envelope's sender
 *	to <rcpt>			optional, repeated: the envelope's
 *
 * The report, a deliverer to zr-send: records of a letter (enum
 * job_letter), text and a NUL: H, then T and N only right after a
 * non-empty H (after an empty one, T alone: the TLS policy and outcome
 * of the last host tried), then one r/h/s per recipient, then exactly
 * one K/Z/D.
 * Meaning never rides in text: the next hop's acceptance of DSN is the N
 * record, and the reader returns the enhanced status code (RFC 3463) of
 * the message record as a field of its own.
 *
 * zr-local, its own host, needs no host line; zr-remote does.
 *
 * Readers never trust their input: a malformed job comes back with bad
 * set; a malformed report is refused. Functions return 1, or 0 with errno
 * (EPROTO for a malformed report); the caller frees with job_req_free.
 */
#ifndef ZR_JOB_H
#define ZR_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "qstate.h"
#include "queue.h"
#include "route.h"
#include "status.h"
#include "zs.h"

/* A job line: "to <address>" at most; RFC 5321 paths are far shorter. */
#define JOB_LINE_MAX 4096
/* A report longer than this is mangled. */
#define JOB_REPORT_MAX (1u << 20)
/* "4.4.1": class.subject.detail, RFC 3463 2: 1.3.3 digits at most. */
#define JOB_STATUS_MAX 9

enum job_letter {
	JOB_HOST = 'H',		/* the host that took the transaction */
	JOB_TLS = 'T',		/* how that connection was protected */
	JOB_DSN = 'N',		/* the next hop took the DSN request */
	JOB_RCPT_OK = 'r',	/* recipient accepted */
	JOB_RCPT_PERM = 'h',	/* recipient refused for good */
	JOB_RCPT_TEMP = 's',	/* recipient refused for now */
	JOB_MSG_OK = 'K',	/* message accepted for the r recipients */
	JOB_MSG_TEMP = 'Z',	/* temporary failure of the message */
	JOB_MSG_PERM = 'D',	/* permanent failure of the message */
};

struct job_req {
	struct zs hostlines;		/* each host line's text, NUL after */
	struct route_host *host;	/* the same, parsed */
	size_t nhost, caphost;
	struct zs file;			/* NUL-terminated */
	char id[QUEUE_ID_SIZE];		/* "" when results are not recorded */
	unsigned long long delivery;
	char results[QUEUE_JOURNAL_MAX + 1];	/* the journal in state/ */
	struct zs from;			/* NUL-terminated, when have_from */
	bool have_from;
	struct zs rcpts;		/* NUL after each */
	size_t nrcpt;
	struct zs bad;			/* why the job is malformed, or empty */
};

struct job_rcpt {
	enum job_letter letter;
	const char *text;
};

/* A parsed report; its strings point into the bytes it was read from. */
struct job_report {
	const char *host;		/* "" when no host took it */
	const char *tls;		/* NULL without a T record */
	bool dsn;			/* an N record */
	struct job_rcpt *rcpt;		/* in the job's order */
	size_t nrcpt;
	enum job_letter msg;
	const char *text;
	char status[JOB_STATUS_MAX + 1];	/* of text; "" when none */
};

/* Append the job's text, ended by an empty line, to out. */
int job_write(const struct job_req *, struct zs *out);
/*
 * Read one job: 1, 0 at the end of the input before any line, -1 on a read
 * error. A malformed job is returned with bad set and NUL-terminated.
 */
int job_read(struct buf *in, struct job_req *);
/* Read a job from the first n bytes of p; *used gets what it took. */
int job_readb(const char *p, size_t n, struct job_req *, size_t *used);
void job_req_free(struct job_req *);
/* The job's message for the log: its id, or else its file's name. */
const char *job_msgid(const struct job_req *);

/* Append one report record to out; NUL and LF in p become '?'. */
int job_rec(struct zs *out, enum job_letter, const char *p, size_t n);
/* Whether p holds a whole report: 1, 0 when more is needed, -1 mangled. */
int job_report_complete(const char *p, size_t n);
/* Parse a whole report (job_report_complete said 1). */
int job_report_parse(const char *p, size_t n, struct job_report *);
void job_report_free(struct job_report *);
/*
 * What recipient i of the job comes to: delivered only on r and K (a
 * missing record is no success), failed on h or on D without s, else
 * deferred.
 */
enum qstate_status job_rcpt_status(const struct job_report *, size_t i);
/* The letters of the verdict s: r/s/h for a recipient, K/Z/D for a message. */
enum job_letter job_rcpt_letter(enum zr_status s);
enum job_letter job_msg_letter(enum zr_status s);
/* The verdict of a recipient or message letter (a non-result: ZR_TEMP). */
enum zr_status job_letter_status(enum job_letter l);
/*
 * The enhanced status code at the start of text into st ("" when none):
 * after an SMTP code ("250 2.0.0 Ok") or at the start ("4.4.1 ...").
 */
void job_status(const char *text, char st[JOB_STATUS_MAX + 1]);

/*
 * The length of the whole report at the start of p: > 0, 0 when it is
 * incomplete (a journal's torn tail), -1 when mangled.
 */
long job_report_len(const char *p, size_t n);

/* A deliverer's open journal, kept from job to job. */
struct job_journal {
	int fd;				/* -1 when none is open */
	char name[QUEUE_JOURNAL_MAX + 1];
	bool nosync;			/* control/syncresults 0 */
	char broken[QUEUE_JOURNAL_MAX + 1];	/* given up: an append failed */
};
#define JOB_JOURNAL_INIT { -1, "", false, "" }

/*
 * Deliverer side: when the job names a journal, append the job and the
 * report rep to it in one write and fdatasync it (unless nosync) before
 * anyone can read it; then write the report to out and flush. 1, or 0
 * with errno. A journal that cannot be written (a full disk) is warned of
 * once and given up: the report still goes to zr-send, which relies on
 * it while it lives (withholding it would make zr-send send the message
 * again for certain; without the record only its crash would).
 */
int job_report_send(struct queue *, struct job_journal *,
    const struct job_req *, const struct zs *rep, struct buf *out);
void job_journal_close(struct job_journal *);

#endif
