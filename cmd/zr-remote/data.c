/* SPDX-License-Identifier: MIT */
#include "buf.h"
#include "data.h"

void
data_init(struct data_enc *d)
{
	d->bol = true;
	d->cr = false;
	d->stuff = true;
	d->lines = 0;
}

int
data_put(struct data_enc *d, struct buf *out, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		if (d->cr) {
			/* CR LF is one line end; a lone CR becomes one too. */
			d->cr = false;
			if (!buf_put(out, "\r\n", 2))
				return 0;
			d->bol = true;
			d->lines++;
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		if (d->stuff && d->bol && p[i] == '.' && !buf_put(out, ".", 1))
			return 0;
		d->bol = false;
		/* Copy the run of ordinary bytes in one piece. */
		while (run < n && p[run] != '\n' && p[run] != '\r')
			run++;
		if (run > i && !buf_put(out, p + i, run - i))
			return 0;
		if (run == n)
			break;
		if (p[run] == '\r') {
			d->cr = true;
		} else {
			if (!buf_put(out, "\r\n", 2))
				return 0;
			d->bol = true;
			d->lines++;
		}
		i = run + 1;
	}
	return 1;
}

int
data_close(struct data_enc *d, struct buf *out)
{
	if (d->cr || !d->bol) {
		d->cr = false;
		if (!buf_put(out, "\r\n", 2))
			return 0;
		d->lines++;
	}
	d->bol = true;
	return 1;
}

int
data_end(struct data_enc *d, struct buf *out)
{
	return data_close(d, out) && buf_put(out, ".\r\n", 3);
}
