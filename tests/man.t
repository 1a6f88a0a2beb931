#!/bin/sh
# The man pages stay in step with the code: lint clean, a page for every
# program, and every control file the code reads documented.
. "${0%/*}/lib/harness.sh"
cd "$ZR_ROOT" || exit 1
progs=$(ls cmd)
controls=$(grep -ohE 'control_read(line|lines|ulong|file)\("[a-z0-9_-]+"' lib/*.c cmd/*/*.c | sed 's/.*("//; s/"$//' | sort -u)
plan $((1 + $(echo "$progs" | wc -w) + $(echo "$controls" | wc -w)))
lint=$(mandoc -T lint -W warning man/*.[1-8] 2>&1)
is "$lint" '' 'mandoc -T lint is clean'
for p in $progs; do
	ok "$p has a man page" sh -c "ls man/$p.[1-8]"
done
for c in $controls; do
	ok "control/$c is documented" grep -qE "^\\.It Pa (control/)?$c( |\$)" man/zr-control.5
done
done_testing
