/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "zs.h"

ssize_t
buf_read(int fd, char *p, size_t n, void *ctx)
{
	ssize_t r;

	(void)ctx;
	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

ssize_t
buf_write(int fd, char *p, size_t n, void *ctx)
{
	ssize_t r;

	(void)ctx;
	do
		r = write(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

void
buf_init(struct buf *b, buf_op op, int fd, void *ctx, char *space, size_t size)
{
	b->x = space;
	b->size = size;
	b->start = b->end = 0;
	b->fd = fd;
	b->op = op;
	b->ctx = ctx;
}

static int
writeall(struct buf *b, const char *p, size_t n)
{
	while (n > 0) {
		/* The operation's signature is shared with reads, hence not const. */
		ssize_t w = b->op(b->fd, (char *)(uintptr_t)p, n, b->ctx);

		if (w <= 0) {
			if (w == 0)
				errno = EPIPE;
			return 0;
		}
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

int
buf_flush(struct buf *b)
{
	size_t n = b->end;

	b->end = 0;
	return writeall(b, b->x, n);
}

int
buf_put(struct buf *b, const char *p, size_t n)
{
	if (n <= b->size - b->end) {
		memcpy(b->x + b->end, p, n);
		b->end += n;
		return 1;
	}
	if (!buf_flush(b))
		return 0;
	if (n >= b->size)
		return writeall(b, p, n);
	memcpy(b->x, p, n);
	b->end = n;
	return 1;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

size_t
buf_avail(const struct buf *b)
{
	return b->end - b->start;
}

char *
buf_peek(const struct buf *b)
{
	return b->x + b->start;
}

void
buf_seek(struct buf *b, size_t n)
{
	b->start += n;
	if (b->start == b->end)
		b->start = b->end = 0;
}

ssize_t
buf_feed(struct buf *b)
{
	ssize_t r;

	if (b->start < b->end)
		return (ssize_t)(b->end - b->start);
	b->start = b->end = 0;
	r = b->op(b->fd, b->x, b->size, b->ctx);
	if (r <= 0)
		return r;
	b->end = (size_t)r;
	return r;
}

ssize_t
buf_get(struct buf *b, char *p, size_t n)
{
	ssize_t r = buf_feed(b);

	if (r <= 0)
		return r;
	if ((size_t)r < n)
		n = (size_t)r;
	memcpy(p, buf_peek(b), n);
	buf_seek(b, n);
	return (ssize_t)n;
}

int
buf_getline(struct buf *b, struct zs *line, char delim, size_t max)
{
	size_t taken = 0;

	for (;;) {
		ssize_t r = buf_feed(b);
		const char *p, *nl;
		size_t n, room = max - taken;

		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		p = buf_peek(b);
		n = (size_t)r;
		nl = memchr(p, delim, n);
		if (nl != NULL)
			n = (size_t)(nl - p) + 1;
		if (n > room) {
			if (!zs_catb(line, p, room))
				return -1;
			buf_seek(b, room);
			errno = E2BIG;
			return -1;
		}
		if (!zs_catb(line, p, n))
			return -1;
		buf_seek(b, n);
		taken += n;
		if (nl != NULL)
			return 1;
	}
}

ssize_t
buf_pread(int fd, char *p, size_t n, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, p, n, off);
	while (r == -1 && errno == EINTR);
	return r;
}

/* off < 0: write(2) at the file offset, else pwrite(2) at off. */
static int
write_all(int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return 0;
		}
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 1;
}

int
buf_write_all(int fd, const char *p, size_t n)
{
	return write_all(fd, p, n, -1);
}

int
buf_pwrite_all(int fd, const char *p, size_t n, off_t off)
{
	if (off < 0) {
		errno = EINVAL;
		return 0;
	}
	return write_all(fd, p, n, off);
}

static ssize_t
read_all(int fd, char *p, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = off < 0 ? read(fd, p + got, n - got) :
		    pread(fd, p + got, n - got, off + (off_t)got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
buf_read_all(int fd, char *p, size_t n)
{
	return read_all(fd, p, n, -1);
}

ssize_t
buf_pread_all(int fd, char *p, size_t n, off_t off)
{
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	return read_all(fd, p, n, off);
}

int
buf_read_zs(int fd, struct zs *out, size_t max)
{
	char piece[4096];
	int ok;

	/*
	 * Through a piece on the stack, so that a small file takes a zs of
	 * about its size (zr-smtpd reads its control files per connection).
	 */
	for (;;) {
		ssize_t r;

		do
			r = read(fd, piece, sizeof piece);
		while (r == -1 && errno == EINTR);
		if (r <= 0) {
			ok = r == 0;
			break;
		}
		if ((size_t)r > max || out->len > max - (size_t)r) {
			errno = EFBIG;
			ok = 0;
			break;
		}
		if (!zs_catb(out, piece, (size_t)r)) {
			ok = 0;
			break;
		}
	}
	/* It may have held a key (lib/dkim). */
	explicit_bzero(piece, sizeof piece);
	return ok;
}
