/* SPDX-License-Identifier: MIT */
/*
 * buf: buffered I/O on a descriptor through a pluggable operation.
 *
 * The operation (read or write) is a function pointer so that timeouts, TLS
 * and in-memory test stubs plug in without changing callers. A buf is either
 * for input or for output, never both. The caller owns the space.
 *
 * Output: buf_put* copy into the space and write when it is full; buf_flush
 * writes what is pending. Input: buf_feed reads more when the buffer is
 * empty; buf_peek/buf_seek look at and consume buffered bytes.
 * Functions return 1 or 0 (errno set) unless said otherwise.
 */
#ifndef ZR_BUF_H
#define ZR_BUF_H

#include <stddef.h>
#include <sys/types.h>

struct zs;

/* Reads or writes at most n bytes; returns the count, 0 at EOF, -1 on error. */
typedef ssize_t (*buf_op)(int fd, char *p, size_t n, void *ctx);

struct buf {
	char *x;
	size_t size;
	size_t start;		/* input: first unread byte */
	size_t end;		/* input: end of data; output: bytes pending */
	int fd;
	buf_op op;
	void *ctx;
};

#define BUF_SIZE 8192

/*
 * Unbuffered I/O, the one place that restarts read(2), write(2), pread(2)
 * and pwrite(2) after EINTR (a signal handler installed without
 * SA_RESTART interrupts them) and completes short transfers.
 */
/* Plain read(2)/write(2), restarted on EINTR. */
ssize_t buf_read(int fd, char *p, size_t n, void *ctx);
ssize_t buf_write(int fd, char *p, size_t n, void *ctx);
/* One pread(2), restarted on EINTR: the count, 0 at EOF, -1 on error. */
ssize_t buf_pread(int fd, char *p, size_t n, off_t off);
/* All n bytes of p to fd, unbuffered, again after EINTR: 1, or 0 with errno. */
int buf_write_all(int fd, const char *p, size_t n);
/* The same at offset off with pwrite(2). */
int buf_pwrite_all(int fd, const char *p, size_t n, off_t off);
/*
 * n bytes from fd into p, fewer only at the end of the file: the count,
 * or -1 with errno. buf_pread_all reads from offset off with pread(2).
 */
ssize_t buf_read_all(int fd, char *p, size_t n);
ssize_t buf_pread_all(int fd, char *p, size_t n, off_t off);
/*
 * Append what fd holds up to its end to out: 1, or 0 with errno; EFBIG
 * when out would hold more than max bytes (it never does). out grows with
 * what is read, not by a page at a time.
 */
int buf_read_zs(int fd, struct zs *out, size_t max);

void buf_init(struct buf *, buf_op, int fd, void *ctx, char *space, size_t size);

/* Output. */
int buf_put(struct buf *, const char *p, size_t n);
int buf_puts(struct buf *, const char *s);
int buf_flush(struct buf *);

/* Input: bytes buffered and not yet consumed. */
size_t buf_avail(const struct buf *);
/* Input: pointer to the buffered bytes. */
char *buf_peek(const struct buf *);
/* Input: consume n buffered bytes (n <= buf_avail). */
void buf_seek(struct buf *, size_t n);
/*
 * Input: when nothing is buffered, read once. Returns the bytes now
 * buffered, 0 at EOF, -1 on error.
 */
ssize_t buf_feed(struct buf *);
/* Input: copy up to n bytes out; returns the count, 0 at EOF, -1 on error. */
ssize_t buf_get(struct buf *, char *p, size_t n);
/*
 * Input: append one line, up to and including delim, to line. Returns 1 for a
 * whole line, 0 at EOF (a partial last line stays in line), -1 on error.
 * A line longer than max bytes fails with E2BIG after consuming max bytes.
 */
int buf_getline(struct buf *, struct zs *line, char delim, size_t max);

#endif
