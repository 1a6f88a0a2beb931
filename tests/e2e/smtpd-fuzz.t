#!/bin/bash
# SPDX-License-Identifier: MIT
# zr-smtpd: replay the fuzz corpus through the session harness (under the
# sanitizers in the second pass of make check).
. "${0%/*}/../lib/harness.sh"
plan 1
h=$ZR_BUILD/tests/fuzz/smtpd_session
[ -x "$h" ] || make -C "$ZR_ROOT" -s "${ZR_BUILD#$ZR_ROOT/}/tests/fuzz/smtpd_session" >/dev/null
if "$h" "$ZR_ROOT/tests/fuzz/corpus/smtpd_session" >"$T/out" 2>"$T/err"; then
	_result 0 'corpus replayed without a crash'
else
	_result 1 'corpus replayed without a crash'
	grep -v ' info: ' "$T/err" | head -n 40 | sed 's/^/#   /'
fi
done_testing
