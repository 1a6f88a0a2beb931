/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "base64.h"
#include "buf.h"
#include "control.h"
#include "dkim.h"
#include "hdrqual.h"
#include "fmt.h"
#include "grow.h"
#include "secrets.h"

#define DKIM_FILE "dkim"
/* A PEM private key is a few kilobytes; more is not a key. */
#define DKIM_KEY_MAX 65536
/* The body is read and hashed in pieces of this size. */
#define DKIM_PIECE 65536
/* RFC 8301 3.2: signers use RSA keys of at least 1024 bits. */
#define DKIM_RSA_MIN_BITS 1024

static const char *const signed_names[] = { DKIM_HEADERS };

const char *
dkim_alg_name(enum dkim_alg a)
{
	return a == DKIM_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

int
dkim_canon_header(const char *p, size_t n, struct zs *out)
{
	const char *colon = memchr(p, ':', n);
	size_t i, nl;
	bool sp = false, started = false;

	if (colon == NULL) {
		errno = EINVAL;
		return 0;
	}
	/* The name in lower case, without white space before the colon. */
	nl = (size_t)(colon - p);
	while (nl > 0 && is_wsp(p[nl - 1]))
		nl--;
	for (i = 0; i < nl; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!zs_catc(out, c))
			return 0;
	}
	if (!zs_catc(out, ':'))
		return 0;
	/*
	 * Unfold (line ends go), runs of white space become one SP, and none
	 * is kept after the colon or at the end.
	 */
	for (i = (size_t)(colon - p) + 1; i < n; i++) {
		char c = p[i];

		if (c == '\r' || c == '\n')
			continue;
		if (is_wsp(c)) {
			sp = true;
			continue;
		}
		if ((sp && started && !zs_catc(out, ' ')) || !zs_catc(out, c))
			return 0;
		sp = false;
		started = true;
	}
	return zs_catb(out, "\r\n", 2);
}

void
dkim_body_init(struct dkim_body *b)
{
	memset(b, 0, sizeof *b);
}

/* A line ends: its CR LF goes out now if it had content, else waits. */
static int
body_eol(struct dkim_body *b, struct zs *out)
{
	b->wsp = false;
	if (!b->line) {
		b->empty++;
		return 1;
	}
	b->line = false;
	return zs_catb(out, "\r\n", 2);
}

int
dkim_body_canon(struct dkim_body *b, const char *p, size_t n, struct zs *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\n') {
			/* The LF of a CR LF: the CR ended the line already. */
			if (b->cr) {
				b->cr = false;
				continue;
			}
			if (!body_eol(b, out))
				return 0;
			continue;
		}
		b->cr = c == '\r';
		if (c == '\r') {
			if (!body_eol(b, out))
				return 0;
			continue;
		}
		if (is_wsp(c)) {
			b->wsp = true;
			continue;
		}
		/* Empty lines held back count: something follows them. */
		for (; b->empty > 0; b->empty--)
			if (!zs_catb(out, "\r\n", 2))
				return 0;
		if (b->wsp && !zs_catc(out, ' '))
			return 0;
		b->wsp = false;
		b->line = true;
		if (!zs_catc(out, c))
			return 0;
	}
	return 1;
}

int
dkim_body_end(struct dkim_body *b, struct zs *out)
{
	/* Empty lines at the end are dropped; a last open line is closed. */
	b->empty = 0;
	b->wsp = false;
	if (!b->line)
		return 1;
	b->line = false;
	return zs_catb(out, "\r\n", 2);
}

