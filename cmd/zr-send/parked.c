/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "parked.h"

static int
cmp(const struct parked_id *e, const char *id, size_t dest)
{
	int c = strcmp(e->id, id);

	if (c != 0)
		return c;
	return e->dest < dest ? -1 : e->dest > dest;
}

/* The first entry not before (id, dest); *found: it is that one. */
static size_t
find(const struct parked_set *p, const char *id, size_t dest, bool *found)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(&p->v[mid], id, dest) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < p->n && cmp(&p->v[lo], id, dest) == 0;
	return lo;
}

int
parked_add(struct parked_set *p, const char *id, size_t dest, bool *added)
{
	bool found;
	size_t at = find(p, id, dest, &found);

	*added = false;
	/* Parked during a read of deferred/: the read may have passed it. */
	if (found) {
		p->v[at].seen = true;
		return 1;
	}
	if (!grow(&p->v, &p->cap, p->n + 1))
		return 0;
	memmove(p->v + at + 1, p->v + at, (p->n - at) * sizeof *p->v);
	memset(&p->v[at], 0, sizeof p->v[at]);
	memcpy(p->v[at].id, id, strnlen(id, QUEUE_ID_SIZE - 1));
	p->v[at].dest = dest;
	p->v[at].seen = true;
	p->n++;
	*added = true;
	return 1;
}

size_t
parked_del(struct parked_set *p, const char *id)
{
	bool found;
	size_t at = find(p, id, 0, &found), dest;

	if (at == p->n || strcmp(p->v[at].id, id) != 0)
		return PARKED_NONE;
	dest = p->v[at].dest;
	memmove(p->v + at, p->v + at + 1, (p->n - at - 1) * sizeof *p->v);
	p->n--;
	return dest;
}

bool
parked_has(const struct parked_set *p, const char *id, size_t dest)
{
	bool found;

	(void)find(p, id, dest, &found);
	return found;
}

void
parked_unsee(struct parked_set *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		p->v[i].seen = false;
}

void
parked_seen(struct parked_set *p, const char *id)
{
	bool found;
	size_t at = find(p, id, 0, &found);

	for (; at < p->n && strcmp(p->v[at].id, id) == 0; at++)
		p->v[at].seen = true;
}

size_t
parked_sweep(struct parked_set *p)
{
	size_t i, keep = 0;

	for (i = 0; i < p->n; i++)
		if (p->v[i].seen)
			p->v[keep++] = p->v[i];
	i = p->n - keep;
	p->n = keep;
	return i;
}

size_t
parked_count(const struct parked_set *p, size_t dest)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->v[i].dest == dest;
	return n;
}

void
parked_free(struct parked_set *p)
{
	free(p->v);
	memset(p, 0, sizeof *p);
}
