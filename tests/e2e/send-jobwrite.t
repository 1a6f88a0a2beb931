#!/bin/bash
# SPDX-License-Identifier: MIT
# Writing a job to a deliverer never holds up the loop: a job larger than
# a pipe holds (1,000 long recipients, about 80 KB) goes to a deliverer
# that does not read it until the test lets it, and a message queued
# meanwhile is delivered by another deliverer within 1 s all the same.
# Then the big job is delivered whole.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
plan 3
zr_setup

sink_start
control domainroutes "hub.test 127.0.0.1:$SINK_PORT"
control retrybase 600
chmod 644 "${ZR_CONTROL:?}"/*
# The first deliverer started holds its job unread until the test lets
# it go through the FIFO (30 s at most).
mkdir -m 777 "$T/marks"
mkfifo -m 666 "$T/marks/go"
cat >"$T/remote" <<EOS
#!/bin/sh
if mkdir '$T/marks/held' 2>/dev/null; then
	timeout 30 sh -c 'read x <"\$1"' sh '$T/marks/go'
fi
exec '${ZR_BIN:?}/zr-remote' "\$@"
EOS
chmod 755 "$T/remote"

pad=$(printf 'x%.0s' $(seq 1 55))
rcpts=$(for i in $(seq 1 1000); do echo "r$i$pad@hub.test"; done)
# shellcheck disable=SC2086
inj -f alice@relay.test $rcpts
send_start -r "$T/remote"
log_has 20 'starting delivery [0-9]+: msg [0-9]+ to remote r1000x'
time_delivery small@hub.test
timeout 10 sh -c 'echo go >"$1"' sh "$T/marks/go"
ok 'a message queued while a big job waits for its deliverer goes within 1 s' \
	test "$MS" -lt 1000
ok 'the big job is delivered in the end' \
	log_has 30 'success: .*rcpt=<r1000x+@hub.test>'
is "$(log_count 'success: .*rcpt=<r[0-9]+x+@hub.test>')" 1000 \
	'every one of its recipients'
send_stop
done_testing
