#!/bin/sh
# SPDX-License-Identifier: MIT
# INSTALL, line by line: every command of its code blocks (and a few it
# gives inline) is taken from INSTALL as written, its paths moved under a
# temporary root, its users replaced by the test user, and run there; what
# it promises is then checked. A command that needs a running systemd or
# a change to this machine's /etc (users, cron, a supervisor) is skipped
# with the reason. A command line INSTALL gains that this walk does not
# know makes the first test fail, so that INSTALL stays walked.
. "${0%/*}/../lib/harness.sh"
. "${0%/*}/send-common.sh"
[ "$(id -u)" = 0 ] || skip_all 'the walk needs root: setup-server, chown, chgrp'
plan 42
R=$T/root
INSTALL=$ZR_ROOT/INSTALL
U=$ZR_TEST_USER
G=$ZR_TEST_GROUP
mkdir -p "${R:?}"

# walk TEXT: TEXT must be one of INSTALL's lines (blanks around it aside);
# it is recorded as walked and printed with its paths and users moved.
walk() {
	if ! grep -qF -- "$1" "$INSTALL"; then
		echo "not in INSTALL: $1" >>"$T/unknown"
	fi
	printf '%s\n' "$1" >>"$T/walked"
	# @R@ first, the root last: the root's own path may hold /var/.
	printf '%s\n' "$1" | sed \
		-e "s|/usr/local|@R@/usr/local|g" \
		-e "s|/usr/sbin/sendmail|@R@/usr/sbin/sendmail|g" \
		-e "s|/usr/bin/|@R@/usr/bin/|g" \
		-e "s|/etc/|@R@/etc/|g" \
		-e "s|/var/|@R@/var/|g" \
		-e "s/\\<zr[sd]\\>/$U/g; s/\\<zrlog\\>/$U/g" \
		-e "s/^chgrp zr /chgrp $G /" \
		-e "s|@R@|$R|g"
}
# run TEXT: walk it, and run it in $T/cwd with the installed programs
# first on PATH and the queue and control files of the temporary root.
run() {
	_c=$(walk "$1")
	(cd "$T/cwd" && env PATH="$R/usr/local/sbin:$PATH" \
		ZR_QUEUE="$R/var/spool/zr" ZR_CONTROL="$R/etc/zr" \
		password=secret sh -c "$_c") >>"$T/run.out" 2>&1
}
# skipped TEXT REASON: walked, not run.
skipped() {
	walk "$1" >/dev/null
	skip "$1: $2"
}
mkdir -p "$T/cwd"

# 1. Packages: Debian knows them (they are not installed from here).
walk 'apt-get install build-essential pkg-config libssl-dev ucspi-tcp' >/dev/null
walk 'apt-get install daemontools      # or: apt-get install runit' >/dev/null
if apt-cache show ucspi-tcp >/dev/null 2>&1; then
	missing=
	for p in build-essential pkg-config libssl-dev ucspi-tcp daemontools \
	    runit prometheus-node-exporter; do
		apt-cache show "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	is "$missing" '' 'step 1: every package INSTALL names is a Debian package'
else
	skip 'step 1: no apt package lists here to look the packages up in'
fi

# 2. Build and install.
walk 'make' >/dev/null
walk 'make install PREFIX=/usr/local' >/dev/null
make -s -C "$ZR_ROOT" O="$ZR_BUILD" B="$ZR_BIN" ${ZR_SAN:+SAN=1} >"$T/make.out" 2>&1 &&
make -s -C "$ZR_ROOT" install DESTDIR="$R" PREFIX=/usr/local \
	O="$ZR_BUILD" B="$ZR_BIN" ${ZR_SAN:+SAN=1} >>"$T/make.out" 2>&1
is "$?" 0 'step 2: make, make install PREFIX=/usr/local (with DESTDIR)'
ok 'programs in $PREFIX/sbin, man pages, mkqueue and oauth2-token' sh -c "
	test -x '$R/usr/local/sbin/zr-send' &&
	test -f '$R/usr/local/share/man/man8/zr-send.8' &&
	test -f '$R/usr/local/share/man/man5/zr-control.5' &&
	test -x '$R/usr/local/share/zr/mkqueue' &&
	test -x '$R/usr/local/share/zr/oauth2-token'"

