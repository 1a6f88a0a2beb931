/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dsn.h"
#include "xtext.h"

static const char *const action_names[] = {
	[DSN_FAILED] = "failed", [DSN_DELAYED] = "delayed",
	[DSN_DELIVERED] = "delivered", [DSN_RELAYED] = "relayed",
	[DSN_EXPANDED] = "expanded",
};

const char *
dsn_action_name(enum dsn_action a)
{
	return action_names[a];
}

/* An RFC 5322 date, in local time with its offset. */
static int
cat_date(struct zs *z, long long t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		return zs_cats(z, "Thu, 01 Jan 1970 00:00:00 +0000");
	return zs_cats(z, buf);
}

/*
 * Printable ASCII only, at most max bytes: CR, LF and every other control
 * byte become one space, so text from a remote server stays in its field.
 */
static int
cat_clean(struct zs *z, const char *s, size_t max)
{
	size_t i, n = strlen(s);
	int space = 0;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 32 || c == 127) {
			space = 1;
			continue;
		}
		if (space && !zs_catc(z, ' '))
			return 0;
		space = 0;
		if (!zs_catc(z, c < 128 ? (char)c : '?'))
			return 0;
	}
	return 1;
}

/*
 * "Name: value" folded at blanks to about DSN_FOLD columns (RFC 5322 2.2.3);
 * the value is cleaned first.
 */
static int
cat_field(struct zs *z, const char *name, const char *value, size_t max)
{
	struct zs v = ZS_INIT;
	size_t col, i = 0;
	int ok = 0;

	if (!cat_clean(&v, value, max) || !zs_0(&v))
		goto out;
	if (!zs_cats(z, name) || !zs_cats(z, ": "))
		goto out;
	col = strlen(name) + 2;
	while (i < v.len) {
		size_t word = strcspn(v.s + i, " ");

		if (col + word > DSN_FOLD && col > strlen(name) + 2) {
			if (!zs_cats(z, "\n "))
				goto out;
			col = 1;
		}
		if (!zs_catb(z, v.s + i, word))
			goto out;
		col += word;
		i += word;
		while (i < v.len && v.s[i] == ' ') {
			if (col < DSN_FOLD && !zs_catc(z, ' '))
				goto out;
			col++;
			i++;
		}
	}
	ok = zs_catc(z, '\n');
out:
	zs_free(&v);
	return ok;
}

/* Decode one UTF-8 sequence at s; its length, or 0 when malformed. */
static size_t
utf8(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		*cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		*cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

/*
 * An address for Final-Recipient and Original-Recipient: "rfc822;addr"
 * when it is ASCII, else "utf-8;" with each non-ASCII character as
 * \x{HEX} (RFC 6533 3); control bytes never pass.
 */
static int
cat_addr_field(struct zs *z, const char *name, const char *addr)
{
	static const char hex[] = "0123456789ABCDEF";
	struct zs v = ZS_INIT;
	const unsigned char *s = (const unsigned char *)addr;
	size_t i, n = strlen(addr);
	int ascii = 1, ok = 0;

	for (i = 0; i < n; i++)
		if (s[i] >= 128)
			ascii = 0;
	if (!zs_cats(&v, ascii ? "rfc822;" : "utf-8;"))
		goto out;
	for (i = 0; i < n && v.len < 600;) {
		unsigned long cp;
		size_t len = utf8(s + i, n - i, &cp);

		if (len == 0) {
			cp = 0xfffd;
			len = 1;
		}
		if (cp >= 32 && cp < 127 && cp != '\\') {
			if (!zs_catc(&v, (char)cp))
				goto out;
		} else {
			char buf[16];
			int k = 0, shift;

			buf[k++] = '\\';
			buf[k++] = 'x';
			buf[k++] = '{';
			for (shift = 20; shift > 0 && (cp >> shift) == 0; shift -= 4)
				;
			for (; shift >= 0; shift -= 4)
				buf[k++] = hex[(cp >> shift) & 15];
			buf[k++] = '}';
			if (!zs_catb(&v, buf, (size_t)k))
				goto out;
		}
		i += len;
	}
	if (!zs_0(&v))
		goto out;
	ok = cat_field(z, name, v.s, v.len);
out:
	zs_free(&v);
	return ok;
}

/* The header section of the original: its length (through the blank line). */
static size_t
header_len(const char *p, size_t n)
{
	size_t i;

	if (n > 0 && p[0] == '\n')
		return 1;
	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && p[i + 1] == '\n')
			return i + 2;
	return n;
}

