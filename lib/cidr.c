/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "cidr.h"
#include "scan.h"

/* Enough for the longest IPv6 text form with an embedded IPv4 address. */
#define CIDR_TEXT_MAX 64

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
bad(void)
{
	errno = EINVAL;
	return 0;
}

/* 1 for IPv4 text, 2 for IPv6 text, 0 for neither. */
static int
addr_parseb(const char *s, size_t n, unsigned char out[CIDR_ADDR_SIZE])
{
	char tmp[CIDR_TEXT_MAX];

	if (n == 0 || n >= sizeof tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, out + 12) == 1) {
		memcpy(out, v4mapped, sizeof v4mapped);
		return 1;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1)
		return 2;
	return 0;
}

int
cidr_addr_parse(const char *s, unsigned char out[CIDR_ADDR_SIZE])
{
	return addr_parseb(s, strlen(s), out) != 0 ? 1 : bad();
}

int
cidr_parse(const char *s, struct cidr *net)
{
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned long long len;
	unsigned i;
	int kind = addr_parseb(s, n, net->addr);

	if (kind == 0)
		return bad();
	if (slash == NULL) {
		len = kind == 1 ? 32 : 128;
	} else {
		/* Digits only: no sign, no space, no empty length. */
		if (!scan_ulong_all(slash + 1, &len) || slash[1] == '+')
			return bad();
		if (len > (kind == 1 ? 32u : 128u))
			return bad();
	}
	net->bits = (unsigned)len + (kind == 1 ? 96 : 0);
	/* Clear the host bits so that matching compares whole bytes. */
	for (i = 0; i < CIDR_ADDR_SIZE * 8; i++)
		if (i >= net->bits)
			net->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	return 1;
}

int
cidr_match(const struct cidr *net, const unsigned char addr[CIDR_ADDR_SIZE])
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((addr[full] ^ net->addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}
