#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of a guestos running a burst of logoffs: the next start marks every task that never ended,
# running or still queued, Interrupted, with an event that says so (a queued one: that nothing was done
# in the guest); nothing committed is lost; the file is sound.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
fleet="$AUDIT_TMP/fleet.xml"
audit_fleet 300 "$fleet"

left=$(audit_kill_mid_burst "$db" "$fleet")
# What the killed process had committed, row by row, and which tasks it left open: those
# under way, and those still queued behind them.
audit_sql "$db" "SELECT id, hash FROM events ORDER BY id" >"$AUDIT_TMP/before.txt"
audit_sql "$db" "SELECT task_id FROM tasks WHERE end_kind IS NULL ORDER BY task_id" >"$AUDIT_TMP/open.txt"
audit_sql "$db" "SELECT task_id FROM tasks WHERE NOT started AND end_kind IS NULL ORDER BY task_id" >"$AUDIT_TMP/queued.txt"
open=$(wc -l <"$AUDIT_TMP/open.txt")
queued=$(wc -l <"$AUDIT_TMP/queued.txt")
echo "caught $left task(s) open after the kill, $queued of them still queued"
events_before=$(wc -l <"$AUDIT_TMP/before.txt")
[ "$(audit_sql "$db" "PRAGMA integrity_check")" = ok ] || audit_fail "integrity_check after the kill"

# The read-only review already shows them Interrupted (their process is gone),
# and changes nothing: no event is written, they still have no end.
line=$(audit_task_line "$db" "$(head -n 1 "$AUDIT_TMP/open.txt")")
audit_expect_field "$line" task_result '"Interrupted"'
audit_expect_field "$line" ended_at null
n=$("$GUESTOS" --audit-db "$db" audit --format csv --result Interrupted | tail -n +2 | wc -l)
[ "$n" -eq "$open" ] || audit_fail "read-only audit --result Interrupted lists $n tasks, expected $open"
"$GUESTOS" --audit-db "$db" audit | grep -c Interrupted >"$AUDIT_TMP/table-count.txt"
[ "$(cat "$AUDIT_TMP/table-count.txt")" -eq "$open" ] || audit_fail "the table shows $(cat "$AUDIT_TMP/table-count.txt") Interrupted, expected $open"
[ "$(audit_sql "$db" "SELECT count(*) FROM events")" -eq "$events_before" ] || audit_fail "the read-only review wrote events"

# The next start (any command that opens a session) recovers.
"$GUESTOS" -c test:///default --audit-db "$db" list >/dev/null 2>&1 ||
    audit_fail "guestos list after the kill"

# Nothing committed is lost or changed.
audit_sql "$db" "SELECT id, hash FROM events WHERE id <= $events_before ORDER BY id" >"$AUDIT_TMP/after.txt"
cmp -s "$AUDIT_TMP/before.txt" "$AUDIT_TMP/after.txt" || audit_fail "events committed before the kill changed"
[ "$(audit_sql "$db" "PRAGMA integrity_check")" = ok ] || audit_fail "integrity_check after recovery"
"$GUESTOS" --audit-db "$db" audit verify >"$AUDIT_TMP/verify.txt" || {
    cat "$AUDIT_TMP/verify.txt" >&2
    audit_fail "audit verify after recovery"
}

# One interrupted event per open task, and nothing else new.
events_after=$(audit_sql "$db" "SELECT count(*) FROM events")
[ "$events_after" -eq $((events_before + open)) ] ||
    audit_fail "$events_after events after recovery, expected $events_before + $open"
audit_sql "$db" "SELECT task_id FROM events WHERE kind = 'interrupted' ORDER BY task_id" >"$AUDIT_TMP/interrupted.txt"
cmp -s "$AUDIT_TMP/open.txt" "$AUDIT_TMP/interrupted.txt" ||
    audit_fail "the interrupted events are not exactly the open tasks"

