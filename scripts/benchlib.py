# SPDX-License-Identifier: MIT
"""What the benchmarks beside Postfix share (bench-smtpd, bench-pipeline,
bench-relay): ports on 127.0.0.1, a private zr queue and control
directory, a private Postfix instance, CPU time of process trees, medians.

The Postfix instance has its own configuration, queue and log under a
temporary directory, listens on 127.0.0.1 only, relays everything to one
host:port (an smtp-sink) with smtp_dns_support_level = disabled, runs no
daemon in a chroot, and is stopped by stop(). Run as root: Postfix needs
it, and zr then runs as nobody.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get('ZR_BIN', os.path.join(ROOT, 'bin'))
USER = 'nobody'
GROUP = 'nogroup'
TICK = os.sysconf('SC_CLK_TCK')


def _stop(signum, frame):
    raise SystemExit(1)


def need_root(prog):
    # A benchmark stopped by a signal still stops what it started.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    if os.getuid() != 0:
        sys.exit('%s: run as root (Postfix needs it)' % prog)
    if not os.access(os.path.join(BIN, 'zr-smtpd'), os.X_OK):
        sys.exit('%s: build first (make)' % prog)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, secs=20):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit('nothing listens on 127.0.0.1:%d' % port)


def wait_until(cond, secs, step=0.01):
    """Poll cond until it holds or secs pass; whether it held."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def as_user(argv):
    if os.getuid() == 0:
        return ['setpriv', '--reuid=' + USER, '--regid=' + GROUP,
                '--clear-groups', '--'] + argv
    return argv


def count_files(d):
    """Regular files under d, at any depth (Postfix hashes its queue)."""
    n = 0
    for _, _, fs in os.walk(d):
        n += len(fs)
    return n


def median(xs):
    return statistics.median(xs)


# --- CPU seconds of process trees, from /proc.

def _stat(pid):
    with open('/proc/%d/stat' % pid) as f:
        s = f.read()
    # The command name may hold spaces and parentheses: split after it.
    rest = s[s.rindex(')') + 2:].split()
    # Fields 4 (ppid) and 14-17 (utime stime cutime cstime), 1-based.
    return int(rest[1]), sum(int(x) for x in rest[11:15])


