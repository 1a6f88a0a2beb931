#!/bin/sh
# Every fuzz harness replays its corpus (under the sanitizers in check-san).
. "${0%/*}/../lib/harness.sh"
set -- "$ZR_ROOT"/tests/fuzz/corpus/*/
plan $#
for dir in "$@"; do
	name=$(basename "$dir")
	ok "fuzz corpus of $name replays cleanly" "$ZR_BUILD/tests/fuzz/$name" "$dir"
done
done_testing
