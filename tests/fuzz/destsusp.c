/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the suspension record of suspend/ (lib/destsusp) with any bytes: a
 * record that parses has a key that is a key and formats back to the same
 * bytes, and the key's file name is safe (no '/', no leading '.', no byte
 * outside the plain set) and its escape is one-to-one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "destsusp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_name(const char *key)
{
	char name[DESTSUSP_NAME_MAX + 1], back[DESTSUSP_KEY_MAX + 1];
	size_t i, k = 0;

	if (!destsusp_name(key, name))
		return;
	if (name[0] == '.' || name[0] == '\0' || strchr(name, '/') != NULL)
		abort();
	/* Undo the escape: it must give the key again. */
	for (i = 0; name[i] != '\0'; i++) {
		if (k == DESTSUSP_KEY_MAX)
			abort();
		if (name[i] == '%') {
			char h[3] = { name[i + 1], name[i + 2], '\0' };

			if (h[0] == '\0' || h[1] == '\0')
				abort();
			back[k++] = (char)strtoul(h, NULL, 16);
			i += 2;
		} else
			back[k++] = name[i];
	}
	back[k] = '\0';
	if (strcmp(back, key) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct destsusp r;
	struct zs z = ZS_INIT;
	char key[DESTSUSP_KEY_MAX + 1];

	if (destsusp_parse(p, size, &r)) {
		if (!destsusp_key_ok(r.key, strlen(r.key)) ||
		    !destsusp_fmt(&r, &z) || z.len != size ||
		    memcmp(z.s, p, size) != 0)
			abort();
		check_name(r.key);
	}
	/* The input's first line as a key. */
	if (size <= DESTSUSP_KEY_MAX && memchr(p, '\0', size) == NULL) {
		memcpy(key, p, size);
		key[size] = '\0';
		if (destsusp_key_ok(key, size))
			check_name(key);
	}
	zs_free(&z);
	return 0;
}