int
dkim_from_domain(const char *p, size_t n, struct zs *out)
{
	size_t i, at = 0, start = 0, end = 0;
	bool angle = false, have_at = false;

	/* Walk past quoted strings and comments to the first address. */
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '"' || c == '(') {
			/* Left open, it holds the rest of the field. */
			end = hdrqual_span_end(p, n, i);
			if (end == 0) {
				i = n;
				break;
			}
			i = end - 1;
		} else if (c == '<' && !angle) {
			angle = true;
			have_at = false;
		} else if (c == '@') {
			have_at = true;
			at = i;
		} else if (angle && c == '>')
			break;
		else if (!angle && have_at && (c == ',' || c == ';' ||
		    is_wsp(c) || c == '\r' || c == '\n'))
			break;
		else if (!angle && !have_at && c == ',')
			break;
	}
	if (!have_at) {
		errno = EINVAL;
		return 0;
	}
	start = at + 1;
	for (end = start; end < n && end < i; end++)
		if (!((p[end] >= 'a' && p[end] <= 'z') ||
		    (p[end] >= 'A' && p[end] <= 'Z') ||
		    (p[end] >= '0' && p[end] <= '9') || p[end] == '-' ||
		    p[end] == '.'))
			break;
	while (end > start && p[end - 1] == '.')
		end--;
	/* Anything but a plain domain name (a literal, junk) is not signed. */
	if (end == start || (end < n && end < i && !is_wsp(p[end]) &&
	    p[end] != '>' && p[end] != ',' && p[end] != ';' &&
	    p[end] != '\r' && p[end] != '\n' && p[end] != '(')) {
		errno = EINVAL;
		return 0;
	}
	out->len = 0;
	for (i = start; i < end; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!zs_catc(out, c))
			return 0;
	}
	return zs_0(out);
}

/* The length of the line at p and, in *eol, of its end (0: none yet). */
static size_t
line_at(const char *p, size_t n, size_t *eol)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			*eol = 1;
			return i;
		}
		if (p[i] == '\r') {
			*eol = i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
			return i;
		}
	}
	*eol = 0;
	return n;
}

/*
 * Where the header section of p ends: 1 and *hlen (the header fields with
 * their line ends) and *body (where the body starts), or 0 when more
 * bytes are needed to tell (unless at_eof: then all of p is header).
 */
static int
header_end(const char *p, size_t n, bool at_eof, size_t *hlen, size_t *body)
{
	size_t off = 0, eol, len;

	while (off < n) {
		len = line_at(p + off, n - off, &eol);
		if (eol == 0)
			break;
		/* A lone CR at the end may be the start of a CR LF. */
		if (!at_eof && p[off + len] == '\r' && off + len + 1 == n)
			return 0;
		if (len == 0) {
			*hlen = off;
			*body = off + eol;
			return 1;
		}
		off += len + eol;
	}
	if (!at_eof)
		return 0;
	*hlen = *body = n;
	return 1;
}

struct field {
	size_t off, len;	/* the whole field, folds and line end */
	size_t namelen;
};

/* Split the header into fields; 0 (EINVAL) for one that is not a field. */
static int
split_fields(const char *h, size_t n, struct field **fp, size_t *nf)
{
	struct field *f = NULL;
	size_t cap = 0, count = 0, off = 0, eol, len;

	while (off < n) {
		len = line_at(h + off, n - off, &eol);
		if (len > 0 && is_wsp(h[off])) {
			if (count == 0)
				goto bad;
			f[count - 1].len += len + eol;
		} else {
			const char *colon = memchr(h + off, ':', len);
			size_t nl;

			if (colon == NULL || colon == h + off)
				goto bad;
			if (!grow(&f, &cap, count + 1))
				goto fail;
			nl = (size_t)(colon - (h + off));
			while (nl > 0 && is_wsp(h[off + nl - 1]))
				nl--;
			f[count++] = (struct field){ off, len + eol, nl };
		}
		off += len + eol;
	}
	*fp = f;
	*nf = count;
	return 1;
bad:
	errno = EINVAL;
fail:
	free(f);
	return 0;
}

static bool
field_is(const char *h, const struct field *f, const char *name)
{
	return strlen(name) == f->namelen &&
	    strncasecmp(h + f->off, name, f->namelen) == 0;
}

/*
 * Folding: a piece goes on the line when it fits in DKIM_FOLD columns,
 * else on a new line that starts with a tab. sep is what goes before it
 * on the same line (" " between tags, "" inside a value).
 */
struct fold {
	struct zs *out;
	size_t col;
};

static int
fold_put(struct fold *w, const char *sep, const char *p, size_t n)
{
	size_t sl = strlen(sep);

	if (w->col + sl + n > DKIM_FOLD) {
		if (!zs_catb(w->out, "\n\t", 2))
			return 0;
		w->col = 1;
	} else {
		if (!zs_catb(w->out, sep, sl))
			return 0;
		w->col += sl;
	}
	w->col += n;
	return zs_catb(w->out, p, n);
}

static int
fold_tag(struct fold *w, const char *tag, const char *value)
{
	struct zs t = ZS_INIT;
	int ok = zs_cats(&t, tag) && zs_catc(&t, '=') && zs_cats(&t, value) &&
	    zs_catc(&t, ';') && fold_put(w, " ", t.s, t.len);

	zs_free(&t);
	return ok;
}

