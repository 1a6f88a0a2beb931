/* SPDX-License-Identifier: MIT */
/* lib/job: the job and the report, each read back as it was written. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "job.h"

#define ID "1796162757.367588.209d6a91ca33ea4a"

/* Read a job from text through a pipe, as the deliverers read theirs. */
static int
readjob(const char *text, struct job_req *j)
{
	char space[512];
	struct buf in;
	int p[2], r;

	if (pipe(p) == -1 || write(p[1], text, strlen(text)) < 0)
		return -2;
	close(p[1]);
	buf_init(&in, buf_read, p[0], NULL, space, sizeof space);
	r = job_read(&in, j);
	close(p[0]);
	return r;
}

static size_t
rec(struct zs *z, enum job_letter l, const char *t)
{
	(void)job_rec(z, l, t, strlen(t));
	return z->len;
}

int
main(void)
{
	struct job_req j, k;
	struct job_report r;
	struct zs z = ZS_INIT, w = ZS_INIT;
	char st[JOB_STATUS_MAX + 1];
	size_t used, n;

	plan(34);

	ok(readjob("host 127.0.0.1:2525 tls=may\nhost [::1]:25\n"
	    "file active/" ID "\nid " ID "\ndelivery 7\nresults journal.1.2\n"
	    "from <>\n"
	    "to <a@b.test>\nto <c@d.test>\n\n", &j) == 1 && j.bad.len == 0,
	    "a whole job is read");
	ok(j.nhost == 2 && strcmp(j.host[0].key, "127.0.0.1:2525") == 0,
	    "its hosts, parsed");
	ok(strcmp(j.id, ID) == 0 && j.delivery == 7 &&
	    strcmp(j.results, "journal.1.2") == 0,
	    "its id, delivery and journal");
	ok(j.have_from && j.from.s[0] == '\0', "the null sender");
	ok(j.nrcpt == 2 && strcmp(j.rcpts.s + 9, "c@d.test") == 0,
	    "its recipients");
	ok(job_write(&j, &w) && job_readb(w.s, w.len, &k, &used) &&
	    used == w.len && k.nrcpt == 2 && k.delivery == 7 &&
	    k.nhost == 2 && strcmp(k.file.s, j.file.s) == 0 &&
	    strcmp(k.results, j.results) == 0,
	    "what the writer writes, the reader reads back");
	job_req_free(&k);
	job_req_free(&j);

	ok(readjob("file x\nid " ID "\n\n", &j) == 1 && j.bad.len > 0,
	    "an id without a delivery is malformed");
	job_req_free(&j);
	ok(readjob("file x\nid " ID "\ndelivery 1\n\n", &j) == 1 &&
	    j.bad.len > 0, "an id and delivery without a journal is malformed");
	job_req_free(&j);
	ok(readjob("file x\nid " ID "\ndelivery 1\nresults ../state/x\n\n",
	    &j) == 1 && strstr(j.bad.s, "results") != NULL &&
	    j.results[0] == '\0', "a journal name that is not one is refused");
	job_req_free(&j);
	ok(readjob("file x\ndelivery 0\n\n", &j) == 1 && j.bad.len > 0,
	    "delivery 0 is malformed");
	job_req_free(&j);
	ok(readjob("file x\ndelivery 99999999999999999999999\n\n", &j) == 1 &&
	    j.bad.len > 0, "a delivery that overflows is malformed");
	job_req_free(&j);
	ok(readjob("file x\nid ../../etc/passwd\n\n", &j) == 1 &&
	    strstr(j.bad.s, "id") != NULL && j.id[0] == '\0',
	    "an id that is no queue id is refused");
	job_req_free(&j);
	ok(readjob("file x\nto <>\n\n", &j) == 1 && j.bad.len > 0,
	    "an empty recipient is malformed");
	job_req_free(&j);
	ok(readjob("file x\nto <a@b.test>\nbogus\n\n", &j) == 1 &&
	    strcmp(j.bad.s, "unknown line") == 0, "an unknown line, named");
	job_req_free(&j);
	ok(readjob("to <a@b.test>\n\n", &j) == 1 &&
	    strcmp(j.bad.s, "no file line") == 0, "no file line, named");
	job_req_free(&j);
	ok(readjob("\n\n", &j) == 0, "blank lines only: the end");

	/* Reports. */
	rec(&z, JOB_HOST, "127.0.0.1:2525");
	rec(&z, JOB_TLS, "tls=none");
	rec(&z, JOB_DSN, "");
	rec(&z, JOB_RCPT_OK, "250 ok");
	n = rec(&z, JOB_RCPT_PERM, "550 5.1.1 no\nsuch");
	ok(job_report_complete(z.s, z.len) == 0, "no message record: not yet");
	rec(&z, JOB_MSG_OK, "250 2.0.0 Ok: queued");
	ok(job_report_complete(z.s, z.len) == 1, "then complete");
	ok(job_report_complete(z.s, n - 1) == 0, "a record cut short: not yet");
	ok(job_report_parse(z.s, z.len, &r) && r.dsn && r.nrcpt == 2 &&
	    strcmp(r.tls, "tls=none") == 0 && r.msg == JOB_MSG_OK,
	    "parsed: DSN as a field of its own, the TLS facts apart");
	ok(strcmp(r.rcpt[1].text, "550 5.1.1 no?such") == 0,
	    "an LF in a text cannot start a line");
	ok(strcmp(r.status, "2.0.0") == 0, "the enhanced status, typed");
	ok(job_rcpt_status(&r, 0) == RS_DELIVERED &&
	    job_rcpt_status(&r, 1) == RS_FAILED &&
	    job_rcpt_status(&r, 2) == RS_DEFERRED,
	    "r and K deliver, h fails, a missing record defers");
	job_report_free(&r);

	z.len = 0;
	rec(&z, JOB_HOST, "");
	rec(&z, JOB_MSG_TEMP, "4.4.1 no host answered: refused");
	ok(job_report_parse(z.s, z.len, &r) && strcmp(r.status, "4.4.1") == 0 &&
	    r.host[0] == '\0' && r.tls == NULL, "no host: 4.4.1 as a field");
	job_report_free(&r);
	z.len = 0;
	rec(&z, JOB_HOST, "");
	rec(&z, JOB_TLS, "policy=verify outcome=failed:expired");
	rec(&z, JOB_MSG_TEMP, "4.4.1 x");
	ok(job_report_parse(z.s, z.len, &r) && r.host[0] == '\0' &&
	    r.tls != NULL && strcmp(r.tls, "policy=verify outcome=failed:expired")
	    == 0, "T after an empty H: the last host's policy");
	job_report_free(&r);
	z.len = 0;
	rec(&z, JOB_HOST, "");
	rec(&z, JOB_DSN, "");
	rec(&z, JOB_MSG_TEMP, "4.4.1 x");
	ok(job_report_complete(z.s, z.len) == -1,
	    "N after an empty H: mangled");
	z.len = 0;
	rec(&z, JOB_HOST, "h");
	rec(&z, JOB_RCPT_OK, "250 ok");
	rec(&z, JOB_TLS, "tls=none");
	rec(&z, JOB_MSG_OK, "250 ok");
	ok(job_report_complete(z.s, z.len) == -1,
	    "T after a recipient: mangled");
	z.len = 0;
	rec(&z, JOB_HOST, "h");
	rec(&z, JOB_MSG_OK, "250 ok");
	rec(&z, JOB_RCPT_OK, "250 ok");
	ok(job_report_complete(z.s, z.len) == -1, "bytes after K: mangled");
	ok(job_report_complete("Xfoo", 5) == -1,
	    "not starting with H: mangled");
	z.len = 0;
	rec(&z, JOB_HOST, "h");
	n = rec(&z, JOB_MSG_OK, "250 ok");
	rec(&z, JOB_HOST, "h");
	ok(job_report_len(z.s, z.len) == (long)n,
	    "in a journal: the length of the first report");

	job_status("451 4.3.0 try later", st);
	ok(strcmp(st, "4.3.0") == 0, "the status after a reply code");
	job_status("250 Ok", st);
	ok(st[0] == '\0', "no status: empty");
	job_status("4.4.10000 x", st);
	ok(st[0] == '\0', "a detail over 3 digits is none");
	job_status("5.1.1", st);
	ok(strcmp(st, "5.1.1") == 0, "a status alone");

	zs_free(&z);
	zs_free(&w);
	return done();
}
