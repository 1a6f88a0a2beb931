/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "control.h"
#include "fmt.h"
#include "priorules.h"

void
priorules_free(struct priorules *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->r[i].value);
	free(t->r);
	t->r = NULL;
	t->n = 0;
}

/* The next word of *p (blank-separated) into w[wmax]; 0 when none or long. */
static int
word(const char **p, char *w, size_t wmax)
{
	const char *s = *p + strspn(*p, " \t");
	size_t k = strcspn(s, " \t");

	if (k == 0 || k >= wmax)
		return 0;
	memcpy(w, s, k);
	w[k] = '\0';
	*p = s + k;
	return 1;
}

static int
parse_line(const char *line, struct priorule *r)
{
	char key[16], value[ADDR_PATH_MAX + 1], prio[16];
	const char *p = line;

	if (!word(&p, key, sizeof key) || !word(&p, value, sizeof value) ||
	    !word(&p, prio, sizeof prio) || p[strspn(p, " \t")] != '\0' ||
	    !queue_prio_parse(prio, &r->prio))
		return 0;
	if (strcmp(key, "sender") == 0 || strcmp(key, "rcpt") == 0) {
		r->key = key[0] == 's' ? PRIORULE_SENDER : PRIORULE_RCPT;
		/* An address, or a domain after "@" or "@.". */
		if (value[0] == '@') {
			const char *d = value + 1 + (value[1] == '.');

			if (!addr_domain_valid(d, strlen(d)))
				return 0;
		} else if (!addr_valid(value, strlen(value))) {
			return 0;
		}
	} else if (strcmp(key, "client") == 0) {
		r->key = PRIORULE_CLIENT;
		if (!cidr_parse(value, &r->net))
			return 0;
	} else if (strcmp(key, "authuser") == 0) {
		r->key = PRIORULE_AUTHUSER;
	} else {
		return 0;
	}
	r->value = strdup(value);
	if (r->value == NULL)
		return -1;
	return 1;
}

/* control_each_line's call for line i, into t->r[i]. */
static int
take_line(void *arg, size_t i, const char *s)
{
	struct priorules *t = arg;
	int r = parse_line(s, &t->r[i]);

	if (r == 1)
		t->n = i + 1;
	return r;
}

int
priorules_parse(struct priorules *t, const char *lines, size_t count,
    size_t *bad)
{
	priorules_free(t);
	t->r = calloc(count ? count : 1, sizeof *t->r);
	if (t->r == NULL)
		return 0;
	if (!control_each_line(lines, count, take_line, t, bad)) {
		priorules_free(t);
		return 0;
	}
	return 1;
}

int
priorules_load(struct priorules *t, struct zs *err)
{
	struct zs lines = ZS_INIT;
	size_t count = 0, bad = 0;
	int r = control_readlines("priorityrules", &lines, &count);

	if (r == 1)
		r = priorules_parse(t, lines.s, count, &bad) ? 1 : -1;
	zs_free(&lines);
	if (r == -1) {
		control_where(err, "priorityrules", " entry ", bad);
		return 0;
	}
	return 1;
}

int
priorules_match(const struct priorules *t, const struct envelope *e,
    const unsigned char *client, const char *authuser,
    enum queue_prio *out)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		const struct priorule *r = &t->r[i];
		int hit = 0;

		switch (r->key) {
		case PRIORULE_SENDER:
			hit = e->sender != NULL &&
			    addr_match(r->value, e->sender);
			break;
		case PRIORULE_RCPT:
			for (k = 0; !hit && k < e->nrcpt; k++)
				hit = addr_match(r->value, e->rcpt[k].addr);
			break;
		case PRIORULE_CLIENT:
			hit = client != NULL && cidr_match(&r->net, client);
			break;
		case PRIORULE_AUTHUSER:
			hit = authuser != NULL && *authuser != '\0' &&
			    strcmp(r->value, authuser) == 0;
			break;
		}
		if (hit) {
			*out = r->prio;
			return 1;
		}
	}
	return 0;
}