/* The SHA-256 of the canonical body, in base64. */
struct bodyhash {
	EVP_MD_CTX *md;
	struct dkim_body canon;
	struct zs buf;
};

static int
bh_init(struct bodyhash *b)
{
	memset(b, 0, sizeof *b);
	dkim_body_init(&b->canon);
	b->md = EVP_MD_CTX_new();
	if (b->md == NULL || EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(b->md);
		errno = ENOMEM;
		return 0;
	}
	return 1;
}

static int
bh_feed(struct bodyhash *b, const char *p, size_t n, bool end)
{
	b->buf.len = 0;
	if (!dkim_body_canon(&b->canon, p, n, &b->buf) ||
	    (end && !dkim_body_end(&b->canon, &b->buf)))
		return 0;
	if (b->buf.len > 0 &&
	    EVP_DigestUpdate(b->md, b->buf.s, b->buf.len) != 1) {
		errno = EPROTO;
		return 0;
	}
	return 1;
}

static int
bh_final(struct bodyhash *b, struct zs *b64)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl;
	int ok = EVP_DigestFinal_ex(b->md, d, &dl) == 1;

	if (!ok)
		errno = EPROTO;
	return ok && base64_encode(d, dl, b64);
}

static void
bh_free(struct bodyhash *b)
{
	EVP_MD_CTX_free(b->md);
	zs_free(&b->buf);
}

int
dkim_sign_data(const struct dkim_key *k, const unsigned char *p, size_t n,
    struct zs *out)
{
	unsigned char digest[SHA256_DIGEST_LENGTH], *sig = NULL;
	const EVP_MD *md = EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = 0;
	int ok = 0;

	if (ctx == NULL) {
		errno = ENOMEM;
		return 0;
	}
	/* RFC 8463 3: PureEdDSA over the SHA-256 of the header data. */
	if (k->alg == DKIM_ED25519_SHA256) {
		SHA256(p, n, digest);
		p = digest;
		n = sizeof digest;
		md = NULL;
	}
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sl, p, n) != 1 ||
	    (sig = malloc(sl)) == NULL ||
	    EVP_DigestSign(ctx, sig, &sl, p, n) != 1) {
		errno = sig == NULL && sl > 0 ? ENOMEM : EPROTO;
		goto out;
	}
	ok = base64_encode(sig, sl, out);
out:
	free(sig);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* One DKIM-Signature field for key k over the header h, into out. */
static int
sign_one(const struct dkim_key *k, const char *h, const struct field *f,
    size_t nf, const char *bh, long long now, struct zs *out)
{
	struct zs field = ZS_INIT, data = ZS_INIT, b = ZS_INIT;
	struct fold w = { .out = &field, .col = 0 };
	char num[FMT_ULONG + 1];
	size_t i, j, c, start = out->len, names = 0;
	int ok = 0;

	num[fmt_ulong(num, now > 0 ? (unsigned long long)now : 0)] = '\0';
	if (!zs_cats(&field, "DKIM-Signature:"))
		goto out;
	w.col = field.len;
	if (!fold_tag(&w, "v", "1") ||
	    !fold_tag(&w, "a", dkim_alg_name(k->alg)) ||
	    !fold_tag(&w, "c", "relaxed/relaxed") ||
	    !fold_tag(&w, "d", k->domain) || !fold_tag(&w, "s", k->selector) ||
	    !fold_tag(&w, "t", num))
		goto out;
	/*
	 * h=: From once more than it occurs, then the others that occur,
	 * each as often as it does; a verifier takes instances from the
	 * bottom (RFC 6376 5.4.2), so the data below takes them so too.
	 */
	for (j = 0; j <= sizeof signed_names / sizeof signed_names[0]; j++) {
		const char *name = j == 0 ? "From" : signed_names[j - 1];

		for (c = 0, i = 0; i < nf; i++)
			c += field_is(h, &f[i], name);
		if (j == 0)
			c++;
		for (; c > 0; c--) {
			struct zs piece = ZS_INIT;
			size_t seen = 0;
			bool last = false;

			/* The c-th instance from the top, counting down. */
			for (i = 0; i < nf && !last; i++)
				if (field_is(h, &f[i], name) && ++seen == c) {
					if (!dkim_canon_header(h + f[i].off,
					    f[i].len, &data))
						goto out;
					last = true;
				}
			if (!zs_cats(&piece, names == 0 ? "h=" : ":") ||
			    !zs_cats(&piece, name) ||
			    !fold_put(&w, names == 0 ? " " : "", piece.s,
			    piece.len)) {
				zs_free(&piece);
				goto out;
			}
			zs_free(&piece);
			names++;
		}
	}
	/* FWS may come before the ';' (RFC 6376 3.2): it folds too. */
	if (!fold_put(&w, "", ";", 1) || !fold_tag(&w, "bh", bh) ||
	    !fold_put(&w, " ", "b=", 2))
		goto out;
	/* The field as signed: b= empty, no CR LF at its end (RFC 6376 3.7). */
	if (!dkim_canon_header(field.s, field.len, &data))
		goto out;
	data.len -= 2;
	if (!dkim_sign_data(k, (const unsigned char *)data.s, data.len, &b))
		goto out;
	for (i = 0; i < b.len; i += c) {
		c = DKIM_FOLD > w.col ? DKIM_FOLD - w.col : 0;
		if (c == 0) {
			if (!zs_catb(&field, "\n\t", 2))
				goto out;
			w.col = 1;
			c = DKIM_FOLD - 1;
		}
		if (c > b.len - i)
			c = b.len - i;
		if (!zs_catb(&field, b.s + i, c))
			goto out;
		w.col += c;
	}
	ok = zs_catc(&field, '\n') && zs_cat(out, &field);
out:
	if (!ok)
		out->len = start;
	zs_free(&field);
	zs_free(&data);
	zs_free(&b);
	return ok;
}

