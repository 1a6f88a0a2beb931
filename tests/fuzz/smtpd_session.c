/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: a whole zr-smtpd session fed from memory. The input is
 * what a client sends; the first byte chooses how the bytes are cut into
 * reads, so that every parser meets its input split at any point. Accepted
 * messages go to a private queue that is emptied after each input. AUTH
 * is offered without TLS and checked by a stub: alice/pw is right, the
 * user "temp" is a temporary failure, anything else is wrong; failures
 * are counted in the queue's table as zr-smtpd counts them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/zr-smtpd/smtpd.h"
#include "fmt.h"
#include "../lib/memio.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
auth_configured(void)
{
	return 1;
}

static int
auth_check(const char *user, const char *pass)
{
	if (strcmp(user, "temp") == 0) {
		errno = EAGAIN;
		return -1;
	}
	return strcmp(user, "alice") == 0 && strcmp(pass, "pw") == 0;
}

static char qdir[64];

static void
empty(const char *sub)
{
	char path[128];
	struct dirent *de;
	DIR *d;

	fmt_snprintf(path, sizeof path, "%s/%s", qdir, sub);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static void
remove_queue(void)
{
	static const char *const dirs[] = { "todo/urgent", "todo/high",
	    "todo/normal", "todo/low", "todo", "tmp", "lock", "" };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		empty(dirs[i]);
		fmt_snprintf(path, sizeof path, "%s/%s", qdir, dirs[i]);
		rmdir(path);
	}
}

static int
setup(void)
{
	static const char *const dirs[] = { "tmp", "todo", "todo/urgent",
	    "todo/high", "todo/normal", "todo/low", "lock" };
	char path[128];
	size_t i;

	memcpy(qdir, "/tmp/zr-fuzz-smtpd.XXXXXX", 26);
	if (mkdtemp(qdir) == NULL)
		return 0;
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		fmt_snprintf(path, sizeof path, "%s/%s", qdir, dirs[i]);
		if (mkdir(path, 0700) == -1)
			return 0;
	}
	atexit(remove_queue);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static const char local[] = "example.com\0.sub.test\0";
	struct smtpd_conf c;
	struct smtpd_session *s;
	struct memio_in m;

	if (!ready) {
		if (!setup())
			abort();
		ready = 1;
	}
	if (size == 0)
		return 0;
	memset(&c, 0, sizeof c);
	if (!zs_copys(&c.me, "fuzz.test") || !zs_0(&c.me) ||
	    !zs_copyb(&c.localdomains, local, sizeof local - 1))
		abort();
	c.nlocaldomains = 2;
	c.databytes = 100000;
	c.maxrcpt = 5;
	/* Low, so that a few Received: lines make a loop. */
	c.maxhops = 3;
	c.timeout = 300;
	c.queuedir = qdir;
	c.client = "127.0.0.1";
	c.client_known = true;
	c.clientaddr[10] = c.clientaddr[11] = 0xff;
	c.clientaddr[12] = 127;
	c.clientaddr[15] = 1;
	/* Odd first bytes make a relay client, and count messages. */
	c.relayclient = (data[0] & 1) != 0;
	if (data[0] & 2) {
		c.rate_count = 3;
		c.rate_window = 60;
	}
	c.authplaintext = true;
	c.authconfigured = auth_configured;
	c.authcheck = auth_check;
	/* A piece size of 61 (first byte 0xf0-0xf3) requires AUTH. */
	c.requireauth = (data[0] >> 2) == 60;
	/*
	 * A piece size of 60 (0xec-0xef) refuses early talkers: memory is
	 * always "waiting", so any input behind the first command is one.
	 */
	c.pipecheck = (data[0] >> 2) == 59;
	c.maxjunk = 30;
	/* MT-PRIORITY is offered: its values reach the priority choice. */
	c.mtpriority = true;
	c.authfailures = 2;
	c.authwindow = 60;
	m.p = (const char *)data + 1;
	m.n = size - 1;
	m.piece = (size_t)(data[0] >> 2) + 1;
	s = malloc(sizeof *s);
	if (s == NULL)
		abort();
	smtpd_init(s, &c, memio_read, -1, &m, memio_discard, -1, NULL);
	smtpd_serve(s);
	smtpd_free(s);
	free(s);
	smtpd_conf_free(&c);
	empty("todo/urgent");
	empty("todo/high");
	empty("todo/normal");
	empty("todo/low");
	empty("lock");
	return 0;
}
