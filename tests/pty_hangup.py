#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The terminal goes away without a SIGHUP: the console must end, not spin.

  pty_hangup.py GUESTOS DB   runs the console on a pseudo-terminal that is not its
                             controlling terminal (so closing it sends no SIGHUP),
                             waits for the VM list, closes the terminal, and checks
                             that guestos ends within 10 s having used little CPU.
"""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time


def cpu_ticks(pid):
    # utime + stime, in clock ticks: fields 14 and 15 of /proc/PID/stat (after the name).
    stat = open("/proc/%d/stat" % pid).read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def main():
    guestos, db = sys.argv[1], sys.argv[2]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    p = subprocess.Popen([guestos, "-c", "test:///default", "--audit-db", db, "--no-restore"],
                         stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    start = time.monotonic()
    while time.monotonic() - start < 30 and b"F1" not in seen:
        try:
            seen += os.read(master, 65536)
        except OSError:
            break
    if b"F1" not in seen:
        p.kill()
        print("FAIL: the console did not draw within 30 s")
        return 1
    before = cpu_ticks(p.pid)
    os.close(master)
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        used = cpu_ticks(p.pid) - before
        p.kill()
        p.wait()
        print("FAIL: the console still ran 10 s after its terminal went away (%d CPU ticks)" % used)
        return 1
    if rc != 128 + 1:
        print("FAIL: the console ended with status %d, not 129 (as on SIGHUP)" % rc)
        return 1
    print("ok: the console ended with status 129 when its terminal went away")
    return 0


sys.exit(main())