like "$(ldd "$R/usr/local/sbin/zr-smtpd-tls" 2>&1)" 'libssl\.so' \
	"zr-smtpd-tls uses the system's OpenSSL"

# 3. Users, queue, control files. The users are the test user here:
# adding users would change this machine's /etc/passwd.
walk 'scripts/setup-server /usr/local' >/dev/null
mkdir -p "$T/fake"
printf '#!/bin/sh\necho mail.example.test\n' >"$T/fake/hostname"
chmod 755 "$T/fake/hostname"
setup() {
	(cd "$ZR_ROOT" && PATH=$T/fake:$PATH ZR_SETUP_ROOT=$R \
		ZR_USER_SMTPD=$U ZR_USER_SEND=$U ZR_USER_LOG=$U ZR_GROUP=$G \
		scripts/setup-server /usr/local) >"$T/setup.out" 2>&1
}
setup
is "$?" 0 'step 3: scripts/setup-server /usr/local'
# setup-server's choice: daemontools if svscan is there, else runit if
# runsvdir is, else daemontools.
sup=daemontools logger=multilog
if ! command -v svscan >/dev/null && command -v runsvdir >/dev/null; then
	sup=runit logger=svlogd
fi
ok "what step 3 says it makes: queue, mail root, control files, $sup services" \
	sh -c "
	set -e
	test -p '$R/var/spool/zr/lock/trigger'
	test \"\$(stat -c %U '$R/var/spool/zr')\" = '$U'
	test -d '$R/var/spool/zr-mail'
	test \"\$(cat '$R/etc/zr/me')\" = mail.example.test
	grep -qx '127.0.0.0/8' '$R/etc/zr/relaynets'
	grep -qx '::1/128' '$R/etc/zr/relaynets'
	for f in localdomains relaydomains smarthosts; do
		! grep -v '^#' '$R/etc/zr/'\$f | grep -q .
	done
	test \"\$(stat -c %a '$R/etc/zr/smarthost-secrets')\" = 600
	for s in zr-smtpd zr-send; do
		test -x '$R/etc/sv/'\$s/run
		test -x '$R/etc/sv/'\$s/log/run
		test \"\$(stat -c %U '$R/etc/sv/'\$s/log/main)\" = '$U'
	done
	grep -q $logger '$R/etc/sv/zr-send/log/run'"

# 4. Local submission.
run 'chgrp zr /usr/local/sbin/zr-inject && chmod 2755 /usr/local/sbin/zr-inject'
mkdir -p "$R/usr/sbin" "$R/usr/bin"
run 'ln -sf /usr/local/sbin/zr-inject /usr/sbin/sendmail'
run 'ln -sf /usr/local/sbin/zr-inject /usr/bin/mailq'
run 'ln -sf /usr/local/sbin/zr-inject /usr/bin/newaliases'
is "$(stat -c '%a %G' "$R/usr/local/sbin/zr-inject")" "2755 $G" \
	'step 4: zr-inject set-group-id to the queue group'
ok 'sendmail, mailq and newaliases are zr-inject' sh -c "
	for l in usr/sbin/sendmail usr/bin/mailq usr/bin/newaliases; do
		test \"\$(readlink -f '$R/'\$l)\" = '$R/usr/local/sbin/zr-inject'
	done"

# 6. Smart host credentials.
run "echo 'relay1 username the password' >> /etc/zr/smarthost-secrets"
run 'chown zrs /etc/zr/smarthost-secrets; chmod 600 /etc/zr/smarthost-secrets'
ok 'step 6: the secret is added, the file 0600 and the sender'"'"'s' sh -c "
	grep -qx 'relay1 username the password' '$R/etc/zr/smarthost-secrets' &&
	grep -q '^# NAME' '$R/etc/zr/smarthost-secrets' &&
	test \"\$(stat -c '%a %U' '$R/etc/zr/smarthost-secrets')\" = '600 $U'"
