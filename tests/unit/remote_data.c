/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>

#include "../lib/memio.h"
#include "../lib/tap.h"
#include "buf.h"
#include "../../cmd/zr-remote/data.h"
#include "zs.h"

static struct zs wire;

/*
 * Encode in as one piece, or byte by byte when piece is 1; bdat: without
 * dot-stuffing and without the final dot, as BDAT sends it.
 */
static int
enc_as(const char *in, size_t n, size_t piece, bool bdat, const char *want)
{
	char space[16];
	struct data_enc d;
	struct buf b;
	size_t i;

	wire.len = 0;
	buf_init(&b, memio_write, -1, &wire, space, sizeof space);
	data_init(&d);
	d.stuff = !bdat;
	for (i = 0; i < n; i += piece)
		if (!data_put(&d, &b, in + i, n - i < piece ? n - i : piece))
			return 0;
	if (!(bdat ? data_close(&d, &b) : data_end(&d, &b)) ||
	    !buf_flush(&b))
		return 0;
	if (wire.len != strlen(want) || memcmp(wire.s, want, wire.len) != 0) {
		printf("# got: ");
		fwrite(wire.s, 1, wire.len, stdout);
		printf("\n");
		return 0;
	}
	return 1;
}

static int
enc(const char *in, size_t n, size_t piece, const char *want)
{
	return enc_as(in, n, piece, false, want);
}

static int
enc_bdat(const char *in, size_t n, size_t piece, const char *want)
{
	return enc_as(in, n, piece, true, want);
}

#define E(in, want) enc(in, sizeof(in) - 1, (size_t)-1 / 2, want) && \
	enc(in, sizeof(in) - 1, 1, want) && enc(in, sizeof(in) - 1, 3, want)
#define B(in, want) enc_bdat(in, sizeof(in) - 1, (size_t)-1 / 2, want) && \
	enc_bdat(in, sizeof(in) - 1, 1, want) && \
	enc_bdat(in, sizeof(in) - 1, 3, want)

int
main(void)
{
	plan(16);
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
	ok(B("", ""), "BDAT: empty content is nothing at all");
	ok(B("x\n.a\n..b\n.\n", "x\r\n.a\r\n..b\r\n.\r\n"),
	    "BDAT: no dot is doubled, and no final dot");
	ok(B("a\nb", "a\r\nb\r\n"), "BDAT: an open last line is closed once");
	ok(B("a\rb\r\nc\r", "a\r\nb\r\nc\r\n"),
	    "BDAT: CR alone and CRLF become one CRLF each");
	ok(B("\xe9\xff\n", "\xe9\xff\r\n"), "BDAT: 8-bit bytes as they are");
	zs_free(&wire);
	return done();
}
