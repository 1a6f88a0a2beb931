/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fmt.h"
#include "out.h"

void
out_s(struct buf *o, const char *s)
{
	(void)buf_puts(o, s);
}

void
out_u(struct buf *o, unsigned long long u)
{
	char tmp[FMT_ULONG];

	(void)buf_put(o, tmp, fmt_ulong(tmp, u));
}

void
out_pad(struct buf *o, const char *s, size_t width, int right)
{
	size_t n = strlen(s);

	if (!right)
		out_s(o, s);
	while (n++ < width)
		out_s(o, " ");
	if (right)
		out_s(o, s);
}

void
out_upad(struct buf *o, unsigned long long u, size_t width)
{
	char tmp[FMT_ULONG + 1];

	tmp[fmt_ulong(tmp, u)] = '\0';
	out_pad(o, tmp, width, 1);
}

void
out_json(struct buf *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	out_s(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			(void)buf_put(o, e, 2);
		} else if (c < 32 || c >= 127) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			(void)buf_put(o, e, 6);
		} else {
			(void)buf_put(o, (const char *)&c, 1);
		}
	}
	out_s(o, "\"");
}

void
out_age(struct buf *o, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120) {
		out_u(o, (unsigned long long)secs);
		out_s(o, "s");
	} else if (secs < 7200) {
		out_u(o, (unsigned long long)secs / 60);
		out_s(o, "m");
	} else if (secs < 172800) {
		out_u(o, (unsigned long long)secs / 3600);
		out_s(o, "h");
	} else {
		out_u(o, (unsigned long long)secs / 86400);
		out_s(o, "d");
	}
}

void
out_f(struct buf *o, double d)
{
	char tmp[64];

	if (fmt_snprintf(tmp, sizeof tmp, "%.2f", d) != -1)
		out_s(o, tmp);
}

/* A label value: backslash, quote and line feed escaped. */
void
out_label(struct buf *o, const char *v)
{
	for (; *v != '\0'; v++) {
		char c[3] = { '\\', *v == '\n' ? 'n' : *v, '\0' };

		if (*v == '\\' || *v == '"' || *v == '\n')
			out_s(o, c);
		else
			(void)buf_put(o, v, 1);
	}
}

void
out_help(struct buf *o, const char *name, const char *type,
    const char *help)
{
	out_s(o, "# HELP ");
	out_s(o, name);
	out_s(o, " ");
	out_s(o, help);
	out_s(o, "\n# TYPE ");
	out_s(o, name);
	out_s(o, " ");
	out_s(o, type);
	out_s(o, "\n");
}
