/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the state file's prio, rcpts and size lines: written by
 * qstate_format, read with and without the envelope's count, and files
 * without them (older queues) read as before.
 */
#include <errno.h>
#include <string.h>

#include "qstate.h"
#include "queue.h"
#include "zs.h"
#include "../lib/tap.h"

static const char old[] = "zr-state 1\nattempts 2\nnext 1795852400\n"
    "last 1795852280\nrcpt 1 deferred 2 mx.y.test:25 451 4.3.0 later\n";

/* Whether text parses for a message of nrcpt recipients. */
static int
parses(size_t nrcpt, const char *text)
{
	struct qstate s;

	if (!qstate_parse(&s, nrcpt, text, strlen(text)))
		return 0;
	qstate_free(&s);
	return 1;
}

int
main(void)
{
	struct qstate s, t;
	struct zs out = ZS_INIT;

	plan(17);

	ok(qstate_init(&s, 2) && s.prio == -1 && s.size == -1,
	    "a fresh state says neither priority nor size");
	s.attempts = 1;
	s.next = 1795852400;
	s.prio = PRIO_HIGH;
	s.size = 5120;
	s.rcpt[1].status = RS_DEFERRED;
	s.rcpt[1].attempts = 1;
	qstate_set_reply(&s.rcpt[1], NULL, "451 later", 9);
	ok(qstate_format(&s, &out) && zs_0(&out) &&
	    strstr(out.s, "\nlast 0\nprio high\nrcpts 2\nsize 5120\nrcpt 1 ")
	    != NULL, "prio, rcpts and size follow last, before the recipients");
	qstate_free(&s);

	ok(qstate_parse(&t, 2, out.s, out.len) && t.prio == PRIO_HIGH &&
	    t.size == 5120 && t.nrcpt == 2 && t.next == 1795852400 &&
	    t.rcpt[1].status == RS_DEFERRED, "they read back with the count");
	qstate_free(&t);
	ok(qstate_parse(&t, QSTATE_NRCPT_FILE, out.s, out.len) &&
	    t.nrcpt == 2 && t.prio == PRIO_HIGH && t.size == 5120 &&
	    t.attempts == 1 && t.rcpt[1].attempts == 1 &&
	    strcmp(t.rcpt[1].reply, "451 later") == 0,
	    "and without it: the count is the file's");
	qstate_free(&t);
	ok(!qstate_parse(&t, 3, out.s, out.len) && errno == EPROTO,
	    "a count other than the envelope's: damaged");

	ok(qstate_parse(&t, 2, old, sizeof old - 1) && t.prio == -1 &&
	    t.size == -1 && t.attempts == 2 &&
	    strcmp(t.rcpt[1].host, "mx.y.test:25") == 0,
	    "a file without them (an older queue's) reads as before");
	qstate_free(&t);
	ok(!qstate_parse(&t, QSTATE_NRCPT_FILE, old, sizeof old - 1) &&
	    errno == ENOENT, "without the count it says so: ENOENT, not damage");
	ok(!parses(QSTATE_NRCPT_FILE,
	    "zr-state 1\nrcpts 100001\n") && errno == ENOENT,
	    "a count over QSTATE_NRCPT_FILE_MAX is left to the envelope");
	ok(parses(1, "zr-state 1\nrcpts 1\n") &&
	    parses(QSTATE_NRCPT_FILE, "zr-state 1\nsize 0\nrcpts 0\n"),
	    "each line may stand alone, in any order");

	out.len = 0;
	ok(qstate_init(&s, 1) && qstate_format(&s, &out) && zs_0(&out) &&
	    strstr(out.s, "prio") == NULL && strstr(out.s, "size") == NULL &&
	    strstr(out.s, "\nrcpts 1\n") != NULL,
	    "what is unsaid is left out; rcpts is always written");
	qstate_free(&s);

	ok(!parses(1, "zr-state 1\nprio bulk\n") && errno == EPROTO &&
	    !parses(1, "zr-state 1\nprio \n") &&
	    !parses(1, "zr-state 1\nprio urgentest\n") &&
	    !parses(1, "zr-state 1\nprio\n"),
	    "an unknown or empty priority: damaged");
	ok(!parses(1, "zr-state 1\nrcpts x\n") &&
	    !parses(1, "zr-state 1\nrcpts \n") &&
	    !parses(1, "zr-state 1\nrcpts -1\n") &&
	    !parses(1, "zr-state 1\nrcpts 1 \n"),
	    "a recipient count that is not a number: damaged");
	ok(!parses(QSTATE_NRCPT_FILE, "zr-state 1\nrcpts 1\nrcpts 2\n") &&
	    errno == EPROTO, "two counts that disagree: damaged");
	ok(!parses(QSTATE_NRCPT_FILE, "zr-state 1\nrcpts 1\n"
	    "rcpt 1 deferred 1 - 451 x\n") && errno == EPROTO,
	    "a recipient past the file's own count: damaged");
	ok(!parses(1, "zr-state 1\nsize -5\n") &&
	    !parses(1, "zr-state 1\nsize 99999999999999999999999\n") &&
	    !parses(1, "zr-state 1\nsize 4611686018427387905\n") &&
	    !parses(1, "zr-state 1\nsize 12k\n"),
	    "a size that is not a number, or past QSTATE_SIZE_MAX: damaged");
	ok(parses(1, "zr-state 1\nsize 4611686018427387904\n"),
	    "a size up to QSTATE_SIZE_MAX is taken");
	ok(!parses(QSTATE_NRCPT_FILE, "zr-state 2\nrcpts 1\n") &&
	    errno == EPROTO, "another version is damaged, count or not");
	zs_free(&out);
	return done();
}
