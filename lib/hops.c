/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "control.h"
#include "hops.h"

/*
 * The states, after what was seen last:
 *	LINESTART	a line end, or nothing yet: a field, a continuation
 *			or the end of the header may start here
 *	CR		a CR at the start of a line: an LF makes it empty
 *	NAME		bytes of a field name
 *	WSP		white space after a name: only a ':' may follow
 *	VALUE		the rest of a field's line, not looked at
 *	DONE		the header section is over
 */
enum { HS_LINESTART, HS_CR, HS_NAME, HS_WSP, HS_VALUE, HS_DONE };

/* Pieces read at a time from a message file. */
#define HOPS_READ_PIECE 4096

void
hops_init(struct hops *h)
{
	h->state = HS_LINESTART;
	h->namelen = 0;
	h->received = 0;
	h->delivered = 0;
}

/* RFC 5322 3.6.8: ftext is printable US-ASCII except ':'. */
static bool
ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static char
lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static void
incr(unsigned long *u)
{
	if (*u != ULONG_MAX)
		(*u)++;
}

/* A whole field name was read: count it if it is one of ours. */
static void
field(struct hops *h)
{
	if (h->namelen == 8 && memcmp(h->name, "received", 8) == 0)
		incr(&h->received);
	else if (h->namelen == 12 && memcmp(h->name, "delivered-to", 12) == 0)
		incr(&h->delivered);
}

bool
hops_feed(struct hops *h, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && h->state != HS_DONE) {
		unsigned char c = (unsigned char)p[i];
		const char *nl;

		switch (h->state) {
		case HS_LINESTART:
			i++;
			if (c == '\n') {
				h->state = HS_DONE;
			} else if (c == '\r') {
				h->state = HS_CR;
			} else if (c == ' ' || c == '\t') {
				/* A continuation: nothing in it is a name. */
				h->state = HS_VALUE;
			} else if (ftext(c)) {
				h->name[0] = lower(c);
				h->namelen = 1;
				h->state = HS_NAME;
			} else {
				h->state = HS_DONE;
			}
			break;
		case HS_CR:
			/* CRLF: the empty line; CR and more: not a field. */
			h->state = HS_DONE;
			break;
		case HS_NAME:
			i++;
			if (ftext(c)) {
				/* At sizeof name, longer than any we count. */
				if (h->namelen < sizeof h->name)
					h->name[h->namelen++] = lower(c);
			} else if (c == ':') {
				field(h);
				h->state = HS_VALUE;
			} else if (c == ' ' || c == '\t') {
				h->state = HS_WSP;
			} else {
				h->state = HS_DONE;
			}
			break;
		case HS_WSP:
			i++;
			if (c == ':') {
				field(h);
				h->state = HS_VALUE;
			} else if (c != ' ' && c != '\t') {
				h->state = HS_DONE;
			}
			break;
		case HS_VALUE:
			/* The common case: skip to the line end at once. */
			nl = memchr(p + i, '\n', n - i);
			if (nl == NULL) {
				i = n;
			} else {
				i = (size_t)(nl - p) + 1;
				h->state = HS_LINESTART;
			}
			break;
		}
	}
	return h->state == HS_DONE;
}

unsigned long
hops_count(const struct hops *h)
{
	return h->received > ULONG_MAX - h->delivered ? ULONG_MAX :
	    h->received + h->delivered;
}

int
hops_read(struct hops *h, int fd, off_t off)
{
	char piece[HOPS_READ_PIECE];

	for (;;) {
		ssize_t r = buf_pread(fd, piece, sizeof piece, off);

		if (r == -1)
			return 0;
		/* The end of the file ends a header with no body. */
		if (r == 0 || hops_feed(h, piece, (size_t)r))
			return 1;
		off += r;
	}
}

bool
hops_over(unsigned long count, unsigned long add, unsigned long max)
{
	return count > max || add > max - count;
}

int
hops_limit(unsigned long *max)
{
	unsigned long long u;

	if (control_readulong("maxhops", &u, HOPS_MAX_DEFAULT) == -1)
		return 0;
	/* 0 would refuse all mail: a slip, not a wish. */
	if (u == 0 || u > HOPS_MAX_LIMIT) {
		errno = EINVAL;
		return 0;
	}
	*max = (unsigned long)u;
	return 1;
}
