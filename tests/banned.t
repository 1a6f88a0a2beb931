#!/bin/sh
# Functions the house style bans appear nowhere in the product.
# (Variable-length arrays are refused by the compiler: -Wvla -Werror.)
. "${0%/*}/lib/harness.sh"
banned='strcpy strcat sprintf vsprintf gets strncpy strtok atoi atol system popen alloca'
set -- $banned
plan $#
for f in "$@"; do
	hits=$(grep -nE "(^|[^_a-zA-Z0-9.>])$f[[:space:]]*\(" "$ZR_ROOT"/lib/*.[ch] "$ZR_ROOT"/cmd/*/*.[ch] 2>/dev/null)
	is "$hits" '' "no $f()"
done
done_testing
