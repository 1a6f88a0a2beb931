#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/bench-shaping runs, zr only and short: 60 messages to its
# receiver that refuses with 421 past 30 messages in any second, first with
# control/shaping msgrate=20/1s (all 60 taken, no 421), then with no
# shaping (421s seen: the receiver does limit, so the first zero means
# something). The achieved rate is printed, never asserted. The shaped run
# stays a third under the limit: at the limit itself a stall of the host
# bunches arrivals into a 421 now and then (INSTALL, "Sending to the big
# providers"), and a test must not fail on a busy machine.
. "${0%/*}/../lib/harness.sh"
command -v python3 >/dev/null || skip_all 'no python3'
plan 6

# bench ARGS...: the script's output in $T/out, its status in $rc; the
# work directory under $T.
bench() {
	rc=0
	TMPDIR=$T python3 "$ZR_ROOT/scripts/bench-shaping" --zr-only \
		--messages 60 --rate 30 "$@" >"$T/out" 2>&1 || rc=$?
	sed 's/^/# /' "$T/out"
}
# row: the zr row's messages, 421s and deferred columns.
row() { awk '$1 == "zr" && $3 ~ /\// { print $3, $7, $8 }' "$T/out"; }

bench --msgrate 20 --deadline 30
is "$rc" 0 'shaped run exits 0'
like "$(head -n 2 "$T/out" | tail -n 1)" \
	'^system +setting +messages +seconds +msg/s +% limit +421s +deferred$' \
	'the table has its header'
like "$(grep '^zr ' "$T/out")" '^zr +msgrate=20/1s ' \
	'the zr row names its setting'
is "$(row)" '60/60 0 0' 'msgrate=20/1s: all 60 taken, no 421, none deferred'

# Unshaped: zr goes as fast as it can and meets the limit. The deadline
# ends the run: the refused messages wait for their retry.
bench --msgrate 0 --deadline 3
is "$rc" 0 'unshaped run exits 0'
like "$(row)" '^[0-9]+/60 [1-9][0-9]* [1-9][0-9]*$' \
	'no shaping: 421s seen, their messages deferred'
done_testing
