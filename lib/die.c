/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "zs.h"

const char *zr_prog = "zr";

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
	const char *piece, *err = with_errno ? strerror(errno) : NULL;
	int ok;

	ok = zs_cats(&line, zr_prog) && zs_cats(&line, ": ") &&
	    zs_cats(&line, kind) && zs_cats(&line, ": ");
	while (ok && (piece = va_arg(ap, const char *)) != NULL)
		ok = zs_cats(&line, piece);
	if (ok && err != NULL)
		ok = zs_cats(&line, ": ") && zs_cats(&line, err);
	if (ok)
		ok = zs_catc(&line, '\n');
	if (ok) {
		(void)!write(2, line.s, line.len);
	} else {
		size_t n = strlen(zr_prog);

		if (n > sizeof fallback - 32)
			n = sizeof fallback - 32;
		memcpy(fallback, zr_prog, n);
		memcpy(fallback + n, ": fatal: out of memory\n", 23);
		(void)!write(2, fallback, n + 23);
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
