/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "prio.h"
#include "scan.h"
#include "smtpd_param.h"
#include "xtext.h"

static int
isalnum_c(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

struct param {
	const char *key;
	size_t keylen;
	const char *val;	/* NULL when there is no "=" */
	size_t vallen;
};

/*
 * The next parameter from *s: esmtp-keyword ["=" esmtp-value] (RFC 5321
 * 4.1.2). Returns 1 with one taken, 0 at the end, -1 when malformed.
 */
static int
next(const char **s, const char *end, struct param *p)
{
	const char *q = *s;

	if (q == end)
		return 0;
	if (*q != ' ')
		return -1;
	while (q < end && *q == ' ')
		q++;
	if (q == end)
		return 0;	/* trailing blanks */
	p->key = q;
	while (q < end && (isalnum_c(*q) || (*q == '-' && q > p->key)))
		q++;
	p->keylen = (size_t)(q - p->key);
	if (p->keylen == 0)
		return -1;
	p->val = NULL;
	p->vallen = 0;
	if (q < end && *q == '=') {
		p->val = ++q;
		while (q < end && *q >= 33 && *q <= 126 && *q != '=')
			q++;
		p->vallen = (size_t)(q - p->val);
		if (p->vallen == 0)
			return -1;
	}
	if (q < end && *q != ' ')
		return -1;
	*s = q;
	return 1;
}

static int
is(const struct param *p, const char *name)
{
	return p->keylen == strlen(name) &&
	    strncasecmp(p->key, name, p->keylen) == 0;
}

static int
val_is(const struct param *p, const char *word)
{
	return p->vallen == strlen(word) &&
	    strncasecmp(p->val, word, p->vallen) == 0;
}

enum smtpd_param_err
smtpd_param_mail(const char *s, size_t n, struct smtpd_mailparam *m)
{
	const char *end = s + n;
	struct param p;
	unsigned seen = 0;
	int r;

	memset(m, 0, sizeof *m);
	while ((r = next(&s, end, &p)) == 1) {
		unsigned bit;

		if (is(&p, "SIZE"))
			bit = 1;
		else if (is(&p, "BODY"))
			bit = 2;
		else if (is(&p, "RET"))
			bit = 4;
		else if (is(&p, "ENVID"))
			bit = 8;
		else if (is(&p, "AUTH"))
			bit = 16;
		else if (is(&p, "MT-PRIORITY"))
			bit = 32;
		else if (is(&p, "REQUIRETLS"))
			bit = 64;
		else if (is(&p, "SMTPUTF8"))
			bit = 128;
		else
			return PARAM_UNKNOWN;
		/* REQUIRETLS and SMTPUTF8 take no value (RFC 8689 2, 6531). */
		if ((seen & bit) || (p.val == NULL) != (bit >= 64))
			return PARAM_SYNTAX;
		seen |= bit;
		if (bit == 64) {
			m->requiretls = 1;
			continue;
		}
		if (bit == 128) {
			m->smtputf8 = 1;
			continue;
		}
		switch (bit) {
		case 1:
			/* Digits only; an overflowing number is no number. */
			if (scan_ulongb(p.val, p.vallen, &m->size) != p.vallen)
				return PARAM_SYNTAX;
			m->has_size = 1;
			break;
		case 2:
			if (val_is(&p, "7BIT"))
				m->body = BODY_7BIT;
			else if (val_is(&p, "8BITMIME"))
				m->body = BODY_8BITMIME;
			else
				return PARAM_SYNTAX;
			break;
		case 4:
			if (val_is(&p, "FULL"))
				m->ret = RET_FULL;
			else if (val_is(&p, "HDRS"))
				m->ret = RET_HDRS;
			else
				return PARAM_SYNTAX;
			break;
		case 8:
			if (p.vallen > SMTPD_ENVID_MAX ||
			    !xtext_valid(p.val, p.vallen))
				return PARAM_SYNTAX;
			m->envid = p.val;
			m->envidlen = p.vallen;
			break;
		case 32:
			/* RFC 6710 2: -9..9; 10 or "abc" is a syntax error. */
			if (!prio_mt_parse(p.val, p.vallen, &m->mtprio))
				return PARAM_SYNTAX;
			m->has_mtprio = 1;
			break;
		default:
			/* RFC 4954 5: "<>" or an xtext mailbox; not kept. */
			if (!val_is(&p, "<>") && !xtext_valid(p.val, p.vallen))
				return PARAM_SYNTAX;
			m->has_auth = 1;
			break;
		}
	}
	return r == 0 ? PARAM_OK : PARAM_SYNTAX;
}

static int
orcpt_valid(const char *s, size_t n)
{
	size_t i;

	if (n > SMTPD_ORCPT_MAX)
		return 0;
	/* addr-type is an atom (RFC 3461 4.2): letters, digits, '-'. */
	for (i = 0; i < n && s[i] != ';'; i++)
		if (!isalnum_c(s[i]) && s[i] != '-')
			return 0;
	if (i == 0 || i >= n - 1)
		return 0;
	return xtext_valid(s + i + 1, n - i - 1);
}

enum smtpd_param_err
smtpd_param_rcpt(const char *s, size_t n, struct smtpd_rcptparam *rp)
{
	const char *end = s + n;
	struct param p;
	int r;

	memset(rp, 0, sizeof *rp);
	while ((r = next(&s, end, &p)) == 1) {
		if (is(&p, "NOTIFY")) {
			char tmp[32];

			if (rp->notify != 0 || p.val == NULL ||
			    p.vallen >= sizeof tmp)
				return PARAM_SYNTAX;
			memcpy(tmp, p.val, p.vallen);
			tmp[p.vallen] = '\0';
			if (!envelope_notify_parse(tmp, &rp->notify))
				return PARAM_SYNTAX;
		} else if (is(&p, "ORCPT")) {
			if (rp->orcpt != NULL || p.val == NULL ||
			    !orcpt_valid(p.val, p.vallen))
				return PARAM_SYNTAX;
			rp->orcpt = p.val;
			rp->orcptlen = p.vallen;
		} else {
			return PARAM_UNKNOWN;
		}
	}
	return r == 0 ? PARAM_OK : PARAM_SYNTAX;
}
