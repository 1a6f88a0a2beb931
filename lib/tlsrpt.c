/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "txtrec.h"
#include "fmt.h"
#include "scan.h"
#include "tlsrpt.h"
#include "xtext.h"

static const char *const type_names[] = {
	[TLSRPT_STS] = "sts",
	[TLSRPT_TLSA] = "tlsa",
	[TLSRPT_NOPOLICY] = "no-policy-found",
};

/* RFC 8460 4.3: the result types zr can tell; "success" is zr's own. */
static const char *const results[] = {
	"success",
	"starttls-not-supported",
	"certificate-host-mismatch",
	"certificate-expired",
	"certificate-not-trusted",
	"validation-failure",
	"tlsa-invalid",
	"dnssec-invalid",
	"dane-required",
	"sts-policy-fetch-error",
	"sts-policy-invalid",
	"sts-webpki-invalid",
};

/* zr-remote's reason words (policy.h) and the result type each means. */
static const struct {
	const char *reason, *result;
} reason_map[] = {
	{ "no-starttls", "starttls-not-supported" },
	{ "starttls-refused", "starttls-not-supported" },
	{ "expired", "certificate-expired" },
	{ "self-signed", "certificate-not-trusted" },
	{ "untrusted-issuer", "certificate-not-trusted" },
	{ "name-mismatch", "certificate-host-mismatch" },
	/* RFC 8460 4.3.1: none of the TLSA records matched. */
	{ "tlsa-mismatch", "tlsa-invalid" },
	/* RFC 8460 4.3.1: no valid records came back from the resolver. */
	{ "tlsa-lookup", "dnssec-invalid" },
};

const char *
tlsrpt_type_name(enum tlsrpt_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ?
	    type_names[t] : "?";
}

const char *
tlsrpt_result_of(const char *reason)
{
	size_t i;

	for (i = 0; reason != NULL &&
	    i < sizeof reason_map / sizeof reason_map[0]; i++)
		if (strcmp(reason, reason_map[i].reason) == 0)
			return reason_map[i].result;
	/* not-yet-valid, a pin, a failed handshake: no closer category. */
	return "validation-failure";
}

bool
tlsrpt_result_known(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof results / sizeof results[0]; i++)
		if (strcmp(s, results[i]) == 0)
			return true;
	return false;
}

void
tlsrpt_rec_free(struct tlsrpt_rec *r)
{
	zs_free(&r->strings);
	r->nstrings = 0;
}

int
tlsrpt_rec_addstring(struct tlsrpt_rec *r, const char *s, size_t n)
{
	if (!zs_catb(&r->strings, s, n) || !zs_catc(&r->strings, '\0'))
		return 0;
	r->nstrings++;
	return 1;
}

int
tlsrpt_rec_fmt(const struct tlsrpt_rec *r, struct zs *out)
{
	struct zs x = ZS_INIT;
	size_t i, off = 0;
	int ok = 0;

	out->len = 0;
	if (!zs_cats(out, "1 ") || !zs_catulong(out, (unsigned long long)
	    (r->t < 0 ? 0 : r->t)) || !zs_catc(out, ' ') ||
	    !zs_cats(out, tlsrpt_type_name(r->type)) || !zs_catc(out, ' ') ||
	    !zs_cats(out, r->domain) || !zs_catc(out, ' ') ||
	    !zs_cats(out, r->mx) || !zs_catc(out, ' ') ||
	    !zs_cats(out, r->ip[0] ? r->ip : "-") || !zs_catc(out, ' ') ||
	    !zs_cats(out, r->result))
		goto out;
	for (i = 0; i < r->nstrings; i++) {
		size_t n = strlen(r->strings.s + off);

		x.len = 0;
		if (!xtext_encode(r->strings.s + off, n, &x))
			goto out;
		off += n + 1;
		/* The policy is known without it; the line must stay whole. */
		if (out->len + 1 + x.len + 1 > TLSRPT_LINE_MAX)
			break;
		if (!zs_catc(out, ' ') || !zs_cat(out, &x))
			goto out;
	}
	if (out->len + 1 > TLSRPT_LINE_MAX) {
		errno = EMSGSIZE;
		goto out;
	}
	ok = zs_catc(out, '\n');
out:
	zs_free(&x);
	return ok;
}

static bool
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > TLSRPT_NAME_MAX || p[0] == '.' || p[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
		    p[i] == '-' || p[i] == '_'))
			return false;
	return true;
}

static bool
ip_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > TLSRPT_IP_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f') ||
		    (p[i] >= 'A' && p[i] <= 'F') || p[i] == '.' ||
		    p[i] == ':'))
			return false;
	return true;
}

