#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `guestos audit verify` covers what people read, and anchors kept outside the file: through the
# binary, the tasks summary altered, forged and deleted with the sqlite3 shell; a truncated log,
# an edited event and a rewritten, validly rehashed suffix caught by --anchor SEQ:HASH.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
logoff() {
    "$GUESTOS" -c test:///default --audit-db "$1" logoff "$2" </dev/null >/dev/null 2>&1
}
# A copy that the sqlite3 shell can change alone: no -wal beside it.
snapshot() {
    sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null || audit_fatal "checkpoint of $1"
    cp "$1" "$2" || audit_fatal "copy of $1"
}

logoff "$db" test
logoff "$db" test
snapshot "$db" "$AUDIT_TMP/two.db"
logoff "$db" test
events=$(audit_sql "$db" "SELECT count(*) FROM events")
hash=$(audit_sql "$db" "SELECT hash FROM events ORDER BY id DESC LIMIT 1")
task=$(audit_sql "$db" "SELECT task_id FROM tasks ORDER BY key LIMIT 1")

# --- the head, as SEQ:HASH --------------------------------------------------------
out=$("$GUESTOS" --audit-db "$db" audit verify) || audit_fail "verify of an intact log: $out"
[ "$out" = "ok: $events events, chain head $events:$hash" ] || audit_fail "verify says: $out"
anchor="$events:$hash"

