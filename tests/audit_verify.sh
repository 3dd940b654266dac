#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `guestos audit verify` through the binary against a database altered with the sqlite3 shell, and
# a database of a newer schema, which every command refuses (exit 2) and leaves byte for byte alone.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"

# Three real tasks (each ends 0xA0040505 on the test driver), five events each.
for i in 1 2 3; do
    "$GUESTOS" -c test:///default --audit-db "$db" logoff test </dev/null >/dev/null 2>&1
done
events=$(audit_sql "$db" "SELECT count(*) FROM events")
[ "$events" -ge 9 ] || audit_fatal "only $events events were recorded"
head=$(audit_sql "$db" "SELECT hash FROM events ORDER BY id DESC LIMIT 1")

# --- intact: exit 0, and the chain head to keep elsewhere --------------------------
out=$("$GUESTOS" --audit-db "$db" audit verify)
rc=$?
[ "$rc" -eq 0 ] || audit_fail "verify of an intact log exits $rc: $out"
[ "$out" = "ok: $events events, chain head $events:$head" ] || audit_fail "verify says: $out"

# expect_broken FILE ID WORDS: verify exits 1, names event ID and says WORDS, and prints the head.
expect_broken() {
    out=$("$GUESTOS" --audit-db "$1" audit verify)
    rc=$?
    [ "$rc" -eq 1 ] || audit_fail "verify of $1 exits $rc, expected 1: $out"
    printf '%s\n' "$out" | grep -q "^FAILED at event $2: .*$3" || audit_fail "verify of $1 says: $out"
    printf '%s\n' "$out" | grep -q '^chain head [0-9][0-9]*:[0-9a-f]\{64\}$' || audit_fail "verify of $1 prints no chain head: $out"
}

# The triggers refuse UPDATE and DELETE: an attacker drops them first.
tamper() {
    cp "$db" "$AUDIT_TMP/$1.db"
    sqlite3 "$AUDIT_TMP/$1.db" "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; $2" ||
        audit_fatal "sqlite3 could not alter $1.db"
}

# Without dropping them, the database itself refuses.
cp "$db" "$AUDIT_TMP/guarded.db"
if sqlite3 "$AUDIT_TMP/guarded.db" "UPDATE events SET vm_name = 'evil' WHERE id = 2" 2>/dev/null; then
    audit_fail "the triggers let an UPDATE through"
fi

# A field changed.
tamper altered "UPDATE events SET message = 'nothing happened' WHERE id = 4"
expect_broken "$AUDIT_TMP/altered.db" 4 "altered"
# A row deleted.
tamper deleted "DELETE FROM events WHERE id = 6"
expect_broken "$AUDIT_TMP/deleted.db" 6 "missing"
# A row inserted in the middle (linked to the one before it, but its hash made
# up: the algorithm is not in the shell's reach): the rows after it move up.
tamper inserted "UPDATE events SET id = id + 1000 WHERE id >= 5;
                 UPDATE events SET id = id - 999 WHERE id >= 1005;
                 INSERT INTO events SELECT 5, kind, task_id, ts_ms, op_uid, op_user, op_tty, op_ssh, op_pid,
                     op_node, origin, host, vm_uuid, vm_name, action, phase, percent, call_hr, call_hr_hex,
                     task_result, task_error, task_error_hex, virt_code, 'forged', users_before,
                     users_after, hash, hash, users_format FROM events WHERE id = 4"
expect_broken "$AUDIT_TMP/inserted.db" 5 "inserted\|altered"
# A row forged at the end with a made-up hash.
tamper appended "INSERT INTO events SELECT id + 1, kind, task_id, ts_ms, op_uid, op_user, op_tty, op_ssh, op_pid,
                     op_node, origin, host, vm_uuid, vm_name, action, phase, percent, call_hr, call_hr_hex,
                     task_result, task_error, task_error_hex, virt_code, message, users_before,
                     users_after, hash, hash, users_format FROM events WHERE id = $events"
expect_broken "$AUDIT_TMP/appended.db" $((events + 1)) "altered or forged"
# verify only reads: the altered file is as it was.
sum=$(cksum <"$AUDIT_TMP/altered.db")
"$GUESTOS" --audit-db "$AUDIT_TMP/altered.db" audit verify >/dev/null
[ "$(cksum <"$AUDIT_TMP/altered.db")" = "$sum" ] || audit_fail "verify changed the file"

# --- a newer schema: refused with a clear message, exit 2, file unchanged ----------
cp "$db" "$AUDIT_TMP/newer.db"
sqlite3 "$AUDIT_TMP/newer.db" "PRAGMA user_version = 99; PRAGMA journal_mode = DELETE;" >/dev/null
sum=$(cksum <"$AUDIT_TMP/newer.db")
for cmd in "audit" "audit --format json" "audit verify" "-c test:///default list" "-c test:///default logoff test"; do
    # shellcheck disable=SC2086 # the words of cmd are separate arguments
    "$GUESTOS" --audit-db "$AUDIT_TMP/newer.db" $cmd </dev/null >"$AUDIT_TMP/out.txt" 2>"$AUDIT_TMP/err.txt"
    rc=$?
    [ "$rc" -eq 2 ] || audit_fail "'$cmd' on a newer database exits $rc, expected 2"
    [ ! -s "$AUDIT_TMP/out.txt" ] || audit_fail "'$cmd' on a newer database printed: $(cat "$AUDIT_TMP/out.txt")"
    grep -q "written by a newer guestos (schema version 99; this one knows up to [0-9]*), so it was left untouched" \
        "$AUDIT_TMP/err.txt" || audit_fail "'$cmd' says: $(cat "$AUDIT_TMP/err.txt")"
    [ "$(wc -l <"$AUDIT_TMP/err.txt")" -eq 1 ] || audit_fail "'$cmd' wrote more than one line: $(cat "$AUDIT_TMP/err.txt")"
    [ "$(cksum <"$AUDIT_TMP/newer.db")" = "$sum" ] || audit_fail "'$cmd' changed the newer database"
done

echo "PASS: audit_verify"
exit 0
