#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The guest agent of tests/fake_agent.so: called as  fake_agent.py DOMAIN COMMAND-JSON
# it prints the reply. The domain's name picks its behaviour (tests/agent.xml):
#   lin-*      a Debian 13 guest (logind, no utmp) with alice and bob logged on;
#              loginctl terminate-session ends their sessions
#   evil-*     the same, but the user names and the OS name carry terminal
#              escapes (ESC, OSC 52, BEL, C1) and the agent's errors too
#   null-info  guest-info answers {"return":null}
#   null-name  guest-info lists a command whose name is null
#   wrong-types every reply has the right keys with values of the wrong type
#   exec-hangs guest-exec-status never says "exited"
#   slow-*     every call takes GOS_FAKE_SLOW seconds (default 5)
#   trunc-*    guest-exec output comes back with out-truncated
#   huge-*     guest-info answers 3 MiB of nested arrays
#   win-de-*   a Windows guest in German: query session, logoff.exe
#   win-stuck  a Windows guest whose console session logoff.exe cannot end
# State (who is logged off) lives in GOS_FAKE_STATE, a folder.
import base64
import json
import os
import sys
import time

dom, cmd = sys.argv[1], json.loads(sys.argv[2])
ex = cmd.get("execute")
args = cmd.get("arguments") or {}
state = os.environ.get("GOS_FAKE_STATE", "/tmp")
ESC = "\x1b"
EVIL = ESC + "]52;c;ZXZpbA==\x07" + ESC + "[2J\u009b31m"


def out(obj):
    sys.stdout.write(obj if isinstance(obj, str) else json.dumps(obj))
    sys.exit(0)


def flag(name):
    return os.path.exists(os.path.join(state, dom + "." + name))


def set_flag(name, text=""):
    with open(os.path.join(state, dom + "." + name), "w") as f:
        f.write(text)


def log(line):
    with open(os.path.join(state, dom + ".log"), "a") as f:
        f.write(line + "\n")


if dom.startswith("slow-"):
    time.sleep(float(os.environ.get("GOS_FAKE_SLOW", "5")))

COMMANDS = ["guest-ping", "guest-info", "guest-get-users", "guest-get-osinfo", "guest-exec", "guest-exec-status",
            "guest-shutdown", "guest-set-time", "guest-fsfreeze-freeze"]


def info():
    return {"return": {"version": "10.0.13", "supported_commands": [
        {"enabled": True, "name": c, "success-response": True} for c in COMMANDS]}}


if ex == "guest-ping":
    out({"return": {}})
if ex == "guest-info":
    if dom == "null-info":
        out({"return": None})
    if dom == "null-name":
        r = info()
        r["return"]["supported_commands"].append({"enabled": True, "name": None})
        out(r)
    if dom == "wrong-types":
        out({"return": {"version": 10, "supported_commands": {"name": "guest-exec"}}})
    if dom.startswith("huge-"):
        out('{"return":{"version":"1","supported_commands":' + "[" * 1500000 + "]" * 1500000 + "}}")
    out(info())
if ex == "guest-get-osinfo":
    if dom.startswith("win-"):
        out({"return": {"id": "mswindows", "name": "Microsoft Windows", "pretty-name": "Windows Server 2022"}})
    if dom == "wrong-types":
        out({"return": {"id": ["debian"], "pretty-name": 13}})
    pretty = "Debian GNU/Linux 13 (trixie)" + (EVIL if dom.startswith("evil-") else "")
    out({"return": {"id": "debian", "pretty-name": pretty}})
if ex == "guest-get-users":
    if dom == "wrong-types":
        out({"return": [{"user": 7, "login-time": "now"}]})
    if dom.startswith("win-"):
        out({"return": [] if flag("off") else [{"user": "bob", "login-time": 1796125433.5}]})
    out({"return": []})   # Debian 13: no utmp

# --- guest-exec -------------------------------------------------------------------------------
WIN_DE = (" SITZUNGSNAME      BENUTZERNAME             ID  STATUS  TYP         GERÄT\r\n"
          " services                                    0  Getr.\r\n"
          "{console}"
          " rdp-tcp#3         bob                       2  Aktiv\r\n"
          " rdp-tcp                                 65536  Abhören\r\n")
CONSOLE = ">console           jürgen                    1  Aktiv\r\n"


def logons(evil):
    if flag("off"):
        sessions = []
    else:
        a, b = ("alice" + EVIL, "bob" + EVIL) if evil else ("alice", "bob")
        sessions = [("2", a, 1001, "tty2"), ("3", b, 1002, "tty3")]
    lines = ["logind"]
    for sid, user, uid, tty in sessions:
        lines.append("session " + sid)
        for t, v in (("s", user), ("(uo)", [uid, "/org/freedesktop/login1/user/_%d" % uid]), ("s", "user"),
                     ("s", "tty"), ("s", tty), ("s", ""), ("b", False), ("s", "online"),
                     ("t", 1796125433990594), ("u", 300 + uid), ("s", "session-%s.scope" % sid)):
            lines.append(json.dumps({"type": t, "data": v}, separators=(",", ":")))
        lines.append("procs 2")
    lines.append("end")
    return "\n".join(lines) + "\n"


def run(path, argv):
    """What the guest process prints and its exit status."""
    if dom.startswith("win-"):
        line = argv[-1] if argv else ""
        if "query.exe session" in line:
            console = "" if flag("console-off") else CONSOLE
            text = WIN_DE.replace("{console}", console)
            if flag("off"):
                text = "\r\n".join(l for l in text.split("\r\n") if "bob" not in l)
            return text.encode("utf-8"), 0
        if "logoff.exe" in line:
            sid = line.rsplit(" ", 1)[-1].rstrip(")")
            log("logoff " + sid)
            if sid == "2":
                set_flag("off")
                return b"", 0
            if sid == "1" and dom != "win-stuck":
                set_flag("console-off")
                return b"", 0
            return "Fehler beim Abmelden der Sitzung 1\r\n".encode("utf-8"), 1
        return b"", 1
    script = argv[1] if len(argv) > 1 else ""
    if "loginctl" in script and "exec loginctl" in script:
        log("loginctl " + " ".join(argv[3:]))
        if argv[3] == "terminate-session":
            set_flag("off")
        return b"", 0
    if "busctl" in script:
        return logons(dom.startswith("evil-")).encode("utf-8"), 0
    return b"", 127


if ex == "guest-exec":
    data, rc = run(args.get("path", ""), args.get("arg", []))
    with open(os.path.join(state, dom + ".exec"), "wb") as f:
        f.write(json.dumps({"rc": rc, "out": base64.b64encode(data).decode()}).encode())
    out({"return": {"pid": 4242}})
if ex == "guest-exec-status":
    if dom == "exec-hangs":
        out({"return": {"exited": False}})
    path = os.path.join(state, dom + ".exec")
    if not os.path.exists(path):
        # asked again after "exited": qemu-ga 10 answers this way
        sys.exit(1)
    r = json.load(open(path))
    os.unlink(path)
    reply = {"exited": True, "exitcode": r["rc"], "out-data": r["out"]}
    if dom.startswith("trunc-"):
        reply["out-truncated"] = True
    if dom == "wrong-types":
        reply = {"exited": "yes", "exitcode": "0", "out-data": 5}
    out({"return": reply})
sys.exit(1)
