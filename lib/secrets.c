/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "secrets.h"

#define SECRETS_FILE "smarthost-secrets"

int
secrets_private(const char *file)
{
	struct zs path = ZS_INIT;
	struct stat st;
	int r = -1;

	if ((file[0] != '/' && (!zs_cats(&path, control_dir()) ||
	    !zs_catc(&path, '/'))) || !zs_cats(&path, file) || !zs_0(&path))
		goto out;
	if (stat(path.s, &st) == -1) {
		r = errno == ENOENT ? 0 : -1;
		goto out;
	}
	/* A secret others could read is one to consider lost: say so. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		errno = EPERM;
		goto out;
	}
	r = 1;
out:
	zs_free(&path);
	return r;
}

int
secrets_find(const char *name, struct zs *user, struct zs *pass)
{
	struct zs lines = ZS_INIT;
	size_t n, i, off = 0, nl = strlen(name);
	int r = secrets_private(SECRETS_FILE);

	if (r != 1)
		goto out;
	r = control_readlines(SECRETS_FILE, &lines, &n);
	if (r != 1)
		goto out;
	r = 0;
	for (i = 0; i < n; i++) {
		const char *line = lines.s + off, *u, *p;
		size_t ul;

		off += strlen(line) + 1;
		if (strncmp(line, name, nl) != 0 || (line[nl] != ' ' &&
		    line[nl] != '\t'))
			continue;
		u = line + nl + strspn(line + nl, " \t");
		ul = strcspn(u, " \t");
		p = u + ul + strspn(u + ul, " \t");
		if (ul == 0 || *p == '\0') {
			errno = EINVAL;
			r = -1;
			break;
		}
		r = zs_copyb(user, u, ul) && zs_0(user) && zs_copys(pass, p) &&
		    zs_0(pass) ? 1 : -1;
		break;
	}
out:
	if (lines.s != NULL)
		memset(lines.s, 0, lines.cap);
	zs_free(&lines);
	return r;
}