skipped 'setpriv --reuid=zrs /usr/local/share/zr/' \
	'the token program needs a provider on the Internet'

# 7. TLS for the SMTP server, and AUTH.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mail.example.test \
	-days 2 -keyout "$T/cwd/server.key" -out "$T/cwd/server.pem" \
	>/dev/null 2>&1
run 'cp server.pem /etc/zr/tlscert; cp server.key /etc/zr/tlskey'
run 'chown zrd /etc/zr/tlskey; chmod 600 /etc/zr/tlskey'
run "printf '%s\\n' \"\$password\" | zr-passwd alice >> /etc/zr/passwords"
run 'chown zrd /etc/zr/passwords; chmod 600 /etc/zr/passwords'
tcpserver_start env ZR_QUEUE="$R/var/spool/zr" ZR_CONTROL="$R/etc/zr" \
	setpriv --reuid="$U" --regid="$G" --clear-groups -- \
	"$R/usr/local/sbin/zr-smtpd"
out=$(python3 "$ZR_ROOT/tests/e2e/smtpd-client.py" "$TCP_PORT" \
	'1:EHLO c.test\r\n' '1:STARTTLS\r\n' tls '1:EHLO c.test\r\n' \
	'1:QUIT\r\n' 2>&1)
like "$out" '^250-STARTTLS' \
	'step 7: with tlscert and tlskey the installed zr-smtpd offers STARTTLS'
like "$(printf '%s\n' "$out" | sed -n '/^TLS/,$p')" '^250-AUTH ' \
	'and, with passwords, AUTH once in TLS'
like "$(cat "$R/etc/zr/passwords")" '^alice:' \
	'zr-passwd alice wrote a user:hash line to passwords'
ok 'which zr-passwd -c accepts with the password, refuses without' sh -c "
	cd '$R/etc/zr' && export ZR_CONTROL='$R/etc/zr' &&
	printf 'alice\0secret\0\0' | '$R/usr/local/sbin/zr-passwd' -c true 3<&0 &&
	! printf 'alice\0wrong\0\0' | '$R/usr/local/sbin/zr-passwd' -c true 3<&0"

# Priorities and caps per sender: the files, read by a zr-smtpd that
# would answer 421 to a line it cannot read.
run "echo 'sender @vip.example urgent' >> /etc/zr/priorityrules"
run "echo 'client 10.20.0.0/16 low' >> /etc/zr/priorityrules"
run "echo 'authuser:app1 500/1h' >> /etc/zr/senderlimits"
run "echo '@newsletter.example 2000/1d' >> /etc/zr/senderlimits"
is "$(cat "$R/etc/zr/priorityrules" "$R/etc/zr/senderlimits" | wc -l |
	tr -d ' ')" 4 'the priority rules and sender limits are written'
tcpserver_start env ZR_QUEUE="$R/var/spool/zr" ZR_CONTROL="$R/etc/zr" \
	setpriv --reuid="$U" --regid="$G" --clear-groups -- \
	"$R/usr/local/sbin/zr-smtpd"
out=$(python3 "$ZR_ROOT/tests/e2e/smtpd-client.py" "$TCP_PORT" \
	'1:EHLO c.test\r\n' '1:MAIL FROM:<a@vip.example>\r\n' '1:QUIT\r\n' 2>&1)
is "$(printf '%s\n' "$out" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')" \
	'220 250 250 221 ' 'which the installed zr-smtpd takes as they are'

# 7a. DANE: control files only; a validating resolver is not run here.
run 'echo 127.0.0.1 > /etc/zr/dnsservers'
run 'echo trust > /etc/zr/dnssec'
run 'echo dane > /etc/zr/tlsmx'
is "$(cat "$R/etc/zr/dnsservers" "$R/etc/zr/dnssec" "$R/etc/zr/tlsmx" |
	tr '\n' ' ')" '127.0.0.1 trust dane ' 'step 7a: the DANE control files'
skipped 'setpriv --reuid=zrs zr-sts -q /var/spool/zr example.com' \
	'needs the network: the TXT record and HTTPS to the policy host'
