/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
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

/*
 * zr-smtpd reads some twenty control files per connection, most of them
 * missing: the path is built and the file read on the stack, so that a
 * missing file costs one open(2) and a present one a single allocation of
 * its size. (Growing a 4 KB heap buffer per file made musl's allocator
 * map and unmap pages for each.)
 */
int
control_readfile(const char *name, struct zs *out)
{
	char path[4096];
	const char *dir = control_dir();
	size_t dl = strlen(dir), nl = strlen(name);
	int fd, ok;

	out->len = 0;
	if (dl + 1 + nl >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, name, nl + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	ok = buf_read_zs(fd, out, CONTROL_MAX);
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
control_each_line(const char *lines, size_t count,
    int (*line)(void *arg, size_t i, const char *s), void *arg, size_t *bad)
{
	size_t i;

	for (i = 0; i < count; i++, lines += strlen(lines) + 1) {
		int r = line(arg, i, lines);

		if (r != 1) {
			*bad = i + 1;
			errno = r == 0 ? EINVAL : ENOMEM;
			return 0;
		}
	}
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

void
control_where(struct zs *err, const char *name, const char *word, size_t bad)
{
	int e = errno;

	err->len = 0;
	if (!zs_cats(err, name) || (bad != 0 &&
	    (!zs_cats(err, word) || !zs_catulong(err, bad))) || !zs_0(err))
		err->len = 0;
	errno = e;
}
