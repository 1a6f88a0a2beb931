/* SPDX-License-Identifier: MIT */
/* Fuzz the parsing of DNS answers: MX and address records, and TTLs. */
#include <stdint.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_mx mx[8];
	struct dns_addr a[8];
	size_t n = 0, i;

	if (size > 65535)
		return 0;
	if (dns_answer_mx(data, (int)size, mx, 8, &n))
		for (i = 0; i < n; i++)
			if (strlen(mx[i].host) > DNS_NAME_MAX)
				__builtin_trap();
	n = 0;
	(void)dns_answer_addrs(data, (int)size, 1, a, 8, &n);
	(void)dns_answer_addrs(data, (int)size, 28, a, 8, &n);
	if (n > 8)
		__builtin_trap();
	(void)dns_answer_ttl(data, (int)size, 0);
	(void)dns_answer_ttl(data, (int)size, 1);
	return 0;
}