# No program of this walk looks anything up; should one, it asks here.
echo 127.0.0.1:1 >"$R/etc/zr/dnsservers"
# 7a. TLSRPT: the cron line, and its job as cron runs it, as the queue's
# owner: yesterday had no sessions, so it is done at once.
line=$(grep -o "echo '15 0 \* \* \* zrs [^']*' >/etc/cron.d/zr-tlsrpt" "$INSTALL")
mkdir -p "$R/etc/cron.d"
run "$line"
ok 'step 7a: the zr-tlsrpt cron line is written as told, for the queue owner' \
	grep -q "^15 0 \* \* \* $U $R/usr/local/sbin/zr-tlsrpt\$" "$R/etc/cron.d/zr-tlsrpt"
job=$(sed "s/^15 0 \* \* \* $U //" "$R/etc/cron.d/zr-tlsrpt")
(cd / && env -i PATH=/usr/bin:/bin ZR_QUEUE="$R/var/spool/zr" \
	ZR_CONTROL="$R/etc/zr" setpriv --reuid="$U" --regid="$G" \
	--clear-groups -- sh -c "$job") >>"$T/run.out" 2>&1
ok 'and its job, as cron runs it, marks yesterday reported' \
	test -e "$R/var/spool/zr/tlsrpt/$(date -u -d yesterday +%F)/done"

# 7b. DKIM: keys made as told, the records printed, signing turned on;
# a message the installed sendmail queues is signed with both keys, and
# python3-dkim verifies them against the records printed.
run 'mkdir -p /etc/zr/dkimkeys && chown zrd /etc/zr/dkimkeys'
run 'setpriv --reuid=zrd zr-dkim keygen -d /etc/zr/dkimkeys example.org rsa2026 > rsa2026.txt'
run 'setpriv --reuid=zrd zr-dkim keygen -d /etc/zr/dkimkeys example.org ed2026 ed25519 > ed2026.txt'
run 'head -q -n 1 rsa2026.txt ed2026.txt'
skipped 'dig +short TXT rsa2026._domainkey.example.org' \
	'needs the DNS of the domain'
run 'tail -q -n 1 rsa2026.txt ed2026.txt >> /etc/zr/dkim'
run 'chown zrd /usr/local/sbin/zr-dkim && chmod 4755 /usr/local/sbin/zr-dkim'
ok 'step 7b: two keys of mode 0600, the TXT records printed' sh -c "
	test \"\$(stat -c '%a %U' '$R/etc/zr/dkimkeys/example.org.rsa2026.key')\" = '600 $U' &&
	test \"\$(stat -c '%a %U' '$R/etc/zr/dkimkeys/example.org.ed2026.key')\" = '600 $U' &&
	grep -q '^rsa2026._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=' '$T/run.out' &&
	grep -q '^ed2026._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=' '$T/run.out'"
is "$(cat "$R/etc/zr/dkim")" "example.org rsa2026 $R/etc/zr/dkimkeys/example.org.rsa2026.key rsa
example.org ed2026 $R/etc/zr/dkimkeys/example.org.ed2026.key ed25519" \
	'the lines of /etc/zr/dkim'
is "$(stat -c '%a %U' "$R/usr/local/sbin/zr-dkim")" "4755 $U" \
	'zr-dkim set-user-id to the owner of the keys'
id=$(printf 'From: a@example.org\nSubject: signed\n\nhello  \n' |
	env ZR_QUEUE="$R/var/spool/zr" ZR_CONTROL="$R/etc/zr" \
	setpriv --reuid="$U" --regid="$G" --clear-groups -- \
	"$R/usr/sbin/sendmail" -v b@example.net 2>"$T/dkim.err")
f=$R/var/spool/zr/todo/normal/$id
"$PY" - "$f" "$T/cwd/rsa2026.txt" "$T/cwd/ed2026.txt" >"$T/dkim.out" 2>&1 <<'PY'
import sys, dkim
msg = open(sys.argv[1], 'rb').read().split(b'\ndata\n', 1)[1]
msg = msg.replace(b'\n', b'\r\n')
recs = {}
for name in sys.argv[2:]:
    line = open(name).readline()
    recs[line.split()[0]] = ''.join(line.split('"')[1::2]).encode()
