#!/bin/sh
# SPDX-License-Identifier: MIT
# zr-smtpd is exec'ed once per connection, so what runs before main()
# counts: it is a static PIE (no dynamic loader, addresses still
# randomised) and, where musl-gcc is installed, it is built against musl,
# whose start-up does not probe the CPU's caches with CPUID as glibc's
# does (hundreds of traps to the hypervisor per exec on a virtual
# machine). The sanitizer build stays dynamic and glibc.
. "${0%/*}/../lib/harness.sh"
plan 3
zr_setup
bin=$ZR_BIN/zr-smtpd
if nm "$bin" 2>/dev/null | grep -q __asan_init; then
	skip "sanitizer build: dynamic by design"
	skip "sanitizer build: dynamic by design"
	skip "sanitizer build: glibc by design"
else
	ok "zr-smtpd is position-independent" \
		sh -c "readelf -h '$bin' | grep -q 'Type: *DYN'"
	ok "zr-smtpd needs no dynamic loader" \
		sh -c "! readelf -lW '$bin' | grep -q INTERP"
	if command -v musl-gcc >/dev/null 2>&1; then
		# glibc's x86 start-up: init_cacheinfo -> handle_intel ->
		# intel_check_word, each a loop of CPUID.
		ok "zr-smtpd carries no glibc CPUID cache probe" \
			sh -c "! nm '$bin' | grep -Eq ' (handle_intel|intel_check_word|init_cacheinfo)'"
	else
		skip "musl-gcc is not installed"
	fi
fi
done_testing
