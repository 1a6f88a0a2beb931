#!/bin/sh
# zr-qstat's summary on a large queue costs name lookups in directories of
# a million entries (the kernel's dentry hash): per deferred message it
# looks up its state file and its message file once each, and reads the
# state file without clearing O_NONBLOCK. Counted with strace on a small queue; the
# output is that of an id-sorted walk (hosts in the order of their first
# message). Once the state files say the priority, the recipient count and
# the size (prio, rcpts, size: zr-queue(5)), the message files are not
# looked up at all, and the output is the same to the byte.
. "${0%/*}/../lib/harness.sh"
plan 9
zr_setup
command -v strace >/dev/null || { echo "Bail out! strace missing"; exit 1; }

n=40
i=0
while [ "$i" -lt "$n" ]; do
	# Ids sort by time, the host of message i is h(i % 8): a walk in the
	# directory's (hash) order would meet the eight in another order.
	id=$(printf '17000000%02d.000000.%016x' "$i" "$i")
	printf 'zr-envelope 1\nid %s\narrival 17000000%02d\npriority high\nsender <s@x.test>\nrcpt <r@x.test>\ndata\nSubject: x\n\nx\n' \
		"$id" "$i" >"${ZR_QUEUE:?}/deferred/$id"
	printf 'zr-state 1\nattempts 2\nnext 1900000000\nlast 1800000000\nrcpt 0 deferred 2 h%d.test:25 451 4.3.0 later\n' \
		$((i % 8)) >"${ZR_QUEUE:?}/state/$id"
	i=$((i + 1))
done
mkdir "$T/tr"
[ "$(id -u)" = 0 ] && chown -R "$ZR_TEST_USER:$ZR_TEST_GROUP" "${ZR_QUEUE:?}" "$T/tr"

# LeakSanitizer cannot run under ptrace: the plain run below checks leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	as_user strace -f -o "$T/tr/trace" \
	-e trace=openat,newfstatat,fstat,stat,lstat,fcntl \
	zr-qstat >"$T/out" 2>"$T/err"
is "$?" 0 'zr-qstat runs under strace'
as_user zr-qstat >"$T/plain" 2>"$T/err2"
ok 'and alike without it' cmp -s "$T/out" "$T/plain"
# Lookups of a message's name: openat or a stat with the id in its path.
looks=$(grep -E '^[0-9]+ +(openat|newfstatat|stat|lstat)\(.*"17000000[0-9]{2}\.' "$T/tr/trace" | wc -l | tr -d ' ')
is "$looks" $((2 * n)) 'two name lookups per deferred message (state file, message)'
# The message file's descriptor blocks again (it is one that may be handed
# on); the state file's, read and closed inside lib/queue.c, need not.
setfl=$(grep -c 'F_SETFL' "$T/tr/trace")
ok "one fcntl F_SETFL per message, not two ($setfl)" test "$setfl" -le "$n"
like "$(cat "$T/out")" "by priority +urgent=0 high=$n normal=0 low=0" \
	'the envelopes are still read for the priority'
hosts=$(sed -n '/^by host/,/^[^ ]/p' "$T/out" | grep '^  h' | awk '{print $1}' | tr '\n' ' ')
is "$hosts" 'h0.test:25 h1.test:25 h2.test:25 h3.test:25 h4.test:25 h5.test:25 h6.test:25 h7.test:25 ' \
	'hosts in the order of their first message, as an id-sorted walk'

# The same queue, its state files as zr-send now writes them.
for f in "${ZR_QUEUE:?}"/deferred/17000000*; do
	id=${f##*/}
	sed -i "/^last /a prio high\\nrcpts 1\\nsize $(stat -c %s "$f")" \
		"${ZR_QUEUE:?}/state/$id"
done
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	as_user strace -f -o "$T/tr/trace2" \
	-e trace=openat,newfstatat,fstat,stat,lstat,fcntl \
	zr-qstat >"$T/out2" 2>"$T/err3"
is "$?" 0 'zr-qstat runs under strace on the new state files'
looks=$(grep -E '^[0-9]+ +(openat|newfstatat|stat|lstat)\(.*"17000000[0-9]{2}\.' "$T/tr/trace2" | wc -l | tr -d ' ')
is "$looks" "$n" 'one name lookup per deferred message when its state file says all (the state file)'
ok 'the output is the same to the byte' cmp "$T/out" "$T/out2"
