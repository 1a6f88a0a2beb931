/* SPDX-License-Identifier: MIT */
/*
 * control: the control directory, one setting per file (qmail style).
 *
 * The directory is $ZR_CONTROL, else /etc/zr. Lines starting with '#' and
 * blank lines are ignored; surrounding white space is trimmed. A missing
 * file means "use the default": functions return 0 for it, 1 when the file
 * gave a value, and -1 (errno set; EINVAL for a malformed value) otherwise.
 */
#ifndef ZR_CONTROL_H
#define ZR_CONTROL_H

#include "zs.h"

#define CONTROL_DIR_DEFAULT "/etc/zr"

/* The control directory in use. */
const char *control_dir(void);
/* The first meaningful line of the file, NUL-terminated in out. */
int control_readline(const char *name, struct zs *out);
/* Every meaningful line, each followed by a NUL; *count set to their number. */
int control_readlines(const char *name, struct zs *out, size_t *count);
/*
 * A rule file's reader: calls line(arg, i, s) for each of the count lines
 * (as control_readlines left them) in order, and stops at the first for
 * which it returns 0 (malformed: errno EINVAL) or -1 (ENOMEM), with *bad
 * that line's number, from 1. Returns 1 when every line was taken, else 0.
 */
int control_each_line(const char *lines, size_t count,
    int (*line)(void *arg, size_t i, const char *s), void *arg, size_t *bad);
/*
 * Where a rule file failed, for its reader's caller: "NAME" and, when bad
 * is not 0, "WORD" and bad ("shaping: bad line 3"), in err as a string;
 * errno is kept. err is left empty when there is no memory.
 */
void control_where(struct zs *err, const char *name, const char *word,
    size_t bad);
/* A non-negative decimal number; *u keeps def when the file is missing. */
int control_readulong(const char *name, unsigned long long *u,
    unsigned long long def);
/* The file's whole contents, bytes as they are (for a message template). */
int control_readfile(const char *name, struct zs *out);

#endif