/* A header field's value, unfolded, into out ("" when absent). */
static int
orig_field(const char *p, size_t hlen, const char *name, struct zs *out)
{
	size_t nl = strlen(name), i = 0;

	out->len = 0;
	while (i < hlen) {
		const char *line = p + i;
		const char *end = memchr(line, '\n', hlen - i);
		size_t len = end != NULL ? (size_t)(end - line) : hlen - i;

		if (len > nl && line[nl] == ':' &&
		    strncasecmp(line, name, nl) == 0) {
			size_t j = i + nl + 1;

			/* The value runs on over continuation lines. */
			for (;;) {
				const char *e = memchr(p + j, '\n', hlen - j);
				size_t l = e != NULL ? (size_t)(e - (p + j)) : hlen - j;

				if (!zs_catb(out, p + j, l))
					return 0;
				j += l + 1;
				if (j >= hlen || (p[j] != ' ' && p[j] != '\t'))
					break;
			}
			return zs_0(out);
		}
		i += len + 1;
	}
	return zs_0(out);
}

/* A Message-ID worth repeating: one <...> of printable non-blank ASCII. */
static int
msgid_ok(const char *s, size_t *start, size_t *len)
{
	size_t i = strspn(s, " \t"), j;

	if (s[i] != '<')
		return 0;
	for (j = i + 1; s[j] != '\0' && s[j] != '>'; j++)
		if (s[j] <= ' ' || s[j] >= 127)
			return 0;
	if (s[j] != '>' || j - i > 250 || s[j + 1 + strspn(s + j + 1, " \t")])
		return 0;
	*start = i;
	*len = j - i + 1;
	return 1;
}

static int
has_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 128)
			return 1;
	return 0;
}

static int
human_part(struct zs *z, const struct dsn_report *r, enum dsn_action kind,
    int truncated)
{
	size_t i;

	if (!zs_cats(z, "This is the mail system at host ") ||
	    !cat_clean(z, r->reporting_mta, 255) || !zs_cats(z, ".\n\n"))
		return 0;
	switch (kind) {
	case DSN_DELAYED:
		if (!zs_cats(z, "Your message has not been delivered yet to the "
		    "recipients below.\nThe mail system is still trying; you "
		    "need not send it again.\n\n"))
			return 0;
		break;
	case DSN_DELIVERED:
	case DSN_RELAYED:
	case DSN_EXPANDED:
		if (!zs_cats(z, "Your message was delivered to the recipients "
		    "below, or handed on\nto a mail system that does not report "
		    "deliveries, as you asked.\n\n"))
			return 0;
		break;
	case DSN_FAILED:
		if (!zs_cats(z, "Your message could not be delivered to the "
		    "recipients below.\nThe mail system has given up on them, "
		    "for the reasons shown.\n\n"))
			return 0;
		break;
	}
	for (i = 0; i < r->nrcpt; i++) {
		const struct dsn_rcpt *d = &r->rcpt[i];

		if (!zs_cats(z, "<") || !cat_clean(z, d->addr, 300) ||
		    !zs_cats(z, ">: ") ||
		    !cat_clean(z, d->diagnostic != NULL ? d->diagnostic :
		    dsn_action_name(d->action), DSN_DIAG_MAX))
			return 0;
		if (d->action == DSN_DELAYED && d->retry_until != 0 &&
		    (!zs_cats(z, "\n    (will be retried until ") ||
		    !cat_date(z, d->retry_until) || !zs_catc(z, ')')))
			return 0;
		if (!zs_cats(z, "\n"))
			return 0;
	}
	if (truncated && !zs_cats(z, "\nThe message below was too large to "
	    "return whole; only its beginning\nis included.\n"))
		return 0;
	return 1;
}

