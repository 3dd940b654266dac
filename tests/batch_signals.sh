#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Confirmed requests are never lost: a batch whose reader goes away (SIGPIPE,
# `| head -1`) or that gets SIGTERM records every task it submitted; the
# queued ones end as cancelled, the running ones end, nothing new starts, and
# the chain verifies. A second SIGTERM leaves at once.

if [ -z "${GUESTOS:-}" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
top_srcdir=${top_srcdir:-$(dirname "$0")/..}
T=$(mktemp -d "${TMPDIR:-/tmp}/guestos-bsig.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
SLOW="$(dirname "$GUESTOS")/tests/slow_libvirt.so"
[ -r "$SLOW" ] || { echo "ERROR: $SLOW is missing (make check builds it)" >&2; exit 99; }
sh "$top_srcdir/tests/gen-fleet.sh" 200 >"$T/fleet.xml" || exit 99
printf 'select-all\nlogoff\nwait\n' >"$T/all.gos"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# Read-only: a poll before guestos made the file must not create it 0644 (refused as open to others).
sql() { sqlite3 -readonly "$1" "$2"; }

# every_task_recorded NAME DB: 200 submitted, each with its end, some cancelled, the chain whole.
every_task_recorded() {
    n=$(sql "$2" "SELECT count(*) FROM tasks")
    [ "$n" = 200 ] && ok "$1: all 200 requests are in the audit log" || fail "$1: $n of 200 requests recorded"
    open=$(sql "$2" "SELECT count(*) FROM tasks WHERE end_kind IS NULL")
    [ "$open" = 0 ] && ok "$1: every task has its end" || fail "$1: $open tasks without an end"
    cancelled=$(sql "$2" "SELECT count(*) FROM tasks WHERE task_result = 1")
    [ "$cancelled" -gt 0 ] && ok "$1: $cancelled queued tasks ended as cancelled" || fail "$1: none cancelled"
    "$GUESTOS" --audit-db "$2" audit verify >/dev/null || fail "$1: the chain does not verify"
}

# --- the reader goes away -----------------------------------------------------------
( LD_PRELOAD="$SLOW" GOS_TEST_SLOW_MS=300 "$GUESTOS" -c "test://$T/fleet.xml" --audit-db "$T/pipe.db" \
    batch "$T/all.gos" 2>"$T/pipe.err"; echo $? >"$T/pipe.rc" ) | head -n 1 >"$T/pipe.out"
rc=$(cat "$T/pipe.rc")
[ "$rc" = 141 ] && ok "SIGPIPE: exit 141" || fail "SIGPIPE: exit $rc, not 141: $(cat "$T/pipe.err")"
grep -q "no new task starts" "$T/pipe.err" && ok "SIGPIPE: it says so" || fail "SIGPIPE: $(cat "$T/pipe.err")"
every_task_recorded SIGPIPE "$T/pipe.db"

# --- SIGTERM ------------------------------------------------------------------------------
LD_PRELOAD="$SLOW" GOS_TEST_SLOW_MS=300 "$GUESTOS" -c "test://$T/fleet.xml" --audit-db "$T/term.db" \
    batch "$T/all.gos" >"$T/term.out" 2>"$T/term.err" &
pid=$!
n=0
while [ "$n" -lt 200 ]; do
    [ "$(sql "$T/term.db" "SELECT count(*) FROM tasks WHERE started" 2>/dev/null || echo 0)" -ge 3 ] && break
    sleep 0.05
    n=$((n + 1))
done
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 143 ] && ok "SIGTERM: exit 143" || fail "SIGTERM: exit $rc, not 143: $(cat "$T/term.err")"
every_task_recorded SIGTERM "$T/term.db"
grep -q "Summary: 200 tasks" "$T/term.out" && ok "SIGTERM: the summary counts all 200" ||
    fail "SIGTERM: $(tail -n 3 "$T/term.out")"

[ "$failures" = 0 ] || exit 1
echo "batch_signals: all passed"
