/* SPDX-License-Identifier: MIT */
/*
 * smtpd_param: the ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2
 * Mail-parameters), validated strictly.
 *
 *	MAIL: SIZE=n (RFC 1870), BODY=7BIT|8BITMIME (RFC 6152),
 *	      RET=FULL|HDRS and ENVID=xtext (RFC 3461), AUTH=xtext|<> (RFC 4954),
 *	      MT-PRIORITY=-9..9 (RFC 6710; the caller says if it is offered),
 *	      REQUIRETLS (RFC 8689; the caller checks that TLS is on),
 *	      SMTPUTF8 (RFC 6531 3.4)
 *	RCPT: NOTIFY=NEVER|list and ORCPT=addr-type;xtext (RFC 3461)
 *
 * An unknown keyword is PARAM_UNKNOWN (555); a repeated keyword, an empty
 * or malformed value, an overflowing number, and xtext that decodes to a
 * control byte are PARAM_SYNTAX (501). Values that are kept (ENVID, ORCPT)
 * point into the input and are safe to store in an envelope as they are.
 */
#ifndef ZR_SMTPD_PARAM_H
#define ZR_SMTPD_PARAM_H

#include <stddef.h>

#include "envelope.h"

/* RFC 3461 4.4 and 4.2: the longest ENVID and ORCPT values. */
#define SMTPD_ENVID_MAX 100
#define SMTPD_ORCPT_MAX 500

enum smtpd_param_err { PARAM_OK, PARAM_SYNTAX, PARAM_UNKNOWN };

struct smtpd_mailparam {
	int has_size;
	unsigned long long size;
	enum envelope_body body;
	enum envelope_ret ret;
	const char *envid;	/* xtext, or NULL */
	size_t envidlen;
	int has_auth;		/* AUTH= was given (and is not trusted) */
	int requiretls;		/* REQUIRETLS (RFC 8689), no value */
	int smtputf8;		/* SMTPUTF8 (RFC 6531 3.4), no value */
	int has_mtprio;		/* MT-PRIORITY= was given */
	int mtprio;		/* its value, -9..9 */
};

struct smtpd_rcptparam {
	unsigned notify;	/* NOTIFY_* bits, 0 when not given */
	const char *orcpt;	/* "addr-type;xtext", or NULL */
	size_t orcptlen;
};

/* Parse s (n bytes): nothing, or parameters each after one or more SP. */
enum smtpd_param_err smtpd_param_mail(const char *s, size_t n,
    struct smtpd_mailparam *);
enum smtpd_param_err smtpd_param_rcpt(const char *s, size_t n,
    struct smtpd_rcptparam *);

#endif