/*
 * The per-message fields of the delivery-status part (RFC 3464 2.2); v is
 * the caller's scratch string.
 */
static int
cat_message_fields(struct zs *out, const struct dsn_report *r, struct zs *v)
{
	if (!zs_cats(v, "dns; ") || !cat_clean(v, r->reporting_mta, 255) ||
	    !zs_0(v) || !cat_field(out, "Reporting-MTA", v->s, 300))
		return 0;
	if (r->envid != NULL) {
		v->len = 0;
		if (xtext_decode(r->envid, strlen(r->envid), v) && zs_0(v) &&
		    !cat_field(out, "Original-Envelope-Id", v->s, 100))
			return 0;
	}
	return zs_cats(out, "Arrival-Date: ") && cat_date(out, r->arrival) &&
	    zs_catc(out, '\n');
}

/* The fields of one recipient (RFC 3464 2.3), after the blank line. */
static int
cat_rcpt_fields(struct zs *out, const struct dsn_rcpt *d, struct zs *v)
{
	if (!zs_catc(out, '\n'))
		return 0;
	if (d->orcpt != NULL) {
		const char *semi = strchr(d->orcpt, ';');

		v->len = 0;
		if (semi != NULL && strncasecmp(d->orcpt, "rfc822;", 7) == 0 &&
		    xtext_decode(semi + 1, strlen(semi + 1), v) && zs_0(v)) {
			if (!cat_addr_field(out, "Original-Recipient", v->s))
				return 0;
		} else if (!cat_field(out, "Original-Recipient", d->orcpt,
		    500)) {
			return 0;
		}
	}
	if (!cat_addr_field(out, "Final-Recipient", d->addr) ||
	    !cat_field(out, "Action", dsn_action_name(d->action), 20) ||
	    !cat_field(out, "Status", d->status, 16))
		return 0;
	if (d->remote_mta != NULL && d->remote_mta[0] != '\0') {
		struct zs m = ZS_INIT;
		int k = zs_cats(&m, "dns; ") &&
		    cat_clean(&m, d->remote_mta, 255) && zs_0(&m) &&
		    cat_field(out, "Remote-MTA", m.s, 300);

		zs_free(&m);
		if (!k)
			return 0;
	}
	if (d->diagnostic != NULL && d->diagnostic[0] != '\0') {
		struct zs m = ZS_INIT;
		/* A server's reply starts with its code; else it is ours. */
		const char *dg = d->diagnostic;
		int smtp = dg[0] >= '2' && dg[0] <= '5' &&
		    dg[1] >= '0' && dg[1] <= '9' &&
		    dg[2] >= '0' && dg[2] <= '9' &&
		    (dg[3] == ' ' || dg[3] == '\0');
		int k = zs_cats(&m, smtp ? "smtp; " : "x-zr; ") &&
		    cat_clean(&m, d->diagnostic, DSN_DIAG_MAX) && zs_0(&m) &&
		    cat_field(out, "Diagnostic-Code", m.s, DSN_DIAG_MAX + 6);

		zs_free(&m);
		if (!k)
			return 0;
	}
	if (d->last_attempt != 0 &&
	    (!zs_cats(out, "Last-Attempt-Date: ") ||
	    !cat_date(out, d->last_attempt) || !zs_catc(out, '\n')))
		return 0;
	if (d->action == DSN_DELAYED && d->retry_until != 0 &&
	    (!zs_cats(out, "Will-Retry-Until: ") ||
	    !cat_date(out, d->retry_until) || !zs_catc(out, '\n')))
		return 0;
	return 1;
}