static int
bad(const char **why, const char *what)
{
	*why = what;
	errno = EINVAL;
	return 0;
}

/* The next field of p[*i..n) split by one space: its start and length. */
static int
field(const char *p, size_t n, size_t *i, const char **f, size_t *fn)
{
	size_t k;

	if (*i >= n)
		return 0;
	for (k = *i; k < n && p[k] != ' '; k++)
		;
	*f = p + *i;
	*fn = k - *i;
	*i = k < n ? k + 1 : k;
	/* "a  b": an empty field, which the callers refuse. */
	return *fn > 0 || (k < n);
}

int
tlsrpt_rec_parse(const char *p, size_t n, struct tlsrpt_rec *r,
    const char **why)
{
	const char *f;
	size_t fn, i = 0, k;
	unsigned long long t;
	bool found = false;

	r->strings.len = 0;
	r->nstrings = 0;
	if (n >= TLSRPT_LINE_MAX)
		return bad(why, "line too long");
	if (n > 0 && p[n - 1] == ' ')
		return bad(why, "a space at the end");
	if (!field(p, n, &i, &f, &fn) || fn != 1 || f[0] != '1')
		return bad(why, "not a version 1 line");
	if (!field(p, n, &i, &f, &fn) || fn == 0 ||
	    scan_ulongb(f, fn, &t) != fn || t > (1ULL << 40))
		return bad(why, "bad time");
	r->t = (long long)t;
	if (!field(p, n, &i, &f, &fn))
		return bad(why, "no policy type");
	for (k = 0; k < sizeof type_names / sizeof type_names[0]; k++)
		if (fn == strlen(type_names[k]) &&
		    memcmp(f, type_names[k], fn) == 0) {
			r->type = (enum tlsrpt_type)k;
			found = true;
		}
	if (!found)
		return bad(why, "unknown policy type");
	if (!field(p, n, &i, &f, &fn) || !name_ok(f, fn))
		return bad(why, "bad policy domain");
	memcpy(r->domain, f, fn);
	r->domain[fn] = '\0';
	if (!field(p, n, &i, &f, &fn) || !name_ok(f, fn))
		return bad(why, "bad MX host");
	memcpy(r->mx, f, fn);
	r->mx[fn] = '\0';
	if (!field(p, n, &i, &f, &fn) || (!(fn == 1 && f[0] == '-') &&
	    !ip_ok(f, fn)))
		return bad(why, "bad address");
	memcpy(r->ip, f, fn);
	r->ip[fn == 1 && f[0] == '-' ? 0 : fn] = '\0';
	if (!field(p, n, &i, &f, &fn) || fn > TLSRPT_RESULT_MAX)
		return bad(why, "bad result");
	memcpy(r->result, f, fn);
	r->result[fn] = '\0';
	if (!tlsrpt_result_known(r->result))
		return bad(why, "unknown result");
	while (field(p, n, &i, &f, &fn)) {
		size_t before = r->strings.len;

		if (fn == 0 || !xtext_decode(f, fn, &r->strings) ||
		    memchr(r->strings.s + before, '\0',
		    r->strings.len - before) != NULL) {
			r->strings.len = 0;
			r->nstrings = 0;
			return bad(why, "bad policy string");
		}
		if (!zs_catc(&r->strings, '\0'))
			return bad(why, "out of memory");
		r->nstrings++;
	}
	return 1;
}


/* The URIs of a rua value, split by "," (RFC 8460 3: tlsrpt-rua). */
static int
rua_parse(const char *p, size_t n, struct zs *rua, size_t *nrua,
    const char **why)
{
	size_t i = 0, k, j;

	while (i <= n) {
		const char *u = p + i;
		size_t un;

		for (k = i; k < n && p[k] != ','; k++)
			;
		un = k - i;
		i = k + 1;
		txtrec_trim(&u, &un);
		if (un == 0)
			return bad(why, "empty URI in rua");
		for (j = 0; j < un; j++)
			if ((unsigned char)u[j] <= ' ' ||
			    (unsigned char)u[j] >= 127)
				return bad(why, "a URI with a space or "
				    "a byte outside printable ASCII");
		if (*nrua >= TLSRPT_RUA_MAX)
			return bad(why, "too many URIs in rua");
		if (!zs_catb(rua, u, un) || !zs_catc(rua, '\0'))
			return bad(why, "out of memory");
		++*nrua;
	}
	return 1;
}

