/* SPDX-License-Identifier: MIT */
/*
 * Fuzz what zr-tlsrpt reads: a result line from the queue (a line that
 * parses must come back the same through tlsrpt_rec_fmt), an
 * _smtp._tls TXT record from DNS, the mailto: and https: URIs in it,
 * and the status line of an HTTPS server's answer to a POST.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "https.h"
#include "tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *why;
	struct tlsrpt_rec r, back;
	struct zs line = ZS_INIT, rua = ZS_INIT, addr = ZS_INIT, path = ZS_INIT;
	char host[TLSRPT_NAME_MAX + 1];
	unsigned port;
	size_t n, i, off = 0;
	int code = https_status(p, size);

	memset(&r, 0, sizeof r);
	memset(&back, 0, sizeof back);
	if (tlsrpt_rec_parse(p, size, &r, &why)) {
		if (!tlsrpt_rec_fmt(&r, &line) ||
		    !tlsrpt_rec_parse(line.s, line.len - 1, &back, &why) ||
		    back.t != r.t || back.type != r.type ||
		    strcmp(back.domain, r.domain) != 0 ||
		    strcmp(back.mx, r.mx) != 0 || strcmp(back.ip, r.ip) != 0 ||
		    strcmp(back.result, r.result) != 0 ||
		    back.nstrings != r.nstrings ||
		    back.strings.len != r.strings.len ||
		    (r.strings.len > 0 && memcmp(back.strings.s, r.strings.s,
		    r.strings.len) != 0))
			abort();
	}
	if (tlsrpt_txt_parse(p, size, &rua, &n, &why))
		for (i = 0; i < n; i++) {
			if (tlsrpt_mailto(rua.s + off, &addr) &&
			    strchr(addr.s, '@') == NULL)
				abort();
			if (tlsrpt_https(rua.s + off, host, &port, &path) &&
			    (host[0] == '\0' || port == 0 || port > 65535 ||
			    path.s[0] != '/'))
				abort();
			off += strlen(rua.s + off) + 1;
		}
	if (code < -1 || code > 999)
		abort();
	tlsrpt_rec_free(&r);
	tlsrpt_rec_free(&back);
	zs_free(&line);
	zs_free(&rua);
	zs_free(&addr);
	zs_free(&path);
	return 0;
}
