/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "smtpd_data.h"

/*
 * The states, after what was seen last:
 *	LINESTART	a CRLF, or nothing yet: a '.' here is special
 *	TEXT		an ordinary byte in the middle of a line
 *	CR		a CR that an LF must follow
 *	DOT		a '.' at the start of a line
 *	DOTCR		".<CR>" at the start of a line: an LF ends the data
 *	LFSTART		a bare LF taken as a line end (lfok): a '.' here is
 *			a transparency dot, but never the start of the end
 *	LFDOT		a '.' at the start of such a line
 */
enum { DS_LINESTART, DS_TEXT, DS_CR, DS_DOT, DS_DOTCR, DS_LFSTART, DS_LFDOT };

void
smtpd_data_init(struct smtpd_data *d, unsigned long long max)
{
	d->state = DS_LINESTART;
	d->flags = 0;
	d->werrno = 0;
	d->linelen = 0;
	d->size = 0;
	d->max = max;
	d->stored = 0;
	d->lfok = false;
	d->raw = false;
	hops_init(&d->hops);
}

/* Count n octets as sent (wire is the count on the wire) and store them. */
static void
emit(struct smtpd_data *d, const char *p, size_t n, size_t wire,
    struct buf *out)
{
	/* Saturating: a stream of any length cannot wrap the counter. */
	if (d->size > ~0ULL - wire)
		d->size = ~0ULL;
	else
		d->size += wire;
	if (d->max != 0 && d->size > d->max)
		d->flags |= DATA_BIG;
	/* The content as stored, dots and CRs gone: what a next hop reads. */
	(void)hops_feed(&d->hops, p, n);
	if (d->flags != 0 || out == NULL)
		return;
	if (!buf_put(out, p, n)) {
		d->flags |= DATA_WERR;
		d->werrno = errno;
		return;
	}
	d->stored += n;
}

static void
text(struct smtpd_data *d, const char *p, size_t n, struct buf *out)
{
	if (d->linelen + n > SMTPD_TEXT_LINE_MAX - 2) {
		d->flags |= DATA_LONG;
		d->linelen = SMTPD_TEXT_LINE_MAX;	/* saturate */
	} else {
		d->linelen += n;
	}
	emit(d, p, n, n, out);
}

size_t
smtpd_data_scan(struct smtpd_data *d, const char *p, size_t n,
    struct buf *out, int *end)
{
	size_t i = 0;

	*end = 0;
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		size_t j;

		switch (d->state) {
		case DS_LINESTART:
			if (c == '.' && !d->raw) {
				/* RFC 5321 4.5.2: the first dot goes. */
				d->state = DS_DOT;
				d->linelen = 1;
				i++;
				break;
			}
			__attribute__((fallthrough));
		case DS_LFSTART:
			if (d->state == DS_LFSTART && c == '.' && !d->raw) {
				d->state = DS_LFDOT;
				d->linelen = 1;
				i++;
				break;
			}
			__attribute__((fallthrough));
		case DS_TEXT:
			/* The common case: a run of plain bytes at once. */
			for (j = i; j < n && p[j] != '\r' && p[j] != '\n' &&
			    p[j] != '\0'; j++)
				;
			if (j > i) {
				text(d, p + i, j - i, out);
				i = j;
				d->state = DS_TEXT;
				break;
			}
			if (c == '\r') {
				d->state = DS_CR;
			} else if (c == '\n' && d->lfok) {
				/* Taken as CRLF: counted as the CRLF it becomes. */
				emit(d, "\n", 1, 2, out);
				d->linelen = 0;
				d->state = DS_LFSTART;
			} else {
				/* A bare LF, or a NUL: never a line end. */
				d->flags |= c == '\n' ? DATA_BARE : DATA_NUL;
				d->state = DS_TEXT;
			}
			i++;
			break;
		case DS_CR:
			if (c == '\n') {
				emit(d, "\n", 1, 2, out);
				d->linelen = 0;
				d->state = DS_LINESTART;
				i++;
			} else {
				/* A bare CR; this byte again, as text. */
				d->flags |= DATA_BARE;
				d->state = DS_TEXT;
			}
			break;
		case DS_DOT:
			if (c == '\r') {
				d->state = DS_DOTCR;
				i++;
			} else if (c == '\n') {
				/*
				 * "<CR><LF>.<LF>": an end of data to some
				 * servers, never to us; normalised it would
				 * be a line that hides one, so it is refused.
				 */
				d->flags |= DATA_BARE;
				d->state = DS_TEXT;
			} else {
				/* A stuffed dot; what follows is text. */
				d->state = DS_TEXT;
			}
			break;
		case DS_LFDOT:
			/*
			 * "<LF>.<CR><LF>" or "<LF>.<LF>" would end the data
			 * for a server that takes a bare LF as a line end:
			 * the smuggler's end. Refused whoever sends it.
			 */
			if (c == '\r' || c == '\n')
				d->flags |= DATA_BARE;
			d->state = DS_TEXT;
			break;
		case DS_DOTCR:
			if (c == '\n') {
				*end = 1;
				d->state = DS_LINESTART;
				return i + 1;
			}
			/* ".<CR>" then something else: a bare CR. */
			d->flags |= DATA_BARE;
			d->state = DS_TEXT;
			break;
		}
	}
	return i;
}

void
smtpd_data_finish(struct smtpd_data *d, struct buf *out)
{
	if (d->state == DS_CR)
		d->flags |= DATA_BARE;
	else if (d->state == DS_TEXT)
		/* A last line without its line end gets one, as stored. */
		emit(d, "\n", 1, 0, out);
	d->state = DS_LINESTART;
}