/*
 * Sign the header h (hn bytes) whose body hashed to bh for every key of
 * the From domain, or of its nearest parent that has keys.
 */
static int
sign_all(const struct dkim_keys *keys, const char *h, size_t hn,
    const char *bh, long long now, struct zs *out)
{
	struct field *f = NULL;
	struct zs dom = ZS_INIT;
	const char *d;
	size_t nf = 0, i;
	int ok = 1;

	if (!split_fields(h, hn, &f, &nf))
		return errno == EINVAL;	/* not a header: not signed */
	for (i = 0; i < nf && !field_is(h, &f[i], "From"); i++)
		;
	if (i == nf || !dkim_from_domain(h + f[i].off + f[i].namelen,
	    f[i].len - f[i].namelen, &dom)) {
		ok = i == nf || errno == EINVAL;
		goto out;
	}
	/* The domain itself first, then each parent in turn. */
	for (d = dom.s; d != NULL; d = strchr(d, '.') ? strchr(d, '.') + 1 :
	    NULL) {
		bool found = false;

		for (i = 0; i < keys->n && ok; i++)
			if (strcmp(keys->k[i].domain, d) == 0) {
				found = true;
				ok = sign_one(&keys->k[i], h, f, nf, bh, now, out);
			}
		if (found)
			break;
	}
out:
	free(f);
	zs_free(&dom);
	return ok;
}

int
dkim_sign_message(const struct dkim_keys *keys, const char *p, size_t n,
    long long now, struct zs *out)
{
	struct bodyhash b;
	struct zs bh = ZS_INIT;
	size_t hlen, body;
	int ok;

	(void)header_end(p, n, true, &hlen, &body);
	if (hlen > DKIM_HEADER_MAX || keys->n == 0)
		return 1;
	if (!bh_init(&b))
		return 0;
	ok = bh_feed(&b, p + body, n - body, true) && bh_final(&b, &bh) &&
	    zs_0(&bh) && sign_all(keys, p, hlen, bh.s, now, out);
	bh_free(&b);
	zs_free(&bh);
	return ok;
}

