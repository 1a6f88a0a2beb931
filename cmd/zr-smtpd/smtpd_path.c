/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "smtpd_path.h"
#include "utf8.h"

size_t
smtpd_path_parse(const char *s, size_t n, struct smtpd_path *p)
{
	size_t i, end, r;
	int inq = 0, bad;

	if (n < 2 || s[0] != '<')
		return 0;
	/* Find the closing bracket; a quoted local part may hold '>'. */
	for (i = 1; i < n; i++) {
		if (inq && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == '>')
			break;
	}
	if (i >= n)
		return 0;
	end = i;
	p->route = 0;
	p->utf8 = 0;
	p->addr = s + 1;
	p->len = end - 1;
	if (p->len == 0)
		return end + 1;
	r = addr_route_len(p->addr, p->len, &bad);
	if (bad)
		return 0;
	if (r > 0) {
		p->route = 1;
		p->addr += r;
		p->len -= r;
	}
	if (!utf8_ascii(p->addr, p->len)) {
		if (!addr_valid_utf8(p->addr, p->len))
			return 0;
		p->utf8 = 1;
	} else if (!addr_valid(p->addr, p->len)) {
		return 0;
	}
	return end + 1;
}

int
smtpd_path_routed(const struct smtpd_path *p)
{
	size_t at = addr_at(p->addr, p->len), i;

	for (i = 0; i < at; i++)
		if (p->addr[i] == '@' || p->addr[i] == '%' || p->addr[i] == '!')
			return 1;
	return 0;
}

int
smtpd_path_listed(const char *list, size_t count, const char *d, size_t n)
{
	size_t k;

	if (n == 0 || d[0] == '[')
		return 0;
	for (k = 0; k < count; k++) {
		size_t len = strlen(list);

		if (len > 0 && list[0] == '.') {
			/* ".example.com": only below it, on a dot. */
			if (n > len && strncasecmp(d + n - len, list, len) == 0)
				return 1;
		} else if (len == n && strncasecmp(d, list, n) == 0) {
			return 1;
		}
		list += len + 1;
	}
	return 0;
}
