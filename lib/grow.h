/* SPDX-License-Identifier: MIT */
/*
 * grow: room in a growable array, with overflow-checked growth.
 *
 *	if (!grow(&s->d, &s->cap, s->n + 1))
 *		return 0;
 *
 * *pp points at *capp elements. grow makes room for at least need of them,
 * by doubling (from GROW_MIN), so that appends in a loop stay linear. It
 * returns 1, or 0 with errno ENOMEM, or EOVERFLOW when the size would not
 * fit in a size_t; on failure *pp and *capp are as they were, so the caller
 * still owns and frees the old array. New elements are not initialised.
 * (zs.h is the growable string; this is for arrays of anything.)
 */
#ifndef ZR_GROW_H
#define ZR_GROW_H

#include <stddef.h>

#define GROW_MIN 16

/* pp is the address of the array pointer; the element size comes from it. */
#define grow(pp, capp, need) grow_((pp), (capp), (need), sizeof **(pp))
int grow_(void *pp, size_t *capp, size_t need, size_t elsize);

#endif
