#!/bin/sh
# The man pages stay in step with the code: lint clean, a page for every
# program, listed in zr(7), and every control file the code reads documented. A file read in
# lib/ belongs in zr-control(5); one that a single program reads may be
# documented in that program's page instead (its FILES list).
. "${0%/*}/lib/harness.sh"
cd "$ZR_ROOT" || exit 1
progs=$(ls cmd)
pat='control_read(line|lines|ulong|file)\("[a-z0-9_-]+"'
controls=$(grep -ohE "$pat" lib/*.c cmd/*/*.c | sed 's/.*("//; s/"$//' | sort -u)
plan $((1 + 2 * $(echo "$progs" | wc -w) + $(echo "$controls" | wc -w)))
lint=$(mandoc -T lint -W warning man/*.[1-8] 2>&1)
is "$lint" '' 'mandoc -T lint is clean'
for p in $progs; do
	ok "$p has a man page" sh -c "ls man/$p.[1-8]"
	ok "zr(7) lists $p" grep -qE "^\\.It Xr $p [1-8]\$" man/zr.7
done
# pages NAME: zr-control.5, plus, unless lib/ reads control/NAME, the
# page of each program whose own code reads it.
pages() {
	echo man/zr-control.5
	grep -qE "control_read(line|lines|ulong|file)\\(\"$1\"" lib/*.c && return
	grep -lE "control_read(line|lines|ulong|file)\\(\"$1\"" cmd/*/*.c |
		sed 's|^cmd/\([^/]*\)/.*|\1|' | sort -u |
		while read -r p; do ls man/"$p".[1-8]; done
}
for c in $controls; do
	ok "control/$c is documented" grep -qE "^\\.It Pa (control/)?$c( |\$)" \
		$(pages "$c")
done
done_testing