def tree_cpu(roots):
    """CPU seconds of the processes under roots, themselves included:
    utime+stime of each live one plus cutime+cstime, which holds every
    child that exited and was waited for. A process that exits moves its
    time into its parent's cutime, so the sum only grows while the roots
    live, and the difference of two readings is the work in between."""
    procs = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            procs[int(d)] = _stat(int(d))
        except (OSError, ValueError, IndexError):
            pass
    kids = {}
    for pid, (ppid, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, [r for r in roots if r in procs], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += procs[p][1]
        todo.extend(kids.get(p, []))
    return total / TICK


# --- a zr queue and control directory.

def zr_setup(w, control):
    """A private queue and control directory under w, owned by nobody when
    run as root; control maps file names to contents. The environment
    for the programs."""
    q = os.path.join(w, 'queue')
    c = os.path.join(w, 'control')
    os.makedirs(c)
    env = dict(os.environ, ZR_QUEUE=q, ZR_CONTROL=c, ZR_MKQUEUE_PRIVATE='1')
    subprocess.run([os.path.join(ROOT, 'queue-layout', 'mkqueue'), q],
                   env=env, check=True)
    for k, v in control.items():
        with open(os.path.join(c, k), 'w') as f:
            f.write(v + '\n')
    if os.getuid() == 0:
        subprocess.run(['chown', '-R', USER + ':' + GROUP, w], check=True)
    return env


def zr_tcpserver(env, port, stderr=subprocess.DEVNULL):
    """zr-smtpd under tcpserver on 127.0.0.1:port, as nobody. tcpserver
    -H -R: no DNS or ident lookups per connection."""
    uid = subprocess.run(['id', '-u', USER], capture_output=True,
                         text=True).stdout.strip()
    gid = subprocess.run(['id', '-g', USER], capture_output=True,
                         text=True).stdout.strip()
    p = subprocess.Popen(['tcpserver', '-H', '-R', '-l', '0', '-c', '100',
                          '-u', uid, '-g', gid, '127.0.0.1', str(port),
                          os.path.join(BIN, 'zr-smtpd')], env=env,
                         stderr=stderr)
    wait_port(port)
    return p


def zr_fill(env, n, msg, rcpt='rcpt@sink.test'):
    """n copies of msg queued by zr-inject, several at a time: the fill is
    not what is measured."""
    inject = as_user([os.path.join(BIN, 'zr-inject'), rcpt])
    procs = []
    for i in range(n):
        p = subprocess.Popen(inject, stdin=subprocess.PIPE, env=env)
        p.stdin.write(msg)
        p.stdin.close()
        procs.append(p)
        if len(procs) >= 8 or i == n - 1:
            for q in procs:
                if q.wait() != 0:
                    sys.exit('zr-inject failed')
            procs = []


def zr_queued(env):
    """Messages in todo/, active/ and deferred/: not yet finished."""
    q = env['ZR_QUEUE']
    return sum(count_files(os.path.join(q, d))
               for d in ('todo', 'active', 'deferred'))


# --- a private Postfix instance.

POSTFIX_MAIN = """\
compatibility_level = 3.6
queue_directory = {w}/queue
data_directory = {w}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.test
mydomain = bench.test
myorigin = bench.test
mydestination =
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
relayhost = [127.0.0.1]:{sink}
smtp_dns_support_level = disabled
disable_dns_lookups = yes
maillog_file = {w}/maillog
maillog_file_prefixes = {w}
smtpd_recipient_restrictions = permit_mynetworks, reject
"""


class Postfix:
    """Postfix in directory w, relaying to 127.0.0.1:sink; with defer,
    defer_transports = smtp holds everything it accepts in its queue
    (relayhost mail goes through the smtp transport); extra is appended
    to main.cf."""

    def __init__(self, w, sink, defer=False, extra=''):
        self.w = w
        self.port = free_port()
        os.makedirs(os.path.join(w, 'data'))
        os.makedirs(os.path.join(w, 'queue'))
        main = POSTFIX_MAIN.format(w=w, sink=sink)
        if defer:
            main += 'defer_transports = smtp\n'
        main += extra
        with open(os.path.join(w, 'main.cf'), 'w') as f:
            f.write(main)
        # The packaged master.cf, without chroot, smtpd on a port of its
        # own.
        master = []
        with open('/etc/postfix/master.cf') as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 8 and not line[0].isspace() and \
                        line[0] != '#':
                    if fields[0] == 'smtp' and fields[1] == 'inet':
                        fields[0] = '127.0.0.1:%d' % self.port
                    fields[4] = 'n'
                    line = ' '.join(fields) + '\n'
                master.append(line)
        with open(os.path.join(w, 'master.cf'), 'w') as f:
            f.writelines(master)
        subprocess.run(['chown', '-R', 'postfix', os.path.join(w, 'data')],
                       check=True)
        r = self._postfix('start')
        if r.returncode != 0:
            sys.exit('postfix start: ' + r.stderr.decode())
        wait_port(self.port)

    def _postfix(self, *args):
        return subprocess.run(['/usr/sbin/postfix', '-c', self.w] +
                              list(args), capture_output=True)

    def master_pid(self):
        with open(os.path.join(self.w, 'queue', 'pid', 'master.pid')) as f:
            return int(f.read().split()[0])

    def queued(self):
        q = os.path.join(self.w, 'queue')
        return sum(count_files(os.path.join(q, d))
                   for d in ('maildrop', 'incoming', 'active', 'deferred'))

    def deferred(self):
        return count_files(os.path.join(self.w, 'queue', 'deferred'))

    def postconf(self, setting):
        subprocess.run(['/usr/sbin/postconf', '-c', self.w, '-e', setting],
                       check=True)

    def reload(self):
        self._postfix('reload')

    def flush(self):
        subprocess.run(['/usr/sbin/postqueue', '-c', self.w, '-f'],
                       check=True)

    def sent(self, sink):
        """Deliveries to the sink that the log records."""
        try:
            with open(os.path.join(self.w, 'maillog'),
                      errors='replace') as f:
                return sum(1 for line in f if 'status=sent' in line and
                           'relay=127.0.0.1[127.0.0.1]:%d' % sink in line)
        except FileNotFoundError:
            return 0

    def stop(self):
        self._postfix('stop')
        pidf = os.path.join(self.w, 'queue', 'pid', 'master.pid')
        wait_until(lambda: not os.path.exists(pidf), 10, 0.05)


def smtp_source(port, n, sessions, size, rcpt='rcpt@sink.test'):
    """smtp-source into 127.0.0.1:port; the wall-clock seconds it took."""
    t = time.monotonic()
    subprocess.run(['smtp-source', '-s', str(sessions), '-m', str(n),
                    '-l', str(size), '-f', 'sender@bench.test',
                    '-t', rcpt, '127.0.0.1:%d' % port],
                   stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - t
