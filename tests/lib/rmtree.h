/* SPDX-License-Identifier: MIT */
/*
 * rmtree: remove a unit test's scratch tree, header only. Never follows a
 * symbolic link (a test plants them), so nothing outside the tree goes.
 */
#ifndef ZR_RMTREE_H
#define ZR_RMTREE_H

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static inline void
rm_tree(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;

	if (fd == -1) {
		unlinkat(dfd, name, 0);
		return;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rm_tree(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

#endif
