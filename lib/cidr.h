/* SPDX-License-Identifier: MIT */
/*
 * cidr: IP addresses and networks (RFC 4632 prefixes), IPv4 and IPv6.
 *
 * Addresses are held as 16 bytes: an IPv4 address as its IPv4-mapped IPv6
 * form (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so that "::ffff:10.0.0.1" from a
 * dual-stack listener matches the network 10.0.0.0/8. A network is an
 * address and a prefix length counted on those 16 bytes. Nothing here
 * allocates; functions return 1, or 0 for text that is not an address or
 * network (errno EINVAL).
 */
#ifndef ZR_CIDR_H
#define ZR_CIDR_H

#include <stddef.h>

#define CIDR_ADDR_SIZE 16

struct cidr {
	unsigned char addr[CIDR_ADDR_SIZE];	/* host bits cleared */
	unsigned bits;				/* 0..128 */
};

/* Parse an IPv4 or IPv6 address (no brackets, no zone) into 16 bytes. */
int cidr_addr_parse(const char *s, unsigned char out[CIDR_ADDR_SIZE]);
/* Parse "addr", "addr/len": IPv4 lengths 0..32, IPv6 0..128. */
int cidr_parse(const char *s, struct cidr *net);
/* Whether addr (16 bytes, from cidr_addr_parse) lies in net. */
int cidr_match(const struct cidr *net,
    const unsigned char addr[CIDR_ADDR_SIZE]);

#endif
