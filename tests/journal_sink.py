#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for journald in the tests, and the checks of what guestos sent it.

  journal_sink.py listen SOCKET OUT   binds a datagram socket, appends each datagram
                                      to OUT (4-byte length, then the bytes) until SIGTERM
  journal_sink.py check OUT DB        parses OUT as the journal's native protocol and
                                      checks it against the audit database DB, event by event
"""
import json
import os
import signal
import socket
import sqlite3
import struct
import sys

MESSAGE_ID = "c009861ad9b24d8fbfec69ef3aa1b4bc"


def listen(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(path + ".ready", "w"):
        pass
    with open(out, "ab") as f:
        while True:
            d = s.recv(1 << 20)
            f.write(struct.pack("<I", len(d)) + d)
            f.flush()


def parse(d):
    """The native protocol: KEY=VALUE\\n, or KEY\\n <u64 le length> VALUE \\n."""
    fields, i = {}, 0
    while i < len(d):
        nl = d.index(b"\n", i)
        line = d[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            v = d[nl + 9:nl + 9 + n]
            assert d[nl + 9 + n:nl + 10 + n] == b"\n", "binary-safe value not ended by a newline"
            i = nl + 10 + n
        k = k.decode("ascii")
        assert k and k[0] != "_" and all(c.isupper() or c.isdigit() or c == "_" for c in k), "bad key %r" % k
        assert k not in fields, "key %s twice" % k
        fields[k] = v
    return fields


def datagrams(out):
    d = open(out, "rb").read()
    i = 0
    while i < len(d):
        (n,) = struct.unpack("<I", d[i:i + 4])
        yield d[i + 4:i + 4 + n]
        i += 4 + n


def unsafe(b):
    """What must never reach a reader of the journal raw: C0 (but the protocol's
    own newlines, which parse() consumed), DEL, C1, bidirectional overrides."""
    t = b.decode("utf-8")
    return any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) < 0xA0 or
               0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in t)


def cleaned(s):
    """base/text.c's replacements, for the characters these tests use."""
    if s is None:
        return None
    return "".join("?" if (ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) < 0xA0 or
                           0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069) else c for c in s)


def check(out, db):
    got = {}
    for d in datagrams(out):
        f = parse(d)
        for k, v in f.items():
            if unsafe(v):
                sys.exit("FAIL: field %s carries a control character: %r" % (k, v))
        seq = int(f["GUESTOS_SEQ"])
        if seq in got:
            sys.exit("FAIL: event %d was sent twice" % seq)
        got[seq] = {k: v.decode("utf-8") for k, v in f.items()}
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT * FROM events ORDER BY id").fetchall()
    if sorted(got) != [r["id"] for r in rows]:
        sys.exit("FAIL: the journal has events %s, the database %s" % (sorted(got), [r["id"] for r in rows]))
    kinds = set()
    for r in rows:
        f = got[r["id"]]
        kinds.add(r["kind"])

        def want(key, value):
            if value is None:
                if key in f:
                    sys.exit("FAIL: event %d has %s=%r, the database nothing" % (r["id"], key, f[key]))
            elif key + "_BYTES" in f:
                # Cut for the journal: a prefix of the cleaned value, at most 64 KiB, and
                # KEY_BYTES at least that long (it counts the file's raw bytes).
                v = f.get(key, "")
                if not str(value).startswith(v) or len(v.encode("utf-8")) > 65536 or len(v) == len(str(value)):
                    sys.exit("FAIL: event %d has %s cut to something that is not a shorter prefix" % (r["id"], key))
                if int(f[key + "_BYTES"]) <= 65536:
                    sys.exit("FAIL: event %d says %s was cut at %s bytes" % (r["id"], key, f[key + "_BYTES"]))
            elif f.get(key) != str(value):
                sys.exit("FAIL: event %d has %s=%r, expected %r" % (r["id"], key, f.get(key), str(value)))

        want("MESSAGE_ID", MESSAGE_ID)
        want("SYSLOG_IDENTIFIER", "guestos")
        want("GUESTOS_SEQ", r["id"])
        want("GUESTOS_HASH", r["hash"])
        want("GUESTOS_ANCHOR", "%d:%s" % (r["id"], r["hash"]))
        want("GUESTOS_EVENT", r["kind"])
        want("GUESTOS_TASK_ID", r["task_id"])
        want("GUESTOS_HOST", cleaned(r["host"]))
        want("GUESTOS_VM_NAME", cleaned(r["vm_name"]))
        want("GUESTOS_VM_UUID", r["vm_uuid"])
        want("GUESTOS_ACTION", r["action"])
        want("GUESTOS_PHASE", cleaned(r["phase"]))
        want("GUESTOS_PERCENT", r["percent"])
        want("GUESTOS_CALL_HRESULT", r["call_hr_hex"])
        want("GUESTOS_TASK_ERROR", r["task_error_hex"])
        want("GUESTOS_DETAIL", cleaned(r["message"]))
        want("GUESTOS_OPERATOR_UID", r["op_uid"])
        want("GUESTOS_OPERATOR", cleaned(r["op_user"]))
        want("GUESTOS_OPERATOR_TTY", cleaned(r["op_tty"]))
        want("GUESTOS_SSH_CONNECTION", cleaned(r["op_ssh"]))
        want("GUESTOS_OPERATOR_PID", r["op_pid"])
        want("GUESTOS_ORIGIN", cleaned(r["origin"]))
        want("GUESTOS_USERS_BEFORE", cleaned(r["users_before"]))
        want("GUESTOS_USERS_AFTER", cleaned(r["users_after"]))
        if r["kind"] == "completed":
            names = {0: "Success", 1: "Cancelled", 2: "UnexpectedError", 6: "TimeOutError"}
            want("GUESTOS_TASK_RESULT", names.get(r["task_result"], r["task_result"]))
            if not f.get("GUESTOS_TASK_ERROR_NAME"):
                sys.exit("FAIL: event %d has no GUESTOS_TASK_ERROR_NAME" % r["id"])
            want("PRIORITY", 5 if r["task_error"] == 0 else 4)
        else:
            want("PRIORITY", 4 if r["kind"] == "interrupted" else 5)
        if not f.get("MESSAGE") or "audit event" not in f["MESSAGE"] and r["kind"] != "completed":
            sys.exit("FAIL: event %d has no readable MESSAGE: %r" % (r["id"], f.get("MESSAGE")))
        if r["kind"] == "completed" and cleaned(r["vm_name"]) not in f["MESSAGE"]:
            sys.exit("FAIL: event %d's MESSAGE does not name the VM: %r" % (r["id"], f["MESSAGE"]))
        for k in ("GUESTOS_USERS_BEFORE", "GUESTOS_USERS_AFTER"):
            if k in f:
                json.loads(f[k])
    print("%d events, kinds %s, head %s" % (len(rows), ",".join(sorted(kinds)), got[rows[-1]["id"]]["GUESTOS_ANCHOR"]))


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
