/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "control.h"
#include "scan.h"
#include "smtpd_limit.h"

#define AUTHUSER_PREFIX "authuser:"

void
smtpd_limit_free(struct smtpd_limits *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->l[i].who);
	free(t->l);
	t->l = NULL;
	t->n = 0;
}

/*
 * 16 key bytes from two FNV-1a hashes of the line's parts. Distinct lines
 * share a counter only if both 64-bit hashes collide.
 */
static void
make_key(unsigned char key[RATELIMIT_KEY], const char *tag,
    const struct smtpd_limit *l)
{
	unsigned long long h[2] = { 14695981039346656037ULL,
	    0x84222325cbf29ce4ULL };
	unsigned long long nums[2] = { l->count, l->period };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (const char *p = tag; *p != '\0'; p++)
			h[k] = (h[k] ^ (unsigned char)*p) * 1099511628211ULL;
		for (const char *p = l->who; *p != '\0'; p++) {
			unsigned char c = (unsigned char)*p;

			/* Addresses compare without regard to case. */
			if (!l->authuser && c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			h[k] = (h[k] ^ c) * 1099511628211ULL;
		}
		for (i = 0; i < sizeof nums; i++)
			h[k] = (h[k] ^ ((const unsigned char *)nums)[i]) *
			    1099511628211ULL;
	}
	for (i = 0; i < 8; i++) {
		key[i] = (unsigned char)(h[0] >> (8 * i));
		key[8 + i] = (unsigned char)(h[1] >> (8 * i));
	}
}

/* "N", "Ns", "Nm", "Nh", "Nd": seconds, not 0, at most a year. */
static int
parse_period(const char *s, unsigned long long *out)
{
	unsigned long long n, unit = 1;
	size_t k = scan_ulong(s, &n);

	if (k == 0)
		return 0;
	switch (s[k]) {
	case '\0':
		break;
	case 's':
		k++;
		break;
	case 'm':
		unit = 60;
		k++;
		break;
	case 'h':
		unit = 3600;
		k++;
		break;
	case 'd':
		unit = 86400;
		k++;
		break;
	default:
		return 0;
	}
	if (s[k] != '\0' || n == 0 || n > 366ULL * 86400 / unit)
		return 0;
	*out = n * unit;
	return 1;
}

static int
parse_line(const char *line, struct smtpd_limit *l)
{
	size_t wlen = strcspn(line, " \t"), k;
	const char *num = line + wlen + strspn(line + wlen, " \t");
	char nums[64];
	const char *slash;

	if (wlen == 0 || *num == '\0')
		return 0;
	k = strcspn(num, " \t");
	if (num[k + strspn(num + k, " \t")] != '\0' || k >= sizeof nums)
		return 0;
	memcpy(nums, num, k);
	nums[k] = '\0';
	slash = strchr(nums, '/');
	if (slash == NULL ||
	    scan_ulongb(nums, (size_t)(slash - nums), &l->count) !=
	    (size_t)(slash - nums) || slash == nums || l->count == 0 ||
	    !parse_period(slash + 1, &l->period))
		return 0;
	l->who = strndup(line, wlen);
	if (l->who == NULL)
		return -1;
	k = strlen(AUTHUSER_PREFIX);
	if (wlen > k && strncmp(l->who, AUTHUSER_PREFIX, k) == 0) {
		l->authuser = true;
	} else if (l->who[0] == '@') {
		const char *d = l->who + 1 + (l->who[1] == '.');

		if (!addr_domain_valid(d, strlen(d)))
			return 0;
	} else if (!addr_valid(l->who, wlen)) {
		return 0;
	}
	make_key(l->key, "count:", l);
	make_key(l->logkey, "log:", l);
	return 1;
}

/* control_each_line's call for line i, into t->l[i]. */
static int
take_line(void *arg, size_t i, const char *s)
{
	struct smtpd_limits *t = arg;

	t->n = i + 1;	/* so that free releases a half-made line */
	return parse_line(s, &t->l[i]);
}

int
smtpd_limit_parse(struct smtpd_limits *t, const char *lines, size_t count,
    size_t *bad)
{
	smtpd_limit_free(t);
	t->l = calloc(count ? count : 1, sizeof *t->l);
	if (t->l == NULL)
		return 0;
	if (!control_each_line(lines, count, take_line, t, bad)) {
		smtpd_limit_free(t);
		return 0;
	}
	return 1;
}

static bool
applies(const struct smtpd_limit *l, const char *sender, const char *authuser)
{
	if (l->authuser)
		return authuser != NULL && *authuser != '\0' &&
		    strcmp(l->who + strlen(AUTHUSER_PREFIX), authuser) == 0;
	return sender != NULL && addr_match(l->who, sender);
}

int
smtpd_limit_take(const struct smtpd_limits *t, int dirfd, const char *sender,
    const char *authuser, long long now, const struct smtpd_limit **over)
{
	size_t i;
	int r;

	/* Ask every cap first, so that one used up counts against none. */
	for (i = 0; i < t->n; i++) {
		const struct smtpd_limit *l = &t->l[i];

		if (!applies(l, sender, authuser))
			continue;
		r = ratelimit_check(dirfd, SMTPD_LIMIT_FILE, l->key, l->count,
		    l->period, now);
		if (r != 1) {
			*over = l;
			return r;
		}
	}
	for (i = 0; i < t->n; i++) {
		const struct smtpd_limit *l = &t->l[i];

		if (!applies(l, sender, authuser))
			continue;
		/* Another process may have taken the last one meanwhile. */
		r = ratelimit_take(dirfd, SMTPD_LIMIT_FILE, l->key, l->count,
		    l->period, now);
		if (r != 1) {
			*over = l;
			return r;
		}
	}
	return 1;
}

int
smtpd_limit_first(const struct smtpd_limit *l, int dirfd, long long now)
{
	return ratelimit_take(dirfd, SMTPD_LIMIT_FILE, l->logkey, 1, l->period,
	    now) == 1;
}
