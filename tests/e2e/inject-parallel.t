#!/bin/sh
# 8 injectors at once, 500 messages each: every message lands, ids unique.
. "${0%/*}/../lib/harness.sh"
plan 4
zr_setup

per=500
mkdir "$T/ids" && chmod 777 "$T/ids"
for w in 1 2 3 4 5 6 7 8; do
	bg as_user sh -c '
		i=0
		while [ $i -lt '"$per"' ]; do
			printf "Subject: %s-%s\n\nbody\n" '"$w"' $i |
				zr-inject -v w'"$w"'@x.test || exit 1
			i=$((i + 1))
		done >"'"$T"'/ids/'"$w"'"'
	eval "p$w=\$BG_PID"
done
failed=0
for w in 1 2 3 4 5 6 7 8; do
	eval "wait \$p$w" || failed=$((failed + 1))
done
_bg_pids=
is "$failed" 0 'every injector finished without error'
is "$(qcount todo/normal)" 4000 '4000 messages are in todo/normal'
is "$(cat "$T"/ids/* | sort -u | wc -l | tr -d ' ')" 4000 'the 4000 ids printed are unique'
as_user zr-qstat --check >"$T/check" 2>&1
is "$?" 0 'the queue passes zr-qstat --check'
done_testing