int
tlsrpt_txt_parse(const char *p, size_t n, struct zs *rua, size_t *nrua,
    const char **why)
{
	size_t i = 0, fn;
	const char *f;
	bool first = true, have_rua = false;

	rua->len = 0;
	*nrua = 0;
	while (txtrec_field(p, n, &i, &f, &fn)) {
		if (fn == 0) {
			/* RFC 8460 3: a field-delim may end the record. */
			if (i >= n && !first)
				break;
			return bad(why, "empty field in the TXT record");
		}
		if (first) {
			if (fn != 10 || memcmp(f, "v=TLSRPTv1", 10) != 0)
				return bad(why, "not a TLSRPTv1 record");
			first = false;
			continue;
		}
		if (fn >= 4 && memcmp(f, "rua=", 4) == 0) {
			if (have_rua)
				return bad(why, "rua given twice");
			have_rua = true;
			if (!rua_parse(f + 4, fn - 4, rua, nrua, why))
				return 0;
		} else if (memchr(f, '=', fn) == NULL || f[0] == '=') {
			/* Extensions are name=value; anything else is not. */
			return bad(why, "a field that is not name=value");
		}
	}
	if (first)
		return bad(why, "not a TLSRPTv1 record");
	if (!have_rua)
		return bad(why, "no rua field");
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tlsrpt_mailto(const char *uri, struct zs *addr)
{
	const char *p = uri + 7, *at = NULL;
	size_t i;

	addr->len = 0;
	if (strncasecmp(uri, "mailto:", 7) != 0) {
		errno = EINVAL;
		return 0;
	}
	for (; *p != '\0' && *p != '?'; p++) {
		char c = *p;

		if (c == '%') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

			if (l < 0) {
				errno = EINVAL;
				return 0;
			}
			c = (char)(h * 16 + l);
			p += 2;
		}
		/* One address: RFC 6068 allows a list, a report needs one. */
		if ((unsigned char)c <= ' ' || (unsigned char)c >= 127 ||
		    c == ',' || c == '<' || c == '>' || c == '"' || c == '\\') {
			errno = EINVAL;
			return 0;
		}
		if (!zs_catc(addr, c))
			return 0;
	}
	if (!zs_0(addr))
		return 0;
	for (i = 0; i < addr->len; i++)
		if (addr->s[i] == '@')
			at = addr->s + i;
	if (at == NULL || at == addr->s || at[1] == '\0' ||
	    memchr(addr->s, '@', (size_t)(at - addr->s)) != NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int
tlsrpt_https(const char *uri, char *host, unsigned *port, struct zs *path)
{
	const char *p = uri + 8;
	unsigned long long u;
	size_t n = 0, k;

	path->len = 0;
	*port = 443;
	if (strncasecmp(uri, "https://", 8) != 0)
		goto bad;
	for (; *p != '\0' && *p != ':' && *p != '/'; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;

		if (n >= TLSRPT_NAME_MAX || !((c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			goto bad;
		host[n++] = c;
	}
	host[n] = '\0';
	if (n == 0 || host[0] == '.' || host[0] == '-')
		goto bad;
	if (*p == ':') {
		k = scan_ulong(p + 1, &u);
		if (k == 0 || u == 0 || u > 65535)
			goto bad;
		*port = (unsigned)u;
		p += 1 + k;
	}
	if (*p != '\0' && *p != '/')
		goto bad;
	for (k = 0; p[k] != '\0'; k++)
		if ((unsigned char)p[k] <= ' ' || (unsigned char)p[k] >= 127 ||
		    p[k] == '#')
			goto bad;
	if (!zs_copys(path, *p != '\0' ? p : "/") || !zs_0(path))
		return 0;
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

void
tlsrpt_day(long long t, char *day)
{
	long long z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	if (y < 0 || y > 9999 ||
	    fmt_snprintf(day, TLSRPT_DAY_LEN + 1, "%04lld-%02u-%02u", y, m,
	    d) == -1)
		memcpy(day, "0000-00-00", TLSRPT_DAY_LEN + 1);
}

int
tlsrpt_day_parse(const char *s, long long *start)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned long long y, m, d;
	char back[TLSRPT_DAY_LEN + 1];

	if (strlen(s) != TLSRPT_DAY_LEN || s[4] != '-' || s[7] != '-' ||
	    scan_ulongb(s, 4, &y) != 4 || scan_ulongb(s + 5, 2, &m) != 2 ||
	    scan_ulongb(s + 8, 2, &d) != 2 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1])
		return 0;
	*start = days_from_civil((long long)y, (unsigned)m, (unsigned)d) *
	    86400;
	/* February 29th of a common year comes back as March 1st. */
	tlsrpt_day(*start, back);
	return strcmp(back, s) == 0;
}
