/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "zs.h"

const char *zr_prog = "zr";
const char die_q[] = "";

/* A queue id is 30 bytes or so; 64 leaves room and needs no allocation. */
static char cur_id[65];

void
die_set_id(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n >= sizeof cur_id)
		n = sizeof cur_id - 1;
	memcpy(cur_id, id != NULL ? id : "", n);
	cur_id[n] = '\0';
}

static bool
needs_quotes(const char *v)
{
	if (*v == '\0')
		return true;
	for (; *v != '\0'; v++)
		if ((unsigned char)*v <= ' ' || *v == '"' || *v == '\\' ||
		    *v == 127)
			return true;
	return false;
}

int
die_catq(struct zs *l, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	int ok;

	if (!needs_quotes(v))
		return zs_cats(l, v);
	ok = zs_catc(l, '"');
	for (; ok && *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			ok = zs_catc(l, '\\') && zs_catc(l, (char)c);
		else if (c < ' ' || c == 127)
			ok = zs_cats(l, "\\x") && zs_catc(l, hex[c >> 4]) &&
			    zs_catc(l, hex[c & 15]);
		else
			ok = zs_catc(l, (char)c);
	}
	return ok && zs_catc(l, '"');
}

int
die_catprefix(struct zs *l, const char *level)
{
	return zs_cats(l, zr_prog) && zs_cats(l, ": ") && zs_cats(l, level) &&
	    zs_cats(l, ": ") && (cur_id[0] == '\0' ||
	    (zs_cats(l, "id=") && zs_cats(l, cur_id) && zs_catc(l, ' ')));
}

/* Whether a piece opens with "key=": then the line is fields. */
static bool
is_field(const char *p)
{
	if (*p < 'a' || *p > 'z')
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	    *p == '_' || *p == '.' || *p == '-')
		p++;
	return *p == '=';
}

/* The pieces: fields as they come (DIE_Q quoting the next), or a reason. */
static int
pieces(struct zs *line, const char *first, va_list ap)
{
	struct zs text = ZS_INIT;
	const char *piece = first;
	bool fields = piece != NULL && is_field(piece), quote = false;
	int ok = 1;

	for (; ok && piece != NULL; piece = va_arg(ap, const char *)) {
		if (piece == die_q)
			quote = fields;
		else if (quote)
			ok = die_catq(line, piece), quote = false;
		else
			ok = zs_cats(fields ? line : &text, piece);
	}
	if (ok && !fields)
		ok = zs_cats(line, "reason=") && zs_0(&text) &&
		    die_catq(line, text.s);
	zs_free(&text);
	return ok;
}

/*
 * One write(2) per line, so that lines from processes sharing a log pipe do
 * not interleave. A line that cannot be built (no memory) is cut short
 * rather than lost.
 */
static void
say(const char *kind, va_list ap, int with_errno)
{
	char fallback[512];
	struct zs line = ZS_INIT;
	const char *err = with_errno ? strerror(errno) : NULL;
	const char *first = va_arg(ap, const char *);
	bool usage = strcmp(kind, "usage") == 0;
	int ok;

	/* A line that names its own message first keeps that one. */
	if (usage || (first != NULL && strncmp(first, "id=", 3) == 0))
		ok = zs_cats(&line, zr_prog) && zs_cats(&line, ": ") &&
		    zs_cats(&line, kind) && zs_cats(&line, ": ");
	else
		ok = die_catprefix(&line, kind);
	if (ok && usage)
		ok = zs_cats(&line, first);
	else if (ok)
		ok = pieces(&line, first, ap);
	if (ok && err != NULL)
		ok = zs_cats(&line, " error=") && die_catq(&line, err);
	if (ok)
		ok = zs_catc(&line, '\n');
	if (ok) {
		(void)!write(2, line.s, line.len);
	} else {
		size_t n = strlen(zr_prog);

		if (n > sizeof fallback - 48)
			n = sizeof fallback - 48;
		memcpy(fallback, zr_prog, n);
		memcpy(fallback + n, ": fatal: reason=\"out of memory\"\n", 32);
		(void)!write(2, fallback, n + 32);
	}
	zs_free(&line);
}

void
die_x_(int code, const char *kind, ...)
{
	va_list ap;

	va_start(ap, kind);
	say(kind, ap, 0);
	va_end(ap);
	_exit(code);
}

void
die_sys_(int code, const char *kind, ...)
{
	va_list ap;

	va_start(ap, kind);
	say(kind, ap, 1);
	va_end(ap);
	_exit(code);
}

void
warn_x_(const char *kind, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, kind);
	say(kind, ap, 0);
	va_end(ap);
	errno = saved;
}

void
warn_sys_(const char *kind, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, kind);
	say(kind, ap, 1);
	va_end(ap);
	errno = saved;
}
