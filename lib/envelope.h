/* SPDX-License-Identifier: MIT */
/*
 * envelope: the header at the top of every message file.
 *
 * Format (specified in queue-layout/README and zr-queue(5)): a version line
 * "zr-envelope 1", then one "key value" field per line, then the line
 * "data"; the message content follows, unchanged. Per-recipient fields
 * (notify, orcpt) apply to the rcpt line before them. Values never hold
 * control bytes: envelope_format refuses them (EINVAL), so nothing a client
 * sends can add a line. envelope_parse refuses anything it does not
 * understand (EPROTO): a damaged file is set aside, never guessed at.
 *
 * An envelope owns all its strings; envelope_free releases them.
 */
#ifndef ZR_ENVELOPE_H
#define ZR_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "queue.h"
#include "zs.h"

/* RFC 3461 NOTIFY bits; 0 means "not given". */
#define NOTIFY_NEVER 1u
#define NOTIFY_SUCCESS 2u
#define NOTIFY_FAILURE 4u
#define NOTIFY_DELAY 8u

enum envelope_ret { RET_UNSET, RET_FULL, RET_HDRS };
enum envelope_body { BODY_UNSET, BODY_7BIT, BODY_8BITMIME };

/* A value is one line of at most this many bytes. */
#define ENVELOPE_VALUE_MAX 1000
/* The header as a whole; beyond this a file is damaged, not big. */
#define ENVELOPE_HEADER_MAX (64u << 20)

struct envelope_rcpt {
	char *addr;		/* without angle brackets */
	char *orcpt;		/* "addr-type;xtext" as given, or NULL */
	unsigned notify;
};

struct envelope {
	char id[QUEUE_ID_SIZE];
	long long arrival;		/* seconds since the epoch */
	enum queue_prio prio;
	char *sender;			/* "" for the null sender */
	char *client;			/* client IP, or "local" */
	char *helo;			/* as the client gave it, or NULL */
	char *proto;			/* SMTP, ESMTP, ESMTPS, ..., local */
	char *user;			/* local submitter (zr-inject), or NULL */
	char *envid;			/* DSN ENVID as xtext, or NULL */
	enum envelope_ret ret;
	enum envelope_body body;
	bool requiretls;		/* MAIL FROM ... REQUIRETLS (RFC 8689) */
	bool smtputf8;			/* needs SMTPUTF8 (RFC 6531) to go on */
	bool has_mtprio;		/* MT-PRIORITY (RFC 6710) to pass on */
	int mtprio;			/* its value, -9..9 */
	struct envelope_rcpt *rcpt;
	size_t nrcpt;
	size_t rcptcap;
	size_t data_offset;		/* where the content starts in the file */
	off_t size;			/* content bytes (envelope_read sets it) */
};

void envelope_init(struct envelope *);
void envelope_free(struct envelope *);
/* Replace a string field (NULL clears it). */
int envelope_set(char **field, const char *value);
/* Append a recipient; its orcpt may be NULL. */
int envelope_add_rcpt(struct envelope *, const char *addr, const char *orcpt,
    unsigned notify);

/* Whether s (n bytes) may be stored as a value. */
int envelope_value_ok(const char *s, size_t n);
/* Append the header, through the "data" line, to out. EINVAL on a bad value. */
int envelope_format(const struct envelope *, struct zs *out);
/* Parse a header from p (n bytes, may include content after "data"). */
int envelope_parse(struct envelope *, const char *p, size_t n);
/*
 * Read and parse the header of the open message file fd (from offset 0);
 * QUEUE_ENOTREG when fd is not a regular file.
 */
int envelope_read(struct envelope *, int fd);

/* The content of the message file fd, after envelope_read, into out. */
int envelope_read_content(const struct envelope *, int fd, struct zs *out);

/* "success,failure" style text for notify bits, into out. */
int envelope_notify_format(unsigned notify, struct zs *out);
/* Parse a NOTIFY list ("never" or a list of success,failure,delay). */
int envelope_notify_parse(const char *s, unsigned *notify);

#endif