int
dsn_build(const struct dsn_report *r, const char *orig, size_t n,
    struct zs *out)
{
	struct zs v = ZS_INIT, dashes = ZS_INIT;
	size_t hlen = header_len(orig, n), ret_len, i, s, l;
	enum dsn_action kind = r->nrcpt > 0 ? r->rcpt[0].action : DSN_FAILED;
	int full, truncated = 0, ok = 0;
	const char *subject;

	if (!zs_cats(&dashes, "--") || !zs_cats(&dashes, r->boundary))
		goto out;
	for (i = 0; i + dashes.len <= n; i++)
		if (memcmp(orig + i, dashes.s, dashes.len) == 0) {
			errno = EINVAL;
			goto out;
		}
	/* What of the original goes back (RFC 3461 4.3). */
	full = kind == DSN_FAILED && r->ret != RET_HDRS &&
	    (r->ret == RET_FULL || r->maxbytes > 0);
	ret_len = full ? n : hlen;
	if (full && r->ret != RET_FULL && n > r->maxbytes) {
		/* Cut at a line end, and never inside the header. */
		ret_len = r->maxbytes > hlen ? r->maxbytes : hlen;
		while (ret_len > hlen && orig[ret_len - 1] != '\n')
			ret_len--;
		truncated = 1;
	}
	subject = kind == DSN_DELAYED ? "Delayed Mail (still being retried)" :
	    kind == DSN_FAILED ? "Undelivered Mail Returned to Sender" :
	    "Successful Mail Delivery Report";

	if (!cat_field(out, "From", r->from, 300) ||
	    !cat_field(out, "To", r->to[0] ? r->to : "postmaster", 300) ||
	    !cat_field(out, "Subject", subject, 100) ||
	    !zs_cats(out, "Date: ") || !cat_date(out, r->now) ||
	    !zs_cats(out, "\nMessage-ID: <") || !cat_clean(out, r->msgid, 250) ||
	    !zs_cats(out, ">\nAuto-Submitted: auto-replied\n"))
		goto out;
	if (!orig_field(orig, hlen, "Message-ID", &v))
		goto out;
	if (msgid_ok(v.s, &s, &l) &&
	    (!zs_cats(out, "In-Reply-To: ") || !zs_catb(out, v.s + s, l) ||
	    !zs_cats(out, "\nReferences: ") || !zs_catb(out, v.s + s, l) ||
	    !zs_catc(out, '\n')))
		goto out;
	if (!zs_cats(out, "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status;\n boundary=\"") ||
	    !zs_cats(out, r->boundary) ||
	    !zs_cats(out, "\"\n\nThis is a MIME-encapsulated message.\n\n") ||
	    !zs_cat(out, &dashes) ||
	    !zs_cats(out, "\nContent-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n") ||
	    !human_part(out, r, kind, truncated))
		goto out;

	if (!zs_catc(out, '\n') || !zs_cat(out, &dashes) ||
	    !zs_cats(out, "\nContent-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n"))
		goto out;
	v.len = 0;
	if (!cat_message_fields(out, r, &v))
		goto out;
	for (i = 0; i < r->nrcpt; i++)
		if (!cat_rcpt_fields(out, &r->rcpt[i], &v))
			goto out;

	if (!zs_catc(out, '\n') || !zs_cat(out, &dashes) ||
	    !zs_cats(out, full ? "\nContent-Description: Undelivered Message\n"
	    "Content-Type: message/rfc822\n" :
	    "\nContent-Description: Message Headers\n"
	    "Content-Type: text/rfc822-headers\n") ||
	    !zs_cats(out, has_8bit(orig, ret_len) ?
	    "Content-Transfer-Encoding: 8bit\n\n" :
	    "Content-Transfer-Encoding: 7bit\n\n") ||
	    !zs_catb(out, orig, ret_len))
		goto out;
	if (ret_len > 0 && orig[ret_len - 1] != '\n' && !zs_catc(out, '\n'))
		goto out;
	ok = zs_catc(out, '\n') && zs_cat(out, &dashes) && zs_cats(out, "--\n");
out:
	zs_free(&v);
	zs_free(&dashes);
	return ok;
}
