/* SPDX-License-Identifier: MIT */
/*
 * child: zr-send's deliverers. Each child is a zr-remote (or, for the
 * host MX_LOCAL_KEY, a zr-local) that takes jobs one at a time on its
 * standard input and writes one report per job on its standard output
 * (lib/job.h); between jobs it keeps its connection to the host it last
 * reached, for control/connectionidle seconds. Each has a results journal
 * in state/ named in its jobs (results.h).
 *
 * child_assign gives the pending jobs to children, within
 * control/concurrency and control/concurrencyperhost, preferring a child
 * already connected to the job's first host. child_input reads a report
 * and hands it to msg_job_done; a child that exits, or says what nobody
 * asked, is reaped and its job deferred. The children array in struct
 * send is theirs; a reaped child's slot is taken by the last one.
 */
#ifndef ZR_SEND_CHILD_H
#define ZR_SEND_CHILD_H

#include <stddef.h>

#include "loop.h"

/*
 * Find the deliverers: zr-remote is remote, or the one beside this
 * program, else /usr/local/sbin's; zr-local and zr-bounce are beside it.
 */
void child_programs(struct send *, const char *remote);
/* A pipe whose ends close on exec, with the file status flags extra. */
int child_pipe(int fd[2], int extra);
/* Children with a job. */
size_t child_busy(const struct send *);
/* Children at most (control/concurrency). */
size_t child_limit(const struct send *);
/* Give pending jobs to children where the limits allow. */
void child_assign(struct send *);
/* No more jobs for c: its EOF makes it exit. */
void child_close_input(struct child *c);
/*
 * Write what the pipe takes of c's job (the pipe does not block; the rest
 * goes when poll says POLLOUT): 1, or 0 when the child is gone.
 */
int child_flush(struct child *c);
/* Child k has output (or has ended): read it. */
void child_input(struct send *, size_t k);

#endif