# expect_failed FILE WORDS [VERIFY ARGS]: exit 1 and a FAILED line that says WORDS.
expect_failed() {
    f=$1 words=$2
    shift 2
    out=$("$GUESTOS" --audit-db "$f" audit verify "$@" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || audit_fail "verify $* of $f exits $rc, expected 1: $out"
    printf '%s\n' "$out" | grep -q "^FAILED.*$words" || audit_fail "verify $* of $f says: $out"
    printf '%s\n' "$out" | grep -q '^chain head [0-9][0-9]*:[0-9a-f]\{64\}$' || audit_fail "no head in: $out"
}

# --- the summary, which audit, the exports and the audit view read -----------------
tamper() {
    snapshot "$db" "$AUDIT_TMP/$1.db"
    sqlite3 "$AUDIT_TMP/$1.db" "$2" || audit_fatal "sqlite3 could not alter $1.db"
}
tamper fine "UPDATE tasks SET task_result = 0, message = 'All fine' WHERE task_id = '$task'"
# What a reviewer would see: the lie, until verify names it.
"$GUESTOS" --audit-db "$AUDIT_TMP/fine.db" audit --format csv | grep -q "All fine" ||
    audit_fatal "the altered summary does not show"
expect_failed "$AUDIT_TMP/fine.db" "summary was altered: the task_result of task $task differs"
tamper message "UPDATE tasks SET message = 'All fine' WHERE task_id = '$task'"
expect_failed "$AUDIT_TMP/message.db" "the message of task $task differs"
tamper users "UPDATE tasks SET users_after = '[]' WHERE task_id = '$task'"
expect_failed "$AUDIT_TMP/users.db" "the users_after of task $task differs"
tamper when "UPDATE tasks SET submitted_at = submitted_at - 86400000 WHERE task_id = '$task'"
expect_failed "$AUDIT_TMP/when.db" "the submitted_at of task $task differs"
# The text index that --search reads: a task's entries removed hide it from a search.
tamper unindexed "INSERT INTO tasks_text(tasks_text, rowid, vm_name, message, users_before, users_after)
    SELECT 'delete', key, vm_name, message, users_before, users_after FROM tasks WHERE task_id = '$task'"
[ "$("$GUESTOS" --audit-db "$AUDIT_TMP/unindexed.db" audit --search test --format csv | grep -c "$task")" = 0 ] ||
    audit_fatal "the removed index entries do not hide the task"
expect_failed "$AUDIT_TMP/unindexed.db" "text index that search reads lacks task $task"
# Its entries deleted and forged ones put under the same rowid (the docsize row is back):
# the task hides from a search for its VM, and verify compares every entry with the text.
tamper reindexed "INSERT INTO tasks_text(tasks_text, rowid, vm_name, message, users_before, users_after)
    SELECT 'delete', key, vm_name, message, users_before, users_after FROM tasks WHERE task_id = '$task';
    INSERT INTO tasks_text(rowid, vm_name, message, users_before, users_after)
    SELECT key, 'zzz', message, users_before, users_after FROM tasks WHERE task_id = '$task'"
[ "$(audit_sql "$AUDIT_TMP/reindexed.db" "SELECT count(*) FROM tasks_text_docsize d JOIN tasks t ON t.key = d.id
    WHERE t.task_id = '$task'")" = 1 ] || audit_fatal "the forged entry has no docsize row"
[ "$("$GUESTOS" --audit-db "$AUDIT_TMP/reindexed.db" audit --search test --format csv | grep -c "$task")" = 0 ] ||
    audit_fatal "the forged index entries do not hide the task"
expect_failed "$AUDIT_TMP/reindexed.db" "text index that search reads .* task $task.*entries were changed"
# Its index replaced by one that keeps positions: every entry differs in kind.
tamper detailed "DROP TABLE tasks_text;
    CREATE VIRTUAL TABLE tasks_text USING fts5(vm_name, message, users_before, users_after,
        content='tasks', content_rowid='key', tokenize='trigram');
    INSERT INTO tasks_text(tasks_text) VALUES ('rebuild')"
expect_failed "$AUDIT_TMP/detailed.db" "text index that search reads"
# The guards and the fold: dropped, verify names the trigger, and guestos records nothing there.
for trig in events_no_update events_no_delete events_fold; do
    tamper "no-$trig" "DROP TRIGGER $trig"
    expect_failed "$AUDIT_TMP/no-$trig.db" "trigger $trig that keeps the log append-only"
    before=$(audit_sql "$AUDIT_TMP/no-$trig.db" "SELECT count(*) FROM events")
    "$GUESTOS" -c test:///default --audit-db "$AUDIT_TMP/no-$trig.db" logoff test </dev/null >/dev/null \
        2>"$AUDIT_TMP/no-$trig.err"
    rc=$?
    [ "$rc" -eq 2 ] || audit_fail "a logoff into a store without $trig exits $rc, expected 2"
    grep -q "its trigger $trig is missing or changed" "$AUDIT_TMP/no-$trig.err" ||
        audit_fail "a logoff into a store without $trig says: $(cat "$AUDIT_TMP/no-$trig.err")"
    [ "$(audit_sql "$AUDIT_TMP/no-$trig.db" "SELECT count(*) FROM events")" -eq "$before" ] ||
        audit_fail "guestos recorded into a store without $trig"
done
tamper forged "INSERT INTO tasks(key, task_id, submitted_at, vm_name, message, task_result)
               VALUES (9999, 'forged-task', 1, 'web01', 'All fine', 0)"
expect_failed "$AUDIT_TMP/forged.db" "holds task forged-task, which no event records"
tamper deleted "DELETE FROM tasks WHERE task_id = '$task'"
expect_failed "$AUDIT_TMP/deleted.db" "lacks task $task, which the events record"
# A damaged page of the summary (its cell pointers overwritten): a finding, exit 1, not an error.
snapshot "$db" "$AUDIT_TMP/damaged.db"
root=$(audit_sql "$AUDIT_TMP/damaged.db" "SELECT rootpage FROM sqlite_master WHERE name = 'tasks'")
size=$(audit_sql "$AUDIT_TMP/damaged.db" "PRAGMA page_size")
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of="$AUDIT_TMP/damaged.db" bs=1 seek=$(( (root - 1) * size + 8 )) conv=notrunc 2>/dev/null ||
    audit_fatal "cannot damage the copy"
expect_failed "$AUDIT_TMP/damaged.db" "The tasks summary that the review and the exports read is damaged"
# verify only reads, even while it re-folds.
sum=$(cksum <"$AUDIT_TMP/fine.db")
"$GUESTOS" --audit-db "$AUDIT_TMP/fine.db" audit verify >/dev/null
[ "$(cksum <"$AUDIT_TMP/fine.db")" = "$sum" ] || audit_fail "verify changed the file"

# --- anchors ---------------------------------------------------------------------
out=$("$GUESTOS" --audit-db "$db" audit verify --anchor "$anchor") || audit_fail "verify --anchor of the log itself: $out"
# An older anchor holds too, in capitals as well.
old=$(audit_sql "$db" "SELECT id || ':' || upper(hash) FROM events WHERE id = 3")
"$GUESTOS" --audit-db "$db" audit verify --anchor "$old" --anchor "$anchor" >/dev/null ||
    audit_fail "verify with two good anchors fails"

# Truncation: the copy taken after two tasks is a sound log by itself ...
out=$("$GUESTOS" --audit-db "$AUDIT_TMP/two.db" audit verify) || audit_fail "the shorter log alone: $out"
# ... that the head kept outside proves short.
expect_failed "$AUDIT_TMP/two.db" "events were cut off its end" --anchor "$anchor"

# An event edited in place: the chain breaks before the anchor is even reached.
tamper edited "DROP TRIGGER events_no_update; UPDATE events SET message = 'nothing' WHERE id = 2"
expect_failed "$AUDIT_TMP/edited.db" "at event 2: .*altered" --anchor "$anchor"

# A rewritten suffix with a valid chain: the shorter copy, extended with another
# task by guestos itself (every hash right), is what an attacker who knows the
# algorithm writes. verify alone passes it; the anchor does not.
cp "$AUDIT_TMP/two.db" "$AUDIT_TMP/rewritten.db"
logoff "$AUDIT_TMP/rewritten.db" no-such-vm-at-all
logoff "$AUDIT_TMP/rewritten.db" test
[ "$(audit_sql "$AUDIT_TMP/rewritten.db" "SELECT count(*) FROM events")" -ge "$events" ] ||
    audit_fatal "the rewritten log is shorter than the anchor"
out=$("$GUESTOS" --audit-db "$AUDIT_TMP/rewritten.db" audit verify) || audit_fail "the rewritten log alone: $out"
expect_failed "$AUDIT_TMP/rewritten.db" "Event $events no longer has the anchored hash" --anchor "$anchor"

# Anchors that are not one: usage, exit 2, one line.
for bad in "$hash" "0:$hash" "x:$hash" "$events:abc" "$events:${hash}0"; do
    "$GUESTOS" --audit-db "$db" audit verify --anchor "$bad" >/dev/null 2>"$AUDIT_TMP/err.txt"
    rc=$?
    [ "$rc" -eq 2 ] || audit_fail "--anchor $bad exits $rc, expected 2"
    grep -q "is not an anchor: use SEQ:HASH" "$AUDIT_TMP/err.txt" || audit_fail "--anchor $bad says: $(cat "$AUDIT_TMP/err.txt")"
    [ "$(wc -l <"$AUDIT_TMP/err.txt")" -eq 1 ] || audit_fail "--anchor $bad wrote more than one line"
done

echo "PASS: audit_summary"
exit 0
