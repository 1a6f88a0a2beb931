/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "fmt.h"
#include "proc.h"
#include "queue.h"
#include "mtasts.h"

int
mtasts_conf(struct remote_conf *c)
{
	struct zs s = ZS_INIT;
	int r = control_readline("mtasts", &s);

	if (r == -1)
		return 0;
	c->mtasts = !(r == 1 && strcmp(s.s, "no") == 0);
	zs_free(&s);
	return 1;
}

/* zr-sts, installed beside this program. */
static int
sts_path(char *path, size_t size)
{
	if (proc_sibling("zr-sts", path, size))
		return 1;
	return fmt_snprintf(path, size, "/usr/local/sbin/zr-sts") != -1;
}

/* Run zr-sts for domain and wait for it; it writes sts/DOMAIN. */
static void
run_sts(const char *domain)
{
	char path[4200];
	pid_t pid;
	int status;

	if (!sts_path(path, sizeof path))
		return;
	pid = fork();
	if (pid == -1) {
		warn_sys("unable to run zr-sts");
		return;
	}
	if (pid == 0) {
		char *argv[] = { "zr-sts", "-q", ".", NULL, NULL };

		argv[3] = (char *)(uintptr_t)domain;
		/* The deadline outlives exec: SIGALRM ends zr-sts. */
		signal(SIGALRM, SIG_DFL);
		alarm(MTASTS_DEADLINE);
		/* Its output must not mix into the reports on stdout. */
		if (dup2(2, 1) == -1)
			_exit(EXIT_TEMP);
		execv(path, argv);
		warn_sys("unable to run ", path);
		_exit(EXIT_TEMP);
	}
	(void)proc_wait(pid, &status);
}

/* The cached record for domain: 1 when it says something, else 0. */
static int
load(struct queue *q, const char *domain, struct sts_cache *c)
{
	struct zs rec = ZS_INIT;
	int ok = queue_sts_read(q, domain, &rec) == 1 &&
	    sts_cache_parse(rec.s, rec.len, c);

	zs_free(&rec);
	return ok;
}

int
mtasts_apply(const struct remote_conf *conf, struct job_req *j,
    const char *rcpts, struct zs *why)
{
	char domain[STS_NAME_MAX + 1];
	const char *at = strrchr(rcpts, '@');
	struct sts_cache c;
	struct queue q;
	long long now = (long long)time(NULL);
	size_t i, k, n, kept = 0;
	bool any = false;

	for (i = 0; i < j->nhost; i++)
		any = any || j->host[i].mxname[0] != '\0';
	if (!any || !conf->mtasts || at == NULL)
		return 1;
	n = strlen(at + 1);
	if (n == 0 || n > STS_NAME_MAX - 8)
		return 1;
	for (k = 0; k <= n; k++)
		domain[k] = (char)(at[1 + k] >= 'A' && at[1 + k] <= 'Z' ?
		    at[1 + k] + 32 : at[1 + k]);
	if (n > 0 && domain[n - 1] == '.')
		domain[--n] = '\0';
	if (domain[0] == '[' || domain[0] == '.' || strchr(domain, '/'))
		return 1;
	if (!queue_open(&q, "."))
		return 1;
	if (!load(&q, domain, &c) || now - c.checked >= STS_RECHECK ||
	    now < c.checked || (c.have && !sts_cache_valid(&c, now))) {
		run_sts(domain);
		if (!load(&q, domain, &c))
			memset(&c, 0, sizeof c);
		/*
		 * The fetch took time: a policy fetched after the clock read
		 * above would look fetched in the future, so not valid, and
		 * an enforce policy would be dropped (RFC 8461 5.1 fails open).
		 */
		now = (long long)time(NULL);
	}
	queue_close(&q);
	/* RFC 8461 5.1: an expired policy is no policy. */
	if (!sts_cache_valid(&c, now) || c.policy.mode == STS_NONE)
		return 1;
	for (i = 0; i < j->nhost; i++) {
		struct route_host *h = &j->host[i];
		enum tls_level level = h->tls_set ? h->tls : conf->tlsmx;

		if (h->mxname[0] == '\0') {
			j->host[kept++] = *h;	/* a fallback smart host */
			continue;
		}
		if (!sts_mx_match(&c.policy, h->mxname)) {
			warn_x("domain=", domain, " mx=", h->mxname,
			    " mta-sts=", sts_mode_name(c.policy.mode),
			    " policy_id=", c.id, c.policy.mode == STS_ENFORCE ?
			    " result=skipped" : " result=delivering",
			    " reason=\"the MX host matches no mx pattern\"");
			if (c.policy.mode == STS_ENFORCE)
				continue;
		} else if (c.policy.mode == STS_ENFORCE &&
		    (level == TLS_LEVEL_NONE || level == TLS_LEVEL_MAY ||
		    level == TLS_LEVEL_ENCRYPT)) {
			/* RFC 8461 4.2: TLS verified against the MX name. */
			h->tls = TLS_LEVEL_VERIFY;
			h->tls_set = true;
		} else if (c.policy.mode == STS_ENFORCE &&
		    level == TLS_LEVEL_DANE) {
			/*
			 * DANE wins where it applies (RFC 8461 2); if it finds
			 * no usable TLSA set, enforce holds (starttls.c).
			 */
			h->sts_enforce = true;
		}
		j->host[kept++] = *h;
	}
	j->nhost = kept;
	if (kept == 0) {
		(void)(zs_copys(why, "MTA-STS policy of ") &&
		    zs_cats(why, domain) && zs_cats(why, " (id ") &&
		    zs_cats(why, c.id) &&
		    zs_cats(why, ") names none of its MX hosts") && zs_0(why));
		return 0;
	}
	return 1;
}
