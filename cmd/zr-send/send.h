/* SPDX-License-Identifier: MIT */
/*
 * send: the scheduler. It takes messages from the queue by priority and
 * age, routes their recipients, hands jobs to zr-remote children, records
 * per-recipient results, retries with back-off and expires.
 *
 * One process, one poll loop, no threads: the trigger FIFO, a self-pipe
 * for signals and the children's report pipes are its only inputs. Every
 * queue file is moved by lib/queue.c. A message in active/ belongs to
 * this process alone; at start everything found there goes back to
 * todo/<priority>. The files of the module and their concerns are listed
 * in loop.h.
 */
#ifndef ZR_SEND_H
#define ZR_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"
#include "shaperules.h"
#include "shaping.h"
#include "zs.h"

struct send_conf {
	unsigned long long concurrency;		/* control/concurrency */
	unsigned long long perhost;		/* control/concurrencyperhost */
	unsigned long long queueinterval;	/* control/queueinterval */
	unsigned long long retrybase;		/* control/retrybase */
	unsigned long long retrymax;		/* control/retrymax */
	unsigned long long retryjitter;		/* control/retryjitter, % */
	unsigned long long lifetime;		/* control/lifetime */
	unsigned long long maxretries;		/* 0: no limit */
	unsigned long long cleanupinterval;	/* control/cleanupinterval */
	unsigned long long retention;		/* control/retention */
	unsigned long long shutdowntimeout;	/* control/shutdowntimeout */
	unsigned long long hostbackoff;		/* control/hostbackoff */
	unsigned long long idle;		/* control/connectionidle */
	unsigned long long mxrouting;		/* control/mxrouting: 0 or 1 */
	unsigned long long mxport;		/* control/mxport */
	unsigned long long delaywarn;		/* control/delaywarn; 0: none */
	unsigned long maxhops;			/* control/maxhops */
	bool bounces;				/* control/bounces: yes or no */
	unsigned long long dnsnegttl;		/* control/dnsnegttl */
	unsigned long long bouncetimeout;	/* control/bouncetimeout */
	unsigned long long timeouttransaction;	/* control/timeouttransaction */
	struct route_table routes;		/* smarthosts, domainroutes */
	struct shaping shaping;			/* control/shaping */
	struct shaperules shaperules;		/* control/shaperules */
	struct zs localdomains;			/* NUL after each entry */
	size_t nlocal;
	struct zs me;				/* control/me; "" when none */
	struct zs dnsservers;			/* control/dnsservers as text */
};

#define SEND_CONCURRENCY_MAX 1000

/*
 * Read every control file into c (routes included). 1, or 0 with errno
 * and, for a route file, the reason in err; c is then unchanged.
 */
int send_conf_load(struct send_conf *c, struct zs *err);
void send_conf_free(struct send_conf *c);
/*
 * The delay before attempt number attempts + 1, without jitter:
 * retrybase doubled per attempt made, at most retrymax.
 */
unsigned long long send_retry_delay(const struct send_conf *,
    unsigned attempts);

/* Whether a domain (n bytes) is one of control/localdomains. */
int send_is_local(const struct send_conf *, const char *domain, size_t n);

/* Run the scheduler on the queue at dir until SIGTERM. An EXIT_* code. */
int send_run(struct send_conf *, const char *queuedir, const char *remote);

#endif
