/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "envelope.h"
#include "grow.h"
#include "scan.h"

#define VERSION_LINE "zr-envelope 1\n"

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof *e);
	e->prio = PRIO_NORMAL;
}

void
envelope_free(struct envelope *e)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++) {
		free(e->rcpt[i].addr);
		free(e->rcpt[i].orcpt);
	}
	free(e->rcpt);
	free(e->sender);
	free(e->client);
	free(e->helo);
	free(e->proto);
	free(e->user);
	free(e->envid);
	envelope_init(e);
}

int
envelope_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return 0;
	free(*field);
	*field = copy;
	return 1;
}

int
envelope_add_rcpt(struct envelope *e, const char *addr, const char *orcpt,
    unsigned notify)
{
	struct envelope_rcpt *r;

	if (!grow(&e->rcpt, &e->rcptcap, e->nrcpt + 1))
		return 0;
	r = &e->rcpt[e->nrcpt];
	r->addr = strdup(addr);
	r->orcpt = orcpt != NULL ? strdup(orcpt) : NULL;
	r->notify = notify;
	if (r->addr == NULL || (orcpt != NULL && r->orcpt == NULL)) {
		free(r->addr);
		free(r->orcpt);
		errno = ENOMEM;
		return 0;
	}
	e->nrcpt++;
	return 1;
}

int
envelope_value_ok(const char *s, size_t n)
{
	size_t i;

	if (n > ENVELOPE_VALUE_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static const struct {
	const char *name;
	unsigned bit;
} notify_words[] = {
	{ "never", NOTIFY_NEVER },
	{ "success", NOTIFY_SUCCESS },
	{ "failure", NOTIFY_FAILURE },
	{ "delay", NOTIFY_DELAY },
};

int
envelope_notify_format(unsigned notify, struct zs *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof notify_words / sizeof notify_words[0]; i++) {
		if (!(notify & notify_words[i].bit))
			continue;
		if ((!first && !zs_catc(out, ',')) ||
		    !zs_cats(out, notify_words[i].name))
			return 0;
		first = 0;
	}
	return 1;
}

int
envelope_notify_parse(const char *s, unsigned *notify)
{
	unsigned bits = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, ","), i;
		unsigned bit = 0;

		for (i = 0; i < sizeof notify_words / sizeof notify_words[0]; i++)
			if (strlen(notify_words[i].name) == n &&
			    strncasecmp(s, notify_words[i].name, n) == 0)
				bit = notify_words[i].bit;
		/* Unknown words, repeats and empty items are all errors. */
		if (bit == 0 || (bits & bit))
			goto bad;
		bits |= bit;
		s += n;
		if (*s == ',' && *++s == '\0')
			goto bad;
	}
	/* RFC 3461 4.1: NEVER stands alone. */
	if (bits == 0 || ((bits & NOTIFY_NEVER) && bits != NOTIFY_NEVER))
		goto bad;
	*notify = bits;
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

static int
field(struct zs *out, const char *key, const char *value)
{
	if (value == NULL)
		return 1;
	if (!envelope_value_ok(value, strlen(value))) {
		errno = EINVAL;
		return 0;
	}
	return zs_cats(out, key) && zs_catc(out, ' ') &&
	    zs_cats(out, value) && zs_catc(out, '\n');
}

static int
addrfield(struct zs *out, const char *key, const char *addr)
{
	if (!envelope_value_ok(addr, strlen(addr))) {
		errno = EINVAL;
		return 0;
	}
	return zs_cats(out, key) && zs_cats(out, " <") &&
	    zs_cats(out, addr) && zs_cats(out, ">\n");
}