int
dkim_sign_file(const struct dkim_keys *keys, int fd, off_t off,
    long long now, struct zs *out)
{
	struct zs h = ZS_INIT, bh = ZS_INIT;
	struct bodyhash b;
	size_t hlen = 0, body = 0;
	bool eof = false;
	int ok = 0;

	if (keys->n == 0)
		return 1;
	/* The header section, whole, in memory. */
	while (!header_end(h.s, h.len, eof, &hlen, &body)) {
		ssize_t r;

		if (h.len > DKIM_HEADER_MAX) {
			zs_free(&h);
			return 1;
		}
		if (!zs_readyplus(&h, DKIM_PIECE))
			goto out;
		r = buf_pread_all(fd, h.s + h.len, DKIM_PIECE,
		    off + (off_t)h.len);
		if (r == -1)
			goto out;
		h.len += (size_t)r;
		eof = r < DKIM_PIECE;
	}
	if (hlen > DKIM_HEADER_MAX) {
		zs_free(&h);
		return 1;
	}
	if (!bh_init(&b))
		goto out;
	/* The body: what was read with the header, then the rest in pieces. */
	ok = bh_feed(&b, h.s + body, h.len - body, false);
	off += (off_t)h.len;
	while (ok && !eof) {
		char piece[DKIM_PIECE];
		ssize_t r = buf_pread_all(fd, piece, sizeof piece, off);

		if (r == -1) {
			ok = 0;
			break;
		}
		off += r;
		eof = r < (ssize_t)sizeof piece;
		ok = bh_feed(&b, piece, (size_t)r, false);
	}
	ok = ok && bh_feed(&b, "", 0, true) && bh_final(&b, &bh) &&
	    zs_0(&bh) && sign_all(keys, h.s, hlen, bh.s, now, out);
	bh_free(&b);
out:
	zs_free(&h);
	zs_free(&bh);
	return ok;
}

/* Append "NAME line N: " and the pieces to err; returns -1. */
static int
parse_err(struct zs *err, const char *name, size_t line, const char *a,
    const char *b, const char *c)
{
	err->len = 0;
	if (!zs_cats(err, name) || !zs_cats(err, " line ") ||
	    !zs_catulong(err, line) || !zs_cats(err, ": ") ||
	    !zs_cats(err, a) || !zs_cats(err, b) || !zs_cats(err, c))
		err->len = 0;
	(void)zs_0(err);
	errno = EINVAL;
	return -1;
}

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

static int
no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

/* Read the key file path into k->pkey; a reason in *why when it fails. */
static int
load_key(struct dkim_key *k, const char *file, const char *path,
    const char **why)
{
	struct zs text = ZS_INIT;
	BIO *bio = NULL;
	int fd, r, id;

	/* The rule of every control file that holds secrets. */
	r = secrets_private(file);
	if (r != 1) {
		*why = r == 0 ? "no such file" : errno == EPERM ?
		    "the group or others may access it: chmod 600 it" :
		    strerror(errno);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		*why = strerror(errno);
		return 0;
	}
	if (!buf_read_zs(fd, &text, DKIM_KEY_MAX))
		*why = errno == EFBIG ? "too large for a key" : strerror(errno);
	close(fd);
	if (*why == NULL) {
		bio = BIO_new_mem_buf(text.s, (int)text.len);
		k->pkey = bio == NULL ? NULL :
		    PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		if (k->pkey == NULL)
			*why = "not a PEM private key without a passphrase";
	}
	BIO_free(bio);
	memset(text.s, 0, text.cap);
	zs_free(&text);
	if (*why != NULL)
		return 0;
	id = EVP_PKEY_get_id(k->pkey);
	if (id == EVP_PKEY_RSA && EVP_PKEY_get_bits(k->pkey) < DKIM_RSA_MIN_BITS)
		*why = "an RSA key of fewer than 1024 bits";
	else if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519)
		*why = "neither an RSA nor an Ed25519 key";
	return *why == NULL;
}