def txt(name, timeout=5):
    return recs.get(name.decode())
d = dkim.DKIM(msg)
print(msg.count(b'DKIM-Signature:'), d.verify(0, dnsfunc=txt),
      d.verify(1, dnsfunc=txt))
PY
is "$(cat "$T/dkim.out")" '2 True True' \
	'sendmail mail from example.org carries both signatures, both verified'
rm -f "${R:?}/var/spool/zr/todo/normal/${id:?}"

# 8. Supervision: the links; starting them is service.t's (svscan and
# runsvdir in a temporary root).
mkdir -p "$R/etc/service"
run 'ln -s /etc/sv/zr-smtpd /etc/sv/zr-send /etc/service/'
ok 'step 8: /etc/service links to both service directories' sh -c "
	test -x '$R/etc/service/zr-smtpd/run' && test -x '$R/etc/service/zr-send/run'"
cp "$R/etc/sv/zr-smtpd/rules" "$T/rules.before"
printf '192.0.2.:allow,RELAYCLIENT=""\n' >>"$R/etc/sv/zr-smtpd/rules"
run 'cd /etc/sv/zr-smtpd && tcprules rules.cdb rules.tmp < rules'
ok 'the tcprules recipe rebuilds rules.cdb from rules' sh -c "
	cd '$R/etc/sv/zr-smtpd' && env TCPREMOTEIP=192.0.2.7 \
	tcprulescheck rules.cdb 2>&1 | grep -q 'set environment variable RELAYCLIENT'"
skipped 'systemctl enable --now zr-smtpd.socket zr-send.service' \
	'needs a running systemd; install.t rates the units offline'

# 9. Monitoring, with the installed zr-qstat on the new queue.
run 'zr-qstat                    # a summary'
st=$?
run 'zr-qstat --json             # stable keys, for scripts'
st=$st$?
run 'zr-qstat -j                 # postqueue -j lines'
st=$st$?
is "$st" 000 'step 9: zr-qstat, --json and -j on the new queue'
run 'zr-qstat --destinations     # limits, queued, recent 4xx/5xx each'
st=$?
run 'zr-qstat --suspend route:example.test 30m'
st=$st$?
test -f "$R/var/spool/zr/suspend/route:example.test"
st=$st$?
run 'zr-qstat --resume route:example.test'
st=$st$?
is "$st" 0000 'step 9: --destinations, --suspend (a record) and --resume'
walk 'zr-qstat --check verifies' >/dev/null
(PATH=$R/usr/local/sbin:$PATH ZR_QUEUE=$R/var/spool/zr zr-qstat --check) \
	>"$T/check.out" 2>&1
is "$?" 0 'zr-qstat --check finds the new queue sound'
mkdir -p "$R/etc/systemd/system"
(cd "$ZR_ROOT" && sh -c "$(walk 'cp scripts/systemd/zr-metrics.socket scripts/systemd/zr-metrics@.service /etc/systemd/system/')")
ok 'the metrics units copy as told' sh -c "
	test -f '$R/etc/systemd/system/zr-metrics.socket' &&
	test -f '$R/etc/systemd/system/zr-metrics@.service'"
skipped 'systemctl enable --now zr-metrics.socket' 'needs a running systemd'
line='tcpserver -H -R -l 0 -u "$(id -u zrlog)" -g "$(id -g zrlog)" 127.0.0.1 9199 /usr/local/sbin/zr-qstat --http'
port=$(free_port)
cmd=$(walk "$line" | sed "s/ 9199 / $port /")
bg env ZR_QUEUE="$R/var/spool/zr" sh -c "exec $cmd" >"$T/tcpserver.out" 2>&1
wait_for 10 "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"
got=$("$PY" -c "import urllib.request
r = urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=10)
print(r.status, 'zr_queue_messages' in r.read().decode())" 2>&1)
is "$got" '200 True' 'the tcpserver line serves /metrics (on a free port, not 9199)'
line=$(grep -o "echo '\* \* \* \* \* root [^']*' >/etc/cron.d/zr-metrics" "$INSTALL")
mkdir -p "$R/etc/cron.d" "$R/var/lib/prometheus/node-exporter"
run "$line"
ok 'the cron line is written as told' grep -q 'zr-qstat --prometheus' \
	"$R/etc/cron.d/zr-metrics"