# `audit` shows each of them as Interrupted, ended, with a message that says why.
"$GUESTOS" --audit-db "$db" audit --format json >"$AUDIT_TMP/all.json"
while read -r id; do
    line=$(grep -F "\"task_id\": \"$id\"" "$AUDIT_TMP/all.json")
    audit_expect_field "$line" task_result '"Interrupted"'
    [ "$(audit_field "$line" ended_at)" != null ] || audit_fail "task $id has no end time"
    printf '%s\n' "$line" | grep -q '"message": "The task was interrupted' || audit_fail "task $id: no interruption message: $line"
done <"$AUDIT_TMP/open.txt"
while read -r id; do
    line=$(grep -F "\"task_id\": \"$id\"" "$AUDIT_TMP/all.json")
    printf '%s\n' "$line" | grep -q 'before it started.*nothing was done in the guest' ||
        audit_fail "queued task $id: the message does not say it never ran: $line"
done <"$AUDIT_TMP/queued.txt"
n=$("$GUESTOS" --audit-db "$db" audit --format csv --result Interrupted | tail -n +2 | wc -l)
[ "$n" -eq "$open" ] || audit_fail "audit --result Interrupted lists $n tasks, expected $open"

# A second start finds nothing more to recover.
"$GUESTOS" -c test:///default --audit-db "$db" list >/dev/null 2>&1
[ "$(audit_sql "$db" "SELECT count(*) FROM events")" -eq "$events_after" ] ||
    audit_fail "a second start appended more events"

# --- tasks still queued when the process died: a slow libvirt (tests/slow_libvirt.so) and one task
# a host at once keep nine of ten queued; after kill -9 they are Interrupted, and say they never ran.
slow="$(dirname "$GUESTOS")/tests/slow_libvirt.so"
[ -f "$slow" ] || audit_fatal "$slow is missing (make check builds it)"
qdb="$AUDIT_TMP/queued.db"
audit_fleet 10 "$AUDIT_TMP/ten.xml"
printf 'select-all\nlogoff\nwait\n' >"$AUDIT_TMP/ten.batch"
LD_PRELOAD="$slow" GOS_TEST_SLOW_MS=2000 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$GUESTOS" -c "test://$AUDIT_TMP/ten.xml" --audit-db "$qdb" --per-host 1 \
    batch "$AUDIT_TMP/ten.batch" >/dev/null 2>&1 &
pid=$!
audit_pids="$audit_pids $pid"
n=0
while [ "$n" -lt 200 ] && [ "$(audit_sql "$qdb" "SELECT count(*) FROM events WHERE kind = 'started'" 2>/dev/null || echo 0)" -lt 1 ]; do
    sleep 0.05
    n=$((n + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
q=$(audit_sql "$qdb" "SELECT count(*) FROM tasks WHERE NOT started AND end_kind IS NULL")
[ "${q:-0}" -ge 5 ] || audit_fail "only ${q:-0} tasks were left queued"
# Read-only first: Interrupted already, nothing written.
n=$("$GUESTOS" --audit-db "$qdb" audit --format csv --result Interrupted | tail -n +2 | wc -l)
[ "$n" -eq 10 ] || audit_fail "read-only review shows $n of 10 tasks Interrupted"
"$GUESTOS" -c test:///default --audit-db "$qdb" list >/dev/null 2>&1 || audit_fail "guestos list after the second kill"
"$GUESTOS" --audit-db "$qdb" audit --format json >"$AUDIT_TMP/queued.json"
m=$(grep -c 'before it started.*nothing was done in the guest' "$AUDIT_TMP/queued.json")
[ "$m" -eq "$q" ] || audit_fail "$m tasks say they never ran, expected $q"
[ "$(audit_sql "$qdb" "SELECT count(*) FROM tasks WHERE end_kind IS NULL")" -eq 0 ] || audit_fail "a task is still open"
"$GUESTOS" --audit-db "$qdb" audit verify >/dev/null || audit_fail "verify after recovering queued tasks"

echo "PASS: audit_crash ($open interrupted, $queued of them queued, $events_before events kept)"
exit 0