int
dkim_keys_parse(struct dkim_keys *keys, const char *p, size_t n,
    const char *name, struct zs *err)
{
	size_t off = 0, line = 0;

	memset(keys, 0, sizeof *keys);
	while (off < n) {
		const char *word[5], *why = NULL;
		size_t wl[5], nw = 0, len, eol, i;
		struct dkim_key *k;
		struct zs path = ZS_INIT;
		const char *s;
		char *file;
		int ok;

		len = line_at(p + off, n - off, &eol);
		s = p + off;
		off += len + eol;
		line++;
		/* Fields split at blanks; '#' starts a comment line. */
		for (i = 0; i < len && nw < 5;) {
			while (i < len && is_wsp(s[i]))
				i++;
			if (i == len)
				break;
			word[nw] = s + i;
			while (i < len && !is_wsp(s[i]))
				i++;
			wl[nw] = (size_t)(s + i - word[nw]);
			nw++;
		}
		if (nw == 0 || word[0][0] == '#')
			continue;
		if (nw < 3 || nw > 4)
			return dkim_keys_free(keys), parse_err(err, name, line,
			    "want DOMAIN SELECTOR KEYFILE [rsa|ed25519]", "", "");
		if (!name_ok(word[0], wl[0]) || memchr(word[0], '_', wl[0]))
			return dkim_keys_free(keys), parse_err(err, name, line,
			    "not a domain name", "", "");
		if (!name_ok(word[1], wl[1]))
			return dkim_keys_free(keys), parse_err(err, name, line,
			    "not a selector", "", "");
		if (!grow(&keys->k, &keys->cap, keys->n + 1))
			goto fail;
		k = &keys->k[keys->n++];
		memset(k, 0, sizeof *k);
		k->domain = strndup(word[0], wl[0]);
		k->selector = strndup(word[1], wl[1]);
		if (k->domain == NULL || k->selector == NULL)
			goto fail;
		for (i = 0; k->domain[i] != '\0'; i++)
			if (k->domain[i] >= 'A' && k->domain[i] <= 'Z')
				k->domain[i] = (char)(k->domain[i] - 'A' + 'a');
		if (word[2][0] != '/' && (!zs_cats(&path, control_dir()) ||
		    !zs_catc(&path, '/')))
			goto fail;
		if (!zs_catb(&path, word[2], wl[2]) || !zs_0(&path))
			goto fail;
		file = strndup(word[2], wl[2]);
		if (file == NULL)
			goto fail;
		ok = load_key(k, file, path.s, &why);
		free(file);
		if (!ok) {
			parse_err(err, name, line, "key file ", path.s, ": ");
			if (!zs_cats(err, why) || !zs_0(err))
				err->len = 0;
			zs_free(&path);
			dkim_keys_free(keys);
			errno = EINVAL;
			return -1;
		}
		k->alg = EVP_PKEY_get_id(k->pkey) == EVP_PKEY_ED25519 ?
		    DKIM_ED25519_SHA256 : DKIM_RSA_SHA256;
		if (nw == 4) {
			bool rsa = wl[3] == 3 && memcmp(word[3], "rsa", 3) == 0;
			bool ed = wl[3] == 7 && memcmp(word[3], "ed25519", 7) == 0;

			if (!rsa && !ed) {
				zs_free(&path);
				return dkim_keys_free(keys), parse_err(err, name,
				    line, "unknown algorithm (rsa or ed25519)",
				    "", "");
			}
			if (rsa != (k->alg == DKIM_RSA_SHA256)) {
				parse_err(err, name, line, "key file ", path.s,
				    rsa ? " is not an RSA key" :
				    " is not an Ed25519 key");
				zs_free(&path);
				dkim_keys_free(keys);
				errno = EINVAL;
				return -1;
			}
		}
		zs_free(&path);
		continue;
fail:
		zs_free(&path);
		dkim_keys_free(keys);
		err->len = 0;
		if (zs_cats(err, name) && zs_cats(err, ": ") &&
		    zs_cats(err, strerror(ENOMEM)))
			(void)zs_0(err);
		errno = ENOMEM;
		return -1;
	}
	return 1;
}

int
dkim_keys_load(struct dkim_keys *keys, struct zs *err)
{
	struct zs text = ZS_INIT, name = ZS_INIT;
	int r;

	memset(keys, 0, sizeof *keys);
	r = control_readfile(DKIM_FILE, &text);
	if (!zs_cats(&name, control_dir()) || !zs_cats(&name, "/" DKIM_FILE) ||
	    !zs_0(&name))
		r = -1;
	if (r == -1) {
		err->len = 0;
		if (zs_cats(err, name.s != NULL ? name.s : DKIM_FILE) &&
		    zs_cats(err, ": ") && zs_cats(err, strerror(errno)))
			(void)zs_0(err);
	} else if (r == 1)
		r = dkim_keys_parse(keys, text.s, text.len, name.s, err);
	zs_free(&text);
	zs_free(&name);
	return r;
}

void
dkim_keys_free(struct dkim_keys *keys)
{
	size_t i;

	for (i = 0; i < keys->n; i++) {
		free(keys->k[i].domain);
		free(keys->k[i].selector);
		EVP_PKEY_free(keys->k[i].pkey);
	}
	free(keys->k);
	memset(keys, 0, sizeof *keys);
}
