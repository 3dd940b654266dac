#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real binary against guest agents that lie, break or stall (tests/fake_agent.so answers the test driver's
# agent calls through tests/fake_agent.py): success only with evidence, no crash on any reply, nothing of the
# guest's bytes reaching the terminal raw, deadlines that hold while a call hangs; and the Windows plan on
# German query session output, including a console session logoff.exe cannot end.

if [ -z "${GUESTOS:-}" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
top_srcdir=${top_srcdir:-$(dirname "$0")/..}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3 (the fake agent is a Python script)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/guestos-hostile.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
FAKE="$(cd "$(dirname "$GUESTOS")" && pwd)/tests/fake_agent.so"
[ -r "$FAKE" ] || { echo "ERROR: $FAKE is missing (make check builds it)" >&2; exit 99; }
export GOS_FAKE_AGENT="$(cd "$top_srcdir" && pwd)/tests/fake_agent.py" GOS_FAKE_STATE="$T" GOS_FAKE_AGENT_ERR="$T/agent.err"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
unset LIBVIRT_DEFAULT_URI

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# expect NAME COMMAND...: COMMAND succeeds.
expect() { n=$1; shift; if "$@"; then ok "$n"; else fail "$n"; fi; }

# fleet FILE NAME...: a test-driver node with a running domain with an agent channel per name.
fleet() {
    f=$1
    shift
    {
        echo "<node>"
        i=10
        for n in "$@"; do
            i=$((i + 1))
            cat <<EOF
  <domain type='test'>
    <name>$n</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e19$i</uuid>
    <memory>131072</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel></devices>
  </domain>
EOF
        done
        echo "</node>"
    } >"$f"
}
fleet "$T/fleet.xml" lin-a evil-a null-info null-name wrong-types trunc-a huge-a win-de-a win-stuck
g() { LD_PRELOAD="$FAKE" "$GUESTOS" -c "test://$T/fleet.xml" --audit-db "$T/audit.db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# no_raw FILE: no ESC, BEL or C1 control (U+0080-U+009F as UTF-8) in FILE.
no_raw() { ! LC_ALL=C grep -q "$(printf '[\033\007]')" "$1" && ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1"; }

# --- the inventory: every reply read, none trusted -------------------------------------------
g list --wait --json >"$T/list.json" 2>"$T/list.err"
rc=$?
expect "list --json exits 0 whatever the agents say (got $rc)" [ "$rc" = 0 ]
vm() { json "$T/list.json" "[v for v in d if v['name']=='$1'][0]$2"; }
expect "lin-a: users alice,bob with source logind" \
    [ "$(json "$T/list.json" "','.join(u['name']+':'+'+'.join(u['sources']) for u in [v for v in d if v['name']=='lin-a'][0]['users'])")" = "alice:logind,bob:logind" ]
expect "null-info: heartbeat degraded, features unknown" [ "$(vm null-info "['agent']['heartbeat']")" = degraded ]
expect "null-info: users not known (null), never none" [ "$(vm null-info "['users']")" = None ]
expect "wrong-types: users not known" [ "$(vm wrong-types "['users']")" = None ]
expect "win-de-a: OS from the agent" [ "$(vm win-de-a "['os']['id']")" = mswindows ]
g list --wait >"$T/list.txt" 2>&1
expect "list: no terminal control from evil-a's names reaches stdout" no_raw "$T/list.txt"
expect "list: evil-a's users are shown, neutralized" grep -q 'evil-a .*alice?' "$T/list.txt"
expect "list --json: still valid JSON with evil-a's names" [ "$(vm evil-a "['users'][0]['name'][:5]")" = alice ]
LC_ALL=C g list --wait >"$T/list-c.txt" 2>&1
expect "list in an ASCII locale: no byte above 0x7F (jürgen is j?rgen)" sh -c "! LC_ALL=C grep -q '$(printf '[\200-\377]')' '$T/list-c.txt'"

# --- success is proven ------------------------------------------------------------------------------
out=$(g logoff lin-a 2>&1)
rc=$?
expect "lin-a: logoff S_OK, exit 0 (got $rc: $out)" sh -c "[ $rc = 0 ] && printf %s \"\$1\" | grep -q '0x00000000 S_OK'" _ "$out"
expect "lin-a: ended by session id" grep -q '^loginctl terminate-session 2 3$' "$T/lin-a.log"
out=$(g logoff lin-a 2>&1)
rc=$?
expect "lin-a: second logoff 0x80070520 from logind's empty list (got $rc: $out)" \
    sh -c "[ $rc = 1 ] && printf %s \"\$1\" | grep -q '0x80070520.*logind lists no person'" _ "$out"
for v in null-info null-name wrong-types trunc-a huge-a; do
    out=$(g logoff "$v" 2>&1)
    rc=$?
    expect "$v: logoff fails with exit 1, no crash (got $rc: $out)" [ "$rc" = 1 ]
    expect "$v: never S_OK" sh -c "! printf %s \"\$1\" | grep -q S_OK" _ "$out"
done
out=$(g logoff trunc-a 2>&1)
expect "trunc-a: the message says the output was cut short (got: $out)" sh -c "printf %s \"\$1\" | grep -q 'cut it short\|cut the output'" _ "$out"

# --- hostile text in the outcome, stderr and the audit ---------------------------------------------
g logoff evil-a >"$T/evil.out" 2>"$T/evil.err"
expect "evil-a: logoff S_OK" grep -q 'S_OK' "$T/evil.out"
expect "evil-a: no terminal control in the outcome line" no_raw "$T/evil.out"
expect "evil-a: no terminal control on stderr" no_raw "$T/evil.err"
g audit >"$T/audit.txt" 2>&1
expect "the audit table holds no terminal control" no_raw "$T/audit.txt"
g audit --format csv >"$T/audit.csv" 2>&1
expect "the CSV export holds no terminal control" no_raw "$T/audit.csv"
expect "audit verify passes" g audit verify

# --- deadlines hold while a call hangs ---------------------------------------------------------------
fleet "$T/slow.xml" exec-hangs slow-a
s() { LD_PRELOAD="$FAKE" "$GUESTOS" -c "test://$T/slow.xml" --audit-db "$T/slow.db" --deadline "$1" logoff "$2" 2>&1; }
t0=$(date +%s%N)
out=$(s 3 exec-hangs)
ms=$((($(date +%s%N) - t0) / 1000000))
expect "exec-hangs: 0xA0040202 TimeOutError (got: $out)" sh -c "printf %s \"\$1\" | grep -q '0xA0040202'" _ "$out"
expect "exec-hangs: ended within its 3 s deadline and a second (took ${ms} ms)" [ "$ms" -lt 4500 ]
t0=$(date +%s%N)
out=$(GOS_FAKE_SLOW=8 s 2 slow-a)
ms=$((($(date +%s%N) - t0) / 1000000))
expect "slow-a: 0xA0040202 while the agent call still hangs (got: $out)" sh -c "printf %s \"\$1\" | grep -q '0xA0040202'" _ "$out"
expect "slow-a: ended at its 2 s deadline, not after the 8 s call (took ${ms} ms)" [ "$ms" -lt 3500 ]

# --- Windows, German -----------------------------------------------------------------------------------
out=$(g logoff win-de-a 2>&1)
rc=$?
expect "win-de-a: logoff S_OK (got $rc: $out)" sh -c "[ $rc = 0 ] && printf %s \"\$1\" | grep -q 'S_OK'" _ "$out"
expect "win-de-a: both sessions named" sh -c "printf %s \"\$1\" | grep -q '1 (jürgen, console), 2 (bob, rdp-tcp#3)'" _ "$out"
expect "win-de-a: logoff.exe per session id" [ "$(tr '\n' ' ' <"$T/win-de-a.log")" = "logoff 1 logoff 2 " ]
out=$(g logoff win-de-a 2>&1)
expect "win-de-a: a second logoff 0x80070520 (got: $out)" sh -c "printf %s \"\$1\" | grep -q '0x80070520'" _ "$out"
out=$(g logoff win-stuck 2>&1)
rc=$?
expect "win-stuck: exit 1, not S_OK (got $rc: $out)" sh -c "[ $rc = 1 ] && ! printf %s \"\$1\" | grep -q S_OK" _ "$out"
expect "win-stuck: the console session is named as what stays" sh -c "printf %s \"\$1\" | grep -q 'console session'" _ "$out"

[ "$failures" = 0 ]
