/* SPDX-License-Identifier: MIT */
/*
 * Replays fuzz inputs without libFuzzer: each argument is a file (or a
 * directory of files) handed to LLVMFuzzerTestOneInput once. make check
 * runs every harness over its corpus this way, under the sanitizers.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay(const char *path)
{
	struct stat st;
	uint8_t *p;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(path);
		return 1;
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL)
		return 1;
	r = read(fd, p, (size_t)st.st_size);
	close(fd);
	if (r != st.st_size) {
		free(p);
		return 1;
	}
	LLVMFuzzerTestOneInput(p, (size_t)r);
	free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			if (replay(argv[i]) != 0)
				return 1;
			n++;
			continue;
		}
		d = opendir(argv[i]);
		if (d == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof path, "%s/%s", argv[i],
			    de->d_name) >= sizeof path)
				return 1;
			if (replay(path) != 0)
				return 1;
			n++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
