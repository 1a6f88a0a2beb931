/* SPDX-License-Identifier: MIT */
/*
 * http: zr-qstat --http answers one HTTP/1.0 or HTTP/1.1 request read from
 * a descriptor (standard input under tcpserver or systemd socket
 * activation with Accept=yes) and writes the answer to a buf, then the
 * connection ends. GET /metrics gets the Prometheus text of
 * export_prometheus; another path 404, another method 405, a malformed
 * request 400, a request head over HTTP_REQUEST_MAX bytes 431 (read no
 * further). Each read waits at most HTTP_TIMEOUT seconds.
 *
 * http_judge is the whole parser and touches nothing but its input, so
 * that the fuzz harness drives it alone.
 */
#ifndef ZR_QSTAT_HTTP_H
#define ZR_QSTAT_HTTP_H

#include <stddef.h>

#include "buf.h"

/* The request line and headers; no client of /metrics needs more. */
#define HTTP_REQUEST_MAX 8192
#define HTTP_TIMEOUT 10

enum http_verdict {
	HTTP_METRICS,		/* GET /metrics: 200 */
	HTTP_NOT_FOUND,		/* GET of another path: 404 */
	HTTP_BAD_METHOD,	/* not GET: 405 */
	HTTP_BAD_REQUEST,	/* not HTTP/1.0 or 1.1 as RFC 9112 writes it: 400 */
	HTTP_TOO_LARGE,		/* no end of the head within the limit: 431 */
	HTTP_INCOMPLETE		/* the blank line that ends the head is not in */
};

/* Judge the first n bytes of a request. */
enum http_verdict http_judge(const char *p, size_t n);
/*
 * Read one request from fd, answer it on out (metrics of the queue at
 * queuedir). An EXIT_* code: EXIT_OK when a request was answered.
 */
int http_serve(const char *queuedir, int fd, struct buf *out);

#endif
