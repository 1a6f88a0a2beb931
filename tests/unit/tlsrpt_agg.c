/* SPDX-License-Identifier: MIT */
/* zr-tlsrpt's sums: result lines per domain and policy, and the JSON. */
#include <string.h>

#include "../lib/tap.h"
#include "../../cmd/zr-tlsrpt/agg.h"

static struct agg a;

/* Parse a line and count it in; 1 when both worked. */
static int
add(const char *line)
{
	struct tlsrpt_rec r;
	const char *why;
	int ok;

	memset(&r, 0, sizeof r);
	ok = tlsrpt_rec_parse(line, strlen(line), &r, &why) && agg_add(&a, &r);
	tlsrpt_rec_free(&r);
	return ok;
}

int
main(void)
{
	struct agg_meta m = { .org = "relay.test", .contact =
	    "mailto:postmaster@relay.test", .id = "abc@relay.test",
	    .day = "2026-12-01" };
	struct zs j = ZS_INIT;
	const struct agg_domain *d;

	plan(13);
	ok(add("1 10 sts a.test mx1.a.test 192.0.2.1 success version:+20STSv1 "
	    "mode:+20enforce mx:+20mx1.a.test mx:+20*.a.test max_age:+2086400"),
	    "an sts success counts in");
	ok(add("1 11 sts a.test mx1.a.test 192.0.2.1 certificate-expired "
	    "version:+20STSv1 mode:+20enforce mx:+20mx1.a.test mx:+20*.a.test "
	    "max_age:+2086400") &&
	    add("1 12 sts a.test mx1.a.test 192.0.2.1 certificate-expired "
	    "version:+20STSv1 mode:+20enforce mx:+20mx1.a.test mx:+20*.a.test "
	    "max_age:+2086400") &&
	    add("1 13 sts a.test mx2.a.test 192.0.2.2 certificate-expired "
	    "version:+20STSv1 mode:+20enforce mx:+20mx1.a.test mx:+20*.a.test "
	    "max_age:+2086400"), "three failures of one policy");
	ok(add("1 14 no-policy-found b.test mx.b.test - success") &&
	    add("1 15 no-policy-found b.test mx2.b.test - starttls-not-supported") &&
	    add("1 16 no-policy-found b.test mx.b.test - success"),
	    "another domain without a policy");
	ok(add("1 17 sts a.test mx1.a.test 192.0.2.1 success version:+20STSv1 "
	    "mode:+20testing mx:+20mx1.a.test max_age:+2086400"),
	    "a changed policy for the first domain");
	ok(a.nd == 2, "two domains");
	d = &a.d[0];
	ok(strcmp(d->name, "a.test") == 0 && d->np == 2,
	    "a.test: two policies, one per policy text");
	ok(d->p[0].ok == 1 && d->p[0].failed == 3 && d->p[0].nf == 2,
	    "the first: one success, three failures in two details");
	ok(d->p[0].f[0].n == 2 && strcmp(d->p[0].f[0].mx, "mx1.a.test") == 0 &&
	    d->p[0].f[1].n == 1 && strcmp(d->p[0].f[1].ip, "192.0.2.2") == 0,
	    "the details by type, host and address");
	ok(d->p[0].nmx == 2 && strcmp(d->p[0].mx.s, "mx1.a.test") == 0 &&
	    strcmp(d->p[0].mx.s + 11, "*.a.test") == 0,
	    "an sts policy's mx-host: its mx patterns");
	d = &a.d[1];
	ok(d->np == 1 && d->p[0].ok == 2 && d->p[0].failed == 1 &&
	    d->p[0].nmx == 2, "b.test: the hosts seen, two successes, a failure");
	ok(agg_json(&a.d[1], &m, &j) && j.len > 0 && zs_0(&j) &&
	    strcmp(j.s, "{\"organization-name\":\"relay.test\","
	    "\"date-range\":{\"start-datetime\":\"2026-12-01T00:00:00Z\","
	    "\"end-datetime\":\"2026-12-01T23:59:59Z\"},"
	    "\"contact-info\":\"mailto:postmaster@relay.test\","
	    "\"report-id\":\"abc@relay.test\",\"policies\":[{\"policy\":"
	    "{\"policy-type\":\"no-policy-found\",\"policy-domain\":\"b.test\","
	    "\"mx-host\":[\"mx.b.test\",\"mx2.b.test\"]},\"summary\":"
	    "{\"total-successful-session-count\":2,"
	    "\"total-failure-session-count\":1},\"failure-details\":"
	    "[{\"result-type\":\"starttls-not-supported\","
	    "\"receiving-mx-hostname\":\"mx2.b.test\","
	    "\"failed-session-count\":1}]}]}\n") == 0,
	    "the JSON of RFC 8460 4, byte for byte: no policy-string, no "
	    "receiving-ip when unknown");
	ok(agg_json(&a.d[0], &m, &j) && zs_0(&j) &&
	    strstr(j.s, "\"policy-string\":[\"version: STSv1\","
	    "\"mode: enforce\",\"mx: mx1.a.test\",\"mx: *.a.test\","
	    "\"max_age: 86400\"]") != NULL &&
	    strstr(j.s, "\"receiving-ip\":\"192.0.2.2\"") != NULL,
	    "an sts policy's strings, decoded, and the address");
	m.org = "a \"quoted\\\" name\x01";
	ok(agg_json(&a.d[1], &m, &j) && zs_0(&j) && strstr(j.s,
	    "\"a \\\"quoted\\\\\\\" name\\u0001\"") != NULL,
	    "quotes, backslashes and control bytes are escaped");
	zs_free(&j);
	agg_free(&a);
	return done();
}
