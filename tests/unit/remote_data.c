/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "../lib/memio.h"
#include "../lib/tap.h"
#include "buf.h"
#include "../../cmd/zr-remote/data.h"
#include "zs.h"

static struct zs wire;

/* Encode in as one piece, or byte by byte when piece is 1. */
static int
enc(const char *in, size_t n, size_t piece, const char *want)
{
	char space[16];
	struct data_enc d;
	struct buf b;
	size_t i;

	wire.len = 0;
	buf_init(&b, memio_write, -1, &wire, space, sizeof space);
	data_init(&d);
	for (i = 0; i < n; i += piece)
		if (!data_put(&d, &b, in + i, n - i < piece ? n - i : piece))
			return 0;
	if (!data_end(&d, &b) || !buf_flush(&b))
		return 0;
	if (wire.len != strlen(want) || memcmp(wire.s, want, wire.len) != 0) {
		printf("# got: ");
		fwrite(wire.s, 1, wire.len, stdout);
		printf("\n");
		return 0;
	}
	return 1;
}

#define E(in, want) enc(in, sizeof(in) - 1, (size_t)-1 / 2, want) && \
	enc(in, sizeof(in) - 1, 1, want) && enc(in, sizeof(in) - 1, 3, want)

int
main(void)
{
	plan(11);
	ok(E("", ".\r\n"), "empty content is just the final dot");
	ok(E("a\nb\n", "a\r\nb\r\n.\r\n"), "LF becomes CRLF");
	ok(E("a\nb", "a\r\nb\r\n.\r\n"), "an open last line is closed once");
	ok(E(".\n", "..\r\n.\r\n"), "a lone dot line is doubled");
	ok(E("x\n.a\n..b\n", "x\r\n..a\r\n...b\r\n.\r\n"),
	    "every leading dot is doubled");
	ok(E("a.b\n", "a.b\r\n.\r\n"), "a dot inside a line stays single");
	ok(E("a\r\nb\r\n", "a\r\nb\r\n.\r\n"), "CRLF in the content stays one "
	    "line end");
	ok(E("a\rb\n", "a\r\nb\r\n.\r\n"), "a bare CR becomes CRLF");
	ok(E("a\r", "a\r\n.\r\n"), "a CR at the very end is closed once");
	ok(E("a\r.b\n", "a\r\n..b\r\n.\r\n"),
	    "a dot after a bare CR is doubled");
	ok(E("\n\n.\r\n\r", "\r\n\r\n..\r\n\r\n.\r\n"),
	    "empty lines and mixed ends: no bare CR or LF");
	zs_free(&wire);
	return done();
}
