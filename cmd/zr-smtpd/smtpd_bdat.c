/* SPDX-License-Identifier: MIT */
#include <strings.h>

#include "scan.h"
#include "smtpd_bdat.h"

/* RFC 3030 2: chunk-size is 1*DIGIT; "LAST" in any case (RFC 5321 2.4). */
int
smtpd_bdat_parse(const char *arg, size_t n, unsigned long long *size,
    bool *last)
{
	size_t k;

	if (n < 2 || arg[0] != ' ')
		return 0;
	k = scan_ulongb(arg + 1, n - 1, size);
	if (k == 0)
		return 0;
	k++;
	*last = false;
	if (k == n)
		return 1;
	if (n - k == 5 && arg[k] == ' ' &&
	    strncasecmp(arg + k + 1, "LAST", 4) == 0) {
		*last = true;
		return 1;
	}
	return 0;
}
