/* SPDX-License-Identifier: MIT */
/*
 * authcheck: is this the password of that user? For SMTP AUTH on the
 * server side, from one of two sources:
 *
 *  - control/checkpassword: a checkpassword-compatible program (qmail's
 *    convention): it reads "user NUL password NUL timestamp NUL" on
 *    descriptor 3 and exits 0 for yes, 1 for no, 111 for a temporary
 *    failure. The first line of the file is the program and its
 *    arguments, split at blanks; zr passes "true" as the program to run
 *    after success.
 *  - control/passwords: lines "user:hash" made by zr-passwd, checked by
 *    running "zr-passwd -c" (beside this program, or from $PATH) as such
 *    a program. The file must be private to its owner (mode 600): one
 *    the group or others may read is not used (-1, EPERM).
 *
 * Returns 1 (yes), 0 (no) or -1 (cannot tell now; errno set).
 */
#ifndef ZR_AUTHCHECK_H
#define ZR_AUTHCHECK_H

/* Whether any source of credentials is configured: 1, 0, or -1. */
int authcheck_configured(void);
int authcheck(const char *user, const char *pass);

#endif
