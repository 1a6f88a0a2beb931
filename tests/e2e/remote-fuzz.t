#!/bin/sh
# SPDX-License-Identifier: MIT
# The reply parser's fuzz corpus, replayed (under the sanitizers in the
# second pass of make check).
. "${0%/*}/../lib/harness.sh"
plan 1
ok 'the remote_reply corpus replays without a fault' \
	"$ZR_BUILD/tests/fuzz/remote_reply" "$ZR_ROOT/tests/fuzz/corpus/remote_reply"
done_testing
