/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "requiretls.h"

bool
requiretls_level_ok(enum tls_level l)
{
	/* smtps checks no certificate (yet); none, may, encrypt neither. */
	return l != TLS_LEVEL_NONE && l != TLS_LEVEL_MAY &&
	    l != TLS_LEVEL_ENCRYPT && l != TLS_LEVEL_SMTPS;
}

bool
requiretls_header_no(const char *p, size_t n)
{
	static const char name[] = "tls-required";
	size_t i = 0, len = sizeof name - 1;

	while (i < n) {
		const char *l = p + i, *v;
		size_t k = i, ln, vn;

		while (k < n && p[k] != '\n')
			k++;
		ln = k - i;
		i = k + 1;
		if (ln > 0 && l[ln - 1] == '\r')
			ln--;
		/* RFC 5322 2.2: the header ends at the first empty line. */
		if (ln == 0)
			return false;
		if (ln <= len || strncasecmp(l, name, len) != 0)
			continue;
		v = l + len;
		vn = ln - len;
		while (vn > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vn--;
		}
		if (vn == 0 || *v != ':')
			continue;
		v++;
		vn--;
		while (vn > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vn--;
		}
		while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		/* RFC 8689 3: "No" is the one value the field has. */
		if (vn == 2 && strncasecmp(v, "no", 2) == 0)
			return true;
	}
	return false;
}

bool
requiretls_optional(int fd, const struct envelope *e)
{
	char *buf;
	ssize_t r;
	bool no;

	/* RFC 8689 4.1: with REQUIRETLS the header field is ignored. */
	if (e->requiretls)
		return false;
	buf = malloc(REQUIRETLS_HEADER_MAX);
	if (buf == NULL)
		return false;
	r = buf_pread(fd, buf, REQUIRETLS_HEADER_MAX, (off_t)e->data_offset);
	no = r > 0 && requiretls_header_no(buf, (size_t)r);
	free(buf);
	return no;
}
