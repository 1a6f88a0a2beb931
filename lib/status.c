/* SPDX-License-Identifier: MIT */
#include "die.h"
#include "status.h"

int
zr_status_exit(enum zr_status s)
{
	return s == ZR_OK ? EXIT_OK : s == ZR_PERM ? EXIT_PERM : EXIT_TEMP;
}

enum zr_status
zr_status_of_reply(int code)
{
	/* A 1xx or 3xx where a verdict was due is no verdict: try again. */
	return code / 100 == 2 ? ZR_OK : code / 100 == 5 ? ZR_PERM : ZR_TEMP;
}