int
envelope_format(const struct envelope *e, struct zs *out)
{
	size_t i;

	if (e->sender == NULL || e->nrcpt == 0) {
		errno = EINVAL;
		return 0;
	}
	if (!zs_cats(out, VERSION_LINE) ||
	    !field(out, "id", e->id[0] ? e->id : NULL) ||
	    !zs_cats(out, "arrival ") ||
	    !zs_catulong(out, (unsigned long long)e->arrival) ||
	    !zs_catc(out, '\n') ||
	    !field(out, "priority", queue_prio_name(e->prio)) ||
	    !field(out, "client", e->client) ||
	    !field(out, "helo", e->helo) ||
	    !field(out, "proto", e->proto) ||
	    !field(out, "user", e->user) ||
	    !addrfield(out, "sender", e->sender) ||
	    !field(out, "ret", e->ret == RET_FULL ? "full" :
	    e->ret == RET_HDRS ? "hdrs" : NULL) ||
	    !field(out, "envid", e->envid) ||
	    !field(out, "body", e->body == BODY_7BIT ? "7bit" :
	    e->body == BODY_8BITMIME ? "8bitmime" : NULL) ||
	    !field(out, "requiretls", e->requiretls ? "yes" : NULL) ||
	    !field(out, "smtputf8", e->smtputf8 ? "yes" : NULL))
		return 0;
	if (e->has_mtprio) {
		if (e->mtprio < -9 || e->mtprio > 9) {
			errno = EINVAL;
			return 0;
		}
		if (!zs_cats(out, e->mtprio < 0 ? "mtpriority -" :
		    "mtpriority ") ||
		    !zs_catulong(out, (unsigned long long)(e->mtprio < 0 ?
		    -e->mtprio : e->mtprio)) || !zs_catc(out, '\n'))
			return 0;
	}
	for (i = 0; i < e->nrcpt; i++) {
		const struct envelope_rcpt *r = &e->rcpt[i];

		if (!addrfield(out, "rcpt", r->addr))
			return 0;
		if (r->notify != 0 &&
		    (!zs_cats(out, "notify ") ||
		    !envelope_notify_format(r->notify, out) ||
		    !zs_catc(out, '\n')))
			return 0;
		if (!field(out, "orcpt", r->orcpt))
			return 0;
	}
	return zs_cats(out, "data\n");
}

/* Take the value of "<addr>" into a fresh string. */
static int
parse_addr(const char *v, size_t n, char **out)
{
	char *s;

	if (n < 2 || v[0] != '<' || v[n - 1] != '>')
		return 0;
	s = malloc(n - 1);
	if (s == NULL)
		return -1;
	memcpy(s, v + 1, n - 2);
	s[n - 2] = '\0';
	free(*out);
	*out = s;
	return 1;
}

static int
parse_str(const char *v, size_t n, char **out)
{
	char *s;

	if (*out != NULL)
		return 0;	/* a repeated field is damage */
	s = malloc(n + 1);
	if (s == NULL)
		return -1;
	memcpy(s, v, n);
	s[n] = '\0';
	*out = s;
	return 1;
}

static int
parse_line(struct envelope *e, const char *key, size_t klen, const char *v,
    size_t n)
{
	char tmp[ENVELOPE_VALUE_MAX + 1];
	unsigned long long u;
	struct envelope_rcpt *last = e->nrcpt ? &e->rcpt[e->nrcpt - 1] : NULL;

#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (KEY("id"))
		return queue_id_valid(tmp) ? (memcpy(e->id, tmp, n + 1), 1) : 0;
	if (KEY("arrival")) {
		if (!scan_ulong_all(tmp, &u) || u > (unsigned long long)1 << 40)
			return 0;
		e->arrival = (long long)u;
		return 1;
	}
	if (KEY("priority"))
		return queue_prio_parse(tmp, &e->prio);
	if (KEY("client"))
		return parse_str(v, n, &e->client);
	if (KEY("helo"))
		return parse_str(v, n, &e->helo);
	if (KEY("proto"))
		return parse_str(v, n, &e->proto);
	if (KEY("user"))
		return parse_str(v, n, &e->user);
	if (KEY("envid"))
		return parse_str(v, n, &e->envid);
	if (KEY("mtpriority")) {
		const char *d = tmp[0] == '-' ? tmp + 1 : tmp;

		if (e->has_mtprio || !scan_ulong_all(d, &u) || u > 9)
			return 0;
		e->mtprio = tmp[0] == '-' ? -(int)u : (int)u;
		e->has_mtprio = true;
		return 1;
	}
	if (KEY("sender"))
		return e->sender == NULL ? parse_addr(v, n, &e->sender) : 0;
	if (KEY("ret")) {
		if (e->ret != RET_UNSET)
			return 0;
		e->ret = strcmp(tmp, "full") == 0 ? RET_FULL :
		    strcmp(tmp, "hdrs") == 0 ? RET_HDRS : RET_UNSET;
		return e->ret != RET_UNSET;
	}
	if (KEY("body")) {
		if (e->body != BODY_UNSET)
			return 0;
		e->body = strcmp(tmp, "7bit") == 0 ? BODY_7BIT :
		    strcmp(tmp, "8bitmime") == 0 ? BODY_8BITMIME : BODY_UNSET;
		return e->body != BODY_UNSET;
	}
	/* Written only when set, so older files read as they always did. */
	if (KEY("requiretls")) {
		if (e->requiretls || strcmp(tmp, "yes") != 0)
			return 0;
		e->requiretls = true;
		return 1;
	}
	/* Likewise: a file without it needs no SMTPUTF8. */
	if (KEY("smtputf8")) {
		if (e->smtputf8 || strcmp(tmp, "yes") != 0)
			return 0;
		e->smtputf8 = true;
		return 1;
	}
	if (KEY("rcpt")) {
		char *a = NULL;
		int r = parse_addr(v, n, &a);

		if (r != 1)
			return r;
		r = envelope_add_rcpt(e, a, NULL, 0) ? 1 : -1;
		free(a);
		return r;
	}
	if (KEY("notify"))
		return last != NULL && last->notify == 0 &&
		    envelope_notify_parse(tmp, &last->notify);
	if (KEY("orcpt"))
		return last != NULL && parse_str(v, n, &last->orcpt);
#undef KEY
	return 0;
}

