/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the parsing of DNS answers: the whole-answer check (against the
 * message's own question, so that the rest is reached), MX, address and
 * TLSA records, and TTLs.
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { ns_t_mx, ns_t_a, ns_t_aaaa, ns_t_tlsa };
	static struct dns_tlsa tlsa[DNS_TLSA_MAX];
	struct dns_mx mx[8];
	struct dns_addr a[8];
	char name[NS_MAXDNAME];
	const char *why;
	size_t n = 0, i;

	if (size > 65535)
		return 0;
	if (size < HFIXEDSZ || dn_expand(data, data + size, data + HFIXEDSZ,
	    name, sizeof name) < 0)
		memcpy(name, "mx.test", 8);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		why = NULL;
		if (dns_answer_check(data, (int)size, name, types[i], &why) ==
		    DNS_TEMP && why == NULL)
			__builtin_trap();
	}
	if (dns_answer_mx(data, (int)size, mx, 8, &n)) {
		if (n > 8)
			__builtin_trap();
		for (i = 0; i < n; i++)
			if (strlen(mx[i].host) > DNS_NAME_MAX ||
			    (i > 0 && mx[i - 1].pref > mx[i].pref))
				__builtin_trap();
	}
	n = 0;
	(void)dns_answer_addrs(data, (int)size, 1, a, 8, &n);
	(void)dns_answer_addrs(data, (int)size, 28, a, 8, &n);
	if (n > 8)
		__builtin_trap();
	n = 0;
	if (dns_answer_tlsa(data, (int)size, tlsa, DNS_TLSA_MAX, &n))
		for (i = 0; i < n; i++)
			if (n > DNS_TLSA_MAX || tlsa[i].len > DNS_TLSA_DATA_MAX)
				__builtin_trap();
	(void)dns_answer_ttl(data, (int)size, 0);
	(void)dns_answer_ttl(data, (int)size, 1);
	return 0;
}
