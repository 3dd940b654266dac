#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of a guestos running a burst of logoffs: the next start marks every task that started and
# never ended Interrupted, with an event that says so; nothing committed is lost; the file is sound.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
fleet="$AUDIT_TMP/fleet.xml"
audit_fleet 300 "$fleet"

open=$(audit_kill_mid_burst "$db" "$fleet")
echo "caught $open task(s) between started and completed"
# What the killed process had committed, row by row, and which tasks it left open.
audit_sql "$db" "SELECT id, hash FROM events ORDER BY id" >"$AUDIT_TMP/before.txt"
audit_sql "$db" "SELECT task_id FROM tasks WHERE started AND end_kind IS NULL ORDER BY task_id" >"$AUDIT_TMP/open.txt"
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
n=$("$GUESTOS" --audit-db "$db" audit --format csv --result Interrupted | tail -n +2 | wc -l)
[ "$n" -eq "$open" ] || audit_fail "audit --result Interrupted lists $n tasks, expected $open"

# A second start finds nothing more to recover.
"$GUESTOS" -c test:///default --audit-db "$db" list >/dev/null 2>&1
[ "$(audit_sql "$db" "SELECT count(*) FROM events")" -eq "$events_after" ] ||
    audit_fail "a second start appended more events"

echo "PASS: audit_crash ($open interrupted, $events_before events kept)"
exit 0