int
envelope_parse(struct envelope *e, const char *p, size_t n)
{
	size_t vl = sizeof VERSION_LINE - 1, i;
	envelope_free(e);
	if (n < vl || memcmp(p, VERSION_LINE, vl) != 0)
		goto damaged;
	for (i = vl;;) {
		const char *line = p + i, *nl, *sp;
		size_t len, klen;
		int r;

		nl = memchr(line, '\n', n - i);
		if (nl == NULL)
			goto damaged;
		len = (size_t)(nl - line);
		i += len + 1;
		if (len == 4 && memcmp(line, "data", 4) == 0)
			break;
		sp = memchr(line, ' ', len);
		if (sp == NULL)
			goto damaged;
		klen = (size_t)(sp - line);
		if (!envelope_value_ok(sp + 1, len - klen - 1))
			goto damaged;
		r = parse_line(e, line, klen, sp + 1, len - klen - 1);
		if (r == -1)
			goto fail;
		if (r == 0)
			goto damaged;
	}
	e->data_offset = i;
	if (e->sender == NULL || e->nrcpt == 0 || e->arrival == 0)
		goto damaged;
	return 1;
damaged:
	errno = EPROTO;
fail:
	{
		int saved = errno;

		envelope_free(e);
		errno = saved;
	}
	return 0;
}

int
envelope_read(struct envelope *e, int fd)
{
	struct zs h = ZS_INIT;
	struct stat st;
	size_t scanned = 0;
	int ok = 0;

	/* Whoever opened fd: only a regular file is a message (zr-queue(5)). */
	if (fstat(fd, &st) == -1)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		errno = QUEUE_ENOTREG;
		return 0;
	}
	for (;;) {
		ssize_t r;

		if (!zs_readyplus(&h, 8192))
			goto out;
		r = buf_pread(fd, h.s + h.len, 8192, (off_t)h.len);
		if (r == -1)
			goto out;
		if (r == 0) {
			errno = EPROTO;
			goto out;
		}
		h.len += (size_t)r;
		/* Stop reading as soon as the "data" line has been seen. */
		for (; scanned + 6 <= h.len; scanned++)
			if (memcmp(h.s + scanned, "\ndata\n", 6) == 0)
				goto parse;
		if (h.len > ENVELOPE_HEADER_MAX) {
			errno = EPROTO;
			goto out;
		}
	}
parse:
	/* A message file never changes once committed: its size stands. */
	if (!envelope_parse(e, h.s, h.len))
		goto out;
	e->size = st.st_size - (off_t)e->data_offset;
	ok = 1;
out:
	zs_free(&h);
	return ok;
}

int
envelope_read_content(const struct envelope *e, int fd, struct zs *out)
{
	size_t want = (size_t)e->size, got;
	ssize_t r;

	out->len = 0;
	if (!zs_readyplus(out, want + 1))
		return 0;
	r = buf_pread_all(fd, out->s, want, (off_t)e->data_offset);
	if (r == -1)
		return 0;
	got = (size_t)r;
	if (got < want) {
		errno = EPROTO;	/* shorter than when it was read */
		return 0;
	}
	out->len = got;
	return 1;
}
