/* SPDX-License-Identifier: MIT */
/* Unit tests for the envelope and state file formats. */
#include <errno.h>
#include <string.h>

#include "envelope.h"
#include "qstate.h"
#include "zs.h"
#include "../lib/tap.h"

static int
parses(const char *text)
{
	struct envelope e;
	int r;

	envelope_init(&e);
	r = envelope_parse(&e, text, strlen(text));
	envelope_free(&e);
	return r;
}

int
main(void)
{
	struct envelope e, back;
	struct zs out = ZS_INIT;
	struct qstate st, st2;
	unsigned n;

	plan(37);
	envelope_init(&e);
	envelope_init(&back);
	ok(envelope_set(&e.sender, "a@b.test") && envelope_set(&e.client,
	    "127.0.0.1") && envelope_set(&e.helo, "client.test") &&
	    envelope_set(&e.envid, "QQ+2B1") &&
	    envelope_add_rcpt(&e, "x@y.test", "rfc822;x@y.test",
	    NOTIFY_SUCCESS | NOTIFY_FAILURE) &&
	    envelope_add_rcpt(&e, "\"q q\"@y.test", NULL, 0), "build");
	e.arrival = 1795852212;
	e.prio = PRIO_HIGH;
	e.ret = RET_HDRS;
	e.body = BODY_8BITMIME;
	e.has_mtprio = true;
	e.mtprio = -3;
	ok(envelope_format(&e, &out), "format");
	ok(zs_0(&out) && strstr(out.s, "\nmtpriority -3\n") != NULL,
	    "mtpriority is written");
	ok(zs_cats(&out, "Subject: x\n\nbody\n") &&
	    envelope_parse(&back, out.s, out.len), "parse what was formatted");
	ok(strcmp(back.sender, "a@b.test") == 0 && back.prio == PRIO_HIGH &&
	    back.ret == RET_HDRS && back.body == BODY_8BITMIME &&
	    back.arrival == 1795852212 && strcmp(back.envid, "QQ+2B1") == 0,
	    "message fields survive the round trip");
	ok(back.has_mtprio && back.mtprio == -3, "and mtpriority with them");
	ok(back.nrcpt == 2 && strcmp(back.rcpt[1].addr, "\"q q\"@y.test") == 0 &&
	    back.rcpt[0].notify == (NOTIFY_SUCCESS | NOTIFY_FAILURE) &&
	    strcmp(back.rcpt[0].orcpt, "rfc822;x@y.test") == 0 &&
	    back.rcpt[1].orcpt == NULL && back.rcpt[1].notify == 0,
	    "recipient fields survive, per recipient");
	ok(memcmp(out.s + back.data_offset, "Subject: x\n", 11) == 0,
	    "the content starts after the data line");
	ok(zs_0(&out) && !back.requiretls &&
	    strstr(out.s, "requiretls") == NULL,
	    "without REQUIRETLS the envelope has no such line (as before)");
	e.requiretls = true;
	out.len = 0;
	envelope_free(&back);
	envelope_init(&back);
	ok(envelope_format(&e, &out) && zs_0(&out) &&
	    strstr(out.s, "\nrequiretls yes\n") &&
	    envelope_parse(&back, out.s, out.len) && back.requiretls,
	    "requiretls yes survives the round trip");
	e.requiretls = false;
	ok(!parses("zr-envelope 1\narrival 1\nsender <>\nrequiretls no\n"
	    "rcpt <a@b.test>\ndata\n") &&
	    !parses("zr-envelope 1\narrival 1\nsender <>\nrequiretls yes\n"
	    "requiretls yes\nrcpt <a@b.test>\ndata\n"),
	    "requiretls takes yes only, and once");
	ok(!back.smtputf8 && strstr(out.s, "smtputf8") == NULL,
	    "without SMTPUTF8 the envelope has no such line (as before)");
	e.smtputf8 = true;
	envelope_set(&e.sender, "j\xc3\xb6rg@b\xc3\xbc" "cher.test");
	out.len = 0;
	envelope_free(&back);
	envelope_init(&back);
	ok(envelope_format(&e, &out) && zs_0(&out) &&
	    strstr(out.s, "\nsmtputf8 yes\n") &&
	    envelope_parse(&back, out.s, out.len) && back.smtputf8 &&
	    strcmp(back.sender, "j\xc3\xb6rg@b\xc3\xbc" "cher.test") == 0,
	    "smtputf8 yes and a UTF-8 sender survive the round trip");
	e.smtputf8 = false;
	envelope_set(&e.sender, "a@b.test");
	ok(!parses("zr-envelope 1\narrival 1\nsender <>\nsmtputf8 no\n"
	    "rcpt <a@b.test>\ndata\n") &&
	    !parses("zr-envelope 1\narrival 1\nsender <>\nsmtputf8 yes\n"
	    "smtputf8 yes\nrcpt <a@b.test>\ndata\n"),
	    "smtputf8 takes yes only, and once");

	envelope_set(&e.helo, "evil\nrcpt <x@evil.test>");
	out.len = 0;
	ok(!envelope_format(&e, &out) && errno == EINVAL,
	    "a value with a line feed cannot be written");
	envelope_set(&e.helo, NULL);
	envelope_set(&e.sender, "");
	out.len = 0;
	ok(envelope_format(&e, &out) && strstr(out.s, "sender <>\n") != NULL,
	    "the null sender is written as <>");
	envelope_free(&e);
	envelope_free(&back);

#define HEAD "zr-envelope 1\narrival 5\n"
	ok(parses(HEAD "sender <a@b>\nrcpt <c@d>\ndata\n"), "a minimal envelope");
	ok(parses(HEAD "sender <a@b>\nmtpriority -9\nrcpt <c@d>\ndata\n") &&
	    parses(HEAD "sender <a@b>\nmtpriority 9\nrcpt <c@d>\ndata\n"),
	    "mtpriority from -9 to 9");
	ok(!parses(HEAD "sender <a@b>\nmtpriority 10\nrcpt <c@d>\ndata\n") &&
	    !parses(HEAD "sender <a@b>\nmtpriority +1\nrcpt <c@d>\ndata\n") &&
	    !parses(HEAD "sender <a@b>\nmtpriority -\nrcpt <c@d>\ndata\n") &&
	    !parses(HEAD "sender <a@b>\nmtpriority 1\nmtpriority 1\n"
	    "rcpt <c@d>\ndata\n"), "a bad or second mtpriority: damaged");
	ok(!parses(HEAD "sender <a@b>\nrcpt <c@d>\n") && errno == EPROTO,
	    "no data line: damaged");
	ok(!parses("zr-envelope 2\narrival 5\nsender <a@b>\nrcpt <c@d>\ndata\n"),
	    "an unknown version: damaged");
	ok(!parses(HEAD "rcpt <c@d>\ndata\n"), "no sender: damaged");
	ok(!parses(HEAD "sender <a@b>\ndata\n"), "no recipient: damaged");
	ok(!parses(HEAD "sender <a@b>\nsender <e@f>\nrcpt <c@d>\ndata\n"),
	    "two senders: damaged");
	ok(!parses(HEAD "sender <a@b>\nrcpt <c@d>\nfrobnicate 1\ndata\n"),
	    "an unknown field: damaged");
	ok(!parses(HEAD "sender a@b\nrcpt <c@d>\ndata\n"),
	    "an address without brackets: damaged");
	ok(!parses(HEAD "sender <a@b>\nrcpt <c\001@d>\ndata\n"),
	    "a control byte: damaged");
	ok(!parses(HEAD "sender <a@b>\nnotify never\nrcpt <c@d>\ndata\n"),
	    "notify before any rcpt: damaged");
	ok(!parses(HEAD "priority urgentest\nsender <a@b>\nrcpt <c@d>\ndata\n"),
	    "an unknown priority: damaged");
	ok(!parses("zr-envelope 1\narrival 99999999999999999999999\n"
	    "sender <a@b>\nrcpt <c@d>\ndata\n"), "an overflowing number: damaged");

	ok(envelope_notify_parse("SUCCESS,Delay", &n) &&
	    n == (NOTIFY_SUCCESS | NOTIFY_DELAY), "NOTIFY is case-insensitive");
	ok(!envelope_notify_parse("never,success", &n) &&
	    !envelope_notify_parse("success,success", &n) &&
	    !envelope_notify_parse("success,", &n) &&
	    !envelope_notify_parse("", &n), "bad NOTIFY lists are refused");

	ok(qstate_init(&st, 3), "state init");
	st.attempts = 2;
	st.next = 1795852400;
	st.rcpt[0].status = RS_DELIVERED;
	st.rcpt[0].attempts = 1;
	qstate_set_reply(&st.rcpt[0], "127.0.0.1:25", "250 ok\r\nX-Evil: 1", 17);
	st.rcpt[2].status = RS_DEFERRED;
	st.rcpt[2].attempts = 2;
	qstate_set_reply(&st.rcpt[2], NULL, "451 later", 9);
	out.len = 0;
	ok(qstate_format(&st, &out) && zs_0(&out) &&
	    strstr(out.s, "rcpt 0 delivered 1 127.0.0.1:25 250 ok??X-Evil: 1\n") &&
	    strstr(out.s, "rcpt 2 deferred 2 - 451 later\n") &&
	    strstr(out.s, "rcpt 1") == NULL,
	    "state format: a reply stays on one line, pending lines omitted");
	ok(qstate_parse(&st2, 3, out.s, out.len) && st2.attempts == 2 &&
	    st2.next == 1795852400 && st2.rcpt[0].status == RS_DELIVERED &&
	    st2.rcpt[1].status == RS_PENDING &&
	    strcmp(st2.rcpt[2].reply, "451 later") == 0 &&
	    st2.rcpt[2].host[0] == '\0', "state round trip");
	qstate_free(&st2);
	ok(!qstate_parse(&st2, 2, out.s, out.len) && errno == EPROTO,
	    "a recipient index past the envelope: damaged");
	ok(!qstate_parse(&st2, 3, "zr-state 1\nrcpt 0 bogus 1 - x\n", 29),
	    "an unknown status: damaged");
	qstate_free(&st);
	zs_free(&out);
	return done();
}
