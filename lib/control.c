/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "scan.h"

/* Control files are small; a larger one is a mistake, not a setting. */
#define CONTROL_MAX (4u << 20)

const char *
control_dir(void)
{
	const char *d = getenv("ZR_CONTROL");

	return d != NULL && *d != '\0' ? d : CONTROL_DIR_DEFAULT;
}

int
control_readfile(const char *name, struct zs *out)
{
	struct zs path = ZS_INIT;
	int fd, ok;

	out->len = 0;
	if (!zs_cats(&path, control_dir()) || !zs_catc(&path, '/') ||
	    !zs_cats(&path, name) || !zs_0(&path)) {
		zs_free(&path);
		return -1;
	}
	fd = open(path.s, O_RDONLY | O_CLOEXEC);
	zs_free(&path);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	for (ok = 1;;) {
		ssize_t r;

		if (!zs_readyplus(out, 4096)) {
			ok = 0;
			break;
		}
		r = read(fd, out->s + out->len, 4096);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = r == 0;
			break;
		}
		out->len += (size_t)r;
		if (out->len > CONTROL_MAX) {
			errno = EFBIG;
			ok = 0;
			break;
		}
	}
	close(fd);
	return ok ? 1 : -1;
}

static int
isspace_c(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
control_readlines(const char *name, struct zs *out, size_t *count)
{
	struct zs raw = ZS_INIT;
	size_t i = 0;
	int r;

	*count = 0;
	out->len = 0;
	r = control_readfile(name, &raw);
	if (r <= 0) {
		zs_free(&raw);
		return r;
	}
	while (i < raw.len) {
		size_t a = i, b;
		const char *nl = memchr(raw.s + i, '\n', raw.len - i);

		b = nl != NULL ? (size_t)(nl - raw.s) : raw.len;
		i = b + 1;
		while (a < b && isspace_c(raw.s[a]))
			a++;
		while (b > a && isspace_c(raw.s[b - 1]))
			b--;
		if (a == b || raw.s[a] == '#')
			continue;
		if (memchr(raw.s + a, '\0', b - a) != NULL) {
			errno = EINVAL;
			zs_free(&raw);
			return -1;
		}
		if (!zs_catb(out, raw.s + a, b - a) || !zs_catc(out, '\0')) {
			zs_free(&raw);
			return -1;
		}
		++*count;
	}
	zs_free(&raw);
	return 1;
}

int
control_readline(const char *name, struct zs *out)
{
	size_t count;
	int r = control_readlines(name, out, &count);

	if (r <= 0)
		return r;
	if (count == 0)
		return 0;
	out->len = strlen(out->s);
	return 1;
}

int
control_readulong(const char *name, unsigned long long *u,
    unsigned long long def)
{
	struct zs line = ZS_INIT;
	int r = control_readline(name, &line);

	*u = def;
	if (r == 1 && !scan_ulong_all(line.s, u)) {
		*u = def;
		errno = EINVAL;
		r = -1;
	}
	zs_free(&line);
	return r;
}