job=$(sed 's/^\* \* \* \* \* root //' "$R/etc/cron.d/zr-metrics")
(cd / && env -i PATH=/usr/bin:/bin ZR_QUEUE="$R/var/spool/zr" sh -c "$job")
ok 'and its job, as cron runs it, writes zr.prom and nothing else there' sh -c "
	grep -q '^zr_queue_messages' '$R/var/lib/prometheus/node-exporter/zr.prom' &&
	test \"\$(ls '$R/var/lib/prometheus/node-exporter')\" = zr.prom"

# 10. Check, with zr-send started by its service directory's run script
# as the supervisor of step 8 would (SIGHUP is what svc -h sends).
bg sh "$R/etc/sv/zr-send/run" >"$T/send.log" 2>&1
SEND_PID=$BG_PID
wait_for 10 grep -q 'status: ' "$T/send.log"
run 'cat /etc/zr/me >> /etc/zr/localdomains'
walk 'svc -h /etc/service/zr-send     # runit: sv hup; systemd: systemctl reload zr-send' >/dev/null
kill -HUP "$SEND_PID"
wait_for 10 grep -q 'event=controls-reread' "$T/send.log"
walk "echo 'Subject: test' | sendmail -v root" >/dev/null
out=$(printf 'Subject: test\n' |
	env ZR_QUEUE="$R/var/spool/zr" ZR_CONTROL="$R/etc/zr" \
	setpriv --reuid="$U" --regid="$G" --clear-groups -- \
	"$R/usr/sbin/sendmail" -v root 2>&1)
is "$?" 0 'step 10: sendmail -v root, run by a user, queues the message'
ok 'zr-qstat -l lists the queue' run 'zr-qstat -l'
ok 'zr-send delivers it to the Maildir /var/spool/zr-mail/root/new/' \
	wait_for 30 sh -c "ls '$R/var/spool/zr-mail/root/new/' | grep -q ."
like "$(cat "$T/send.log")" '^delivery [0-9]+: success: .*rcpt=<root@mail\.example\.test>' \
	'with a success line in its log'
kill -TERM "$SEND_PID"
wait "$SEND_PID" 2>/dev/null

# Upgrading: make install and setup-server again change no control file.
(cd "$R/etc" && find zr sv -type f -exec md5sum {} + | sort) >"$T/before"
make -s -C "$ZR_ROOT" install DESTDIR="$R" PREFIX=/usr/local \
	O="$ZR_BUILD" B="$ZR_BIN" ${ZR_SAN:+SAN=1} >>"$T/make.out" 2>&1 && setup
(cd "$R/etc" && find zr sv -type f -exec md5sum {} + | sort) >"$T/after"
ok 'upgrading: make install and setup-server again leave /etc/zr and /etc/sv' \
	cmp "$T/before" "$T/after"

# Every command line of INSTALL's code blocks was walked.
"$PY" - "$INSTALL" "$T/walked" >"$T/unwalked" <<'PY'
import re, sys
cmds = ("apt-get", "make", "scripts/", "chgrp", "chmod", "chown", "ln",
        "echo", "printf", "cp", "mv", "systemctl", "tcpserver", "zr-",
        "setpriv", "sendmail", "svc", "sv ", "cd ", "tcprules")
walked = [l.strip() for l in open(sys.argv[2])]
for line in open(sys.argv[1]):
    if not re.match(r"^ {7}\S", line):
        continue
    t = line.strip()
    if t.startswith(cmds) and not any(w in t for w in walked):
        print(t)
PY
is "$(cat "$T/unwalked" "$T/unknown" 2>/dev/null)" '' \
	'every command INSTALL gives is walked or skipped with a reason'
done_testing
