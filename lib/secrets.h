/* SPDX-License-Identifier: MIT */
/*
 * secrets: credentials for smart hosts, from control/smarthost-secrets, and
 * the check that a control file holding secrets is private.
 *
 * Lines "NAME user password", the password running to the end of the line
 * (it may hold blanks). The file must be readable by its owner only: one
 * that the group or others may read is refused (EPERM), so that a mistake
 * in its mode shows at once instead of leaking. A "password" of the form
 * "oauth2 PROGRAM [ARGS]" names an OAuth2 token program instead (zr-remote's
 * oauth.h reads it); this module returns it as any password.
 */
#ifndef ZR_SECRETS_H
#define ZR_SECRETS_H

#include "zs.h"

/*
 * Find NAME's credentials: 1 with user and pass set (NUL-terminated), 0
 * when the file or the name is missing, -1 on error (EPERM for a file
 * others can read).
 */
int secrets_find(const char *name, struct zs *user, struct zs *pass);
/*
 * Whether control/FILE (FILE itself when it starts with '/', as the key
 * files that control/dkim names may) is kept from the group and others: 1 when it is,
 * 0 when it is missing, -1 on error (EPERM when they may access it). Every
 * control file that holds secrets is checked this way before it is read.
 */
int secrets_private(const char *file);

#endif
