/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <sys/time.h>

#include "clock.h"

long long
clock_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
