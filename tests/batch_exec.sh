#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Batch mode on the one executor, through the binary: a bare logoff has no
# target (batch has no cursor) and fails naming its line with nothing run;
# a `wait N` that runs out leaves its tasks running, says so, and exits 1,
# and the audit log shows how they really ended (never "Cancelled");
# `connect` to a host that fails stops the file with status 2.

if [ -z "${GUESTOS:-}" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/guestos-bexec.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
SLOW="$(dirname "$GUESTOS")/tests/slow_libvirt.so"
[ -r "$SLOW" ] || { echo "ERROR: $SLOW is missing (make check builds it)" >&2; exit 99; }

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# Read-only: a poll before guestos made the file must not create it 0644 (refused as open to others).
sql() { sqlite3 -readonly "$1" "$2"; }

# --- a bare logoff: no target, nothing runs -----------------------------------------
db="$T/bare.db"
printf 'cursor-end\nlogoff\nselect test\n' >"$T/bare.gos"
"$GUESTOS" -c test:///default --audit-db "$db" batch "$T/bare.gos" >"$T/bare.out" 2>"$T/bare.err"
rc=$?
[ "$rc" = 1 ] && ok "bare logoff exits 1" || fail "bare logoff exits $rc, not 1"
grep -q "bare.gos:2: logoff has no target" "$T/bare.err" && ok "the message names the line" ||
    fail "no 'bare.gos:2: logoff has no target' in: $(cat "$T/bare.err")"
n=$(sql "$db" "SELECT count(*) FROM tasks")
[ "$n" = 0 ] && ok "no task was submitted" || fail "$n tasks in the audit log"
grep -q "marked" "$T/bare.err" && fail "the line after the failure ran" || ok "the line after it did not run"

# --- a wait that runs out: the tasks go on ---------------------------------------------
db="$T/wait.db"
printf 'logoff test\nwait 1\n' >"$T/wait.gos"
LD_PRELOAD="$SLOW" GOS_TEST_SLOW_MS=3000 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$GUESTOS" -c test:///default --audit-db "$db" batch "$T/wait.gos" >"$T/wait.out" 2>"$T/wait.err"
rc=$?
[ "$rc" = 1 ] && ok "wait 1 exits 1" || fail "wait 1 exits $rc, not 1"
grep -q "wait.gos:2: Tasks were still running after 1 second; they go on." "$T/wait.err" &&
    ok "the wait says the tasks go on" || fail "no 'they go on' in: $(cat "$T/wait.err")"
grep -q "asked to cancel" "$T/wait.err" && fail "the wait cancelled tasks" || ok "nothing was cancelled"
grep -q "0xA0040505" "$T/wait.out" && ok "the task's own outcome is printed" ||
    fail "no outcome in: $(cat "$T/wait.out")"
res=$(sql "$db" "SELECT task_result || ' ' || task_error FROM tasks")
# UnexpectedError (2) with 0xA0040505 (2684617989): the test driver has no agent.
[ "$res" = "2 2684617989" ] && ok "the audit log has the real outcome ($res)" ||
    fail "audit says '$res', not the real outcome"

# --- connect to a host that fails: status 2, the file stops ---------------------------------
db="$T/conn.db"
printf 'connect nosuch:///x\nlist\n' >"$T/conn.gos"
"$GUESTOS" --audit-db "$db" batch "$T/conn.gos" >"$T/conn.out" 2>"$T/conn.err"
rc=$?
[ "$rc" = 2 ] && ok "a failed connect exits 2" || fail "a failed connect exits $rc, not 2"
grep -q "conn.gos:1: " "$T/conn.err" && ok "the message names the line" || fail "no 'conn.gos:1:' in: $(cat "$T/conn.err")"
grep -q "NAME" "$T/conn.out" && fail "the list after the failed connect ran" || ok "the list did not run"

[ "$failures" = 0 ] || exit 1
echo "batch_exec: all passed"
