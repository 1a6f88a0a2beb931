/* SPDX-License-Identifier: MIT */
/*
 * dkimtool: zr-dkim's two jobs.
 *
 *  - keygen: a new private key (RSA 2048 or Ed25519) in a PEM file of mode
 *    0600, and on standard output the DNS TXT record to publish and the
 *    line for control/dkim.
 *  - sign: standard input is a message file being written in the queue's
 *    tmp/ (open for reading and writing); its content is signed with the
 *    keys of control/dkim and the DKIM-Signature fields are put at the
 *    top of the content, in place. The writers run it through
 *    lib/dkimsign before they commit the file.
 *
 * dkimtool_run returns an EXIT_* code: EXIT_OK (signed, or nothing to
 * sign), EXIT_PERM for bad usage, EXIT_TEMP for anything that keeps a
 * message from being signed as configured.
 */
#ifndef ZR_DKIMTOOL_H
#define ZR_DKIMTOOL_H

#include <sys/types.h>

#include "zs.h"

enum dkimtool_cmd { DKIMTOOL_KEYGEN, DKIMTOOL_SIGN };

struct dkimtool_conf {
	enum dkimtool_cmd cmd;
	const char *dir;	/* -d: where keygen writes the key */
	const char *domain;
	const char *selector;
	int ed25519;		/* keygen ... ed25519 */
};

int dkimtool_args(struct dkimtool_conf *, int argc, char **argv);
int dkimtool_run(const struct dkimtool_conf *);

/*
 * Insert n bytes at offset off of the file fd, moving what follows (read
 * and written with pread/pwrite, from the end backwards). 1, or 0.
 */
int dkimtool_insert(int fd, off_t off, const char *p, size_t n);
/* The TXT record's text for the public half of a key, split at 255. */
int dkimtool_txt(const char *domain, const char *selector, int ed25519,
    const unsigned char *pub, size_t n, struct zs *out);

#define DKIMTOOL_USAGE "zr-dkim keygen [-d dir] domain selector " \
	"[rsa|ed25519] | zr-dkim sign"

#endif
