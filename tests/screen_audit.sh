#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit view in the console: a crash noticed at start, the filter prompt and its title, the task
# detail, a VM's history and back, a slow search, and failing closed when the database locks up.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"
. "$top_srcdir/tests/lib_audit.sh"

screen_require_tmux
db="$AUDIT_TMP/audit.db"
user=$(id -un)

# Two logoffs from an SSH session; then a run killed mid-burst leaves tasks
# open, for the console's start to find.
for i in 1 2; do
    SSH_CONNECTION="198.51.100.7 50022 192.0.2.1 22" "$GUESTOS" -c test:///default --audit-db "$db" \
        logoff test </dev/null >/dev/null 2>&1
done
fleet="$AUDIT_TMP/fleet.xml"
audit_fleet 300 "$fleet"
cp "$db" "$AUDIT_TMP/two.db"
open=$(audit_kill_mid_burst "$db" "$fleet" "$AUDIT_TMP/two.db")

console() {
    screen_run "$(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$1"); echo \"EXIT=\$?\""
}

# prompt KEY TEXT: opens the prompt of KEY, types TEXT, runs it.
prompt() {
    screen_keys "$1"
    screen_wait "Enter Run"
    [ -n "$2" ] && screen_type "$2"
    screen_keys Enter
    screen_wait_gone "Enter Run"
}

# A zone far from UTC, so that a time shown in it would not find its task.
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TZ=XST-5:30
console "$db"
screen_wait_re '^ +test +.*running'

# --- the start noticed the killed run ----------------------------------------------
if [ "$open" -eq 1 ]; then
    screen_wait "1 task of an earlier run was interrupted; the audit log says so."
else
    screen_wait "$open tasks of an earlier run were interrupted; the audit log says so."
fi

# --- the audit view, newest first ----------------------------------------------------
screen_keys a
screen_wait "All tasks, newest first"
screen_wait_line "vm-" "Interrupted"
screen_wait "f Filter"

# The filter prompt takes the words of `guestos audit`; the title shows them.
prompt f "--result Interrupted"
screen_wait "Filter: --result Interrupted"
screen_wait_line "vm-" "Interrupted"
screen_expect_absent "VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
# Enter: every field of the task under the cursor; Esc: the list again.
screen_keys Enter
screen_wait_line "Result" "Interrupted"
screen_wait_line "Message" "The task was interrupted"
screen_wait_line "Host" "test:///"
screen_wait "(audit key "
# Times in UTC, as the filters read them and the exports write them.
screen_wait_re 'Submitted +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC'
shown=$(screen_capture | sed -n 's/.*Submitted  *\([0-9-]* [0-9:]*\) UTC.*/\1/p' | head -n 1)
screen_keys Escape
screen_wait "Submitted UTC"
screen_wait "Filter: --result Interrupted"
# The time the view shows, typed into a filter, finds the task it was read from.
since=$(printf '%s' "$shown" | tr ' ' T)Z
prompt f "--result Interrupted --since $since"
screen_wait "Filter: --result Interrupted --since $since"
screen_wait_line "logoff" "Interrupted"
prompt f "--result Interrupted"

# Two words, one of them the operator; then the detail of a task from SSH.
prompt f "--vm test --operator $user"
screen_wait "Filter: --vm test --operator $user"
screen_wait_line "test" "UnexpectedError"
screen_keys Enter
screen_wait_line "VM" "test (UUID 6695eb01-f6a4-8304-79aa-97f2502e193f)"
screen_wait_line "Operator" "$user (uid $(id -u))"
screen_wait_line "SSH client" "198.51.100.7"
screen_wait_line "Origin" "cli"
# The phase in words, with the word the exports write.
screen_wait_line "Phase" "checking agent (check-agent)"
screen_wait_line "Call HRESULT" "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
screen_wait_line "Task Error" "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
screen_wait "The integration components feature is not installed"
screen_wait_line "Users" "before: unknown; after: unknown"
screen_keys Escape
screen_wait "Submitted"

# '/' sets the search and keeps the rest of the filter.
prompt / "no-such-vm"
screen_wait "Filter: --vm test --operator $user --search no-such-vm"
screen_wait "No task in the audit log matches the filter."
# A bad word: the status line says why, the filter stays.
prompt f "--result Fine"
screen_wait "'Fine' is not a task result"
screen_wait "Filter: --vm test --operator $user --search no-such-vm"
# An empty filter shows everything again.
prompt f ""
screen_wait "All tasks, newest first"

# --- a VM's history, and back to the VM list at the same VM --------------------------
screen_keys v
screen_wait_re '^ +test +.*running'
screen_keys h
screen_wait "Filter: --vm 6695eb01-f6a4-8304-79aa-97f2502e193f --host test:///default"
screen_wait "The audit history of test."
screen_wait_line "test" "0xA0040505"
screen_expect_absent "Interrupted"
screen_keys Escape
screen_wait_re '^ +test +.*running'
screen_wait "VM list"

# --- the database locks up: no new task, and the status line says why ----------------
started_before=$(audit_sql "$db" "SELECT count(*) FROM events WHERE kind = 'started'")
# Another program holds the write lock longer than guestos waits (5 s).
(echo "BEGIN IMMEDIATE;"; sleep 12; echo "ROLLBACK;") | sqlite3 "$db" &
locker=$!
audit_pids="$audit_pids $locker"
sleep 0.5
screen_keys L
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
SCREEN_TIMEOUT=20 screen_wait "No new task starts: Another process kept the audit database locked."
# Asked again, the console refuses before anything starts.
screen_keys L
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
screen_wait "No new task starts: Another process kept the audit database locked."
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
screen_keys q
screen_wait "EXIT=0"
# Nothing started. (The refused task's own end may be recorded once the lock
# goes: it says the task never ran, and why.)
[ "$(audit_sql "$db" "SELECT count(*) FROM events WHERE kind = 'started'")" = "$started_before" ] ||
    screen_fail "a task started after the audit log failed"

# --- a search slow enough for the worker, at 200,000 tasks ---------------------------
big="$AUDIT_TMP/big.db"
"$GUESTOS" -c test:///default --audit-db "$big" batch - </dev/null >/dev/null 2>&1
sqlite3 "$big" "PRAGMA synchronous = OFF;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
    INSERT INTO tasks (key, task_id, submitted_at, vm_name, action, op_user, task_result, message)
    SELECT i, printf('gen-%06d', i), 1704067200000 + i * 30000, printf('vm-%04d', i % 2000), 'logoff',
           'op01', 0, 'All users were logged off.' FROM n" || screen_fatal "cannot fill $big"
console "$big"
screen_wait_re '^ +test +.*running'
screen_keys a
screen_wait_line "vm-0000" "Success"
screen_keys /
screen_wait "Enter Run"
screen_type "no such text"
screen_keys Enter
# Either the worker's "Searching" shows, or the answer came first; the keys work meanwhile.
screen_keys '?'
screen_wait "keys and actions"
screen_keys Escape
screen_wait "No task in the audit log matches the filter."
screen_keys q
screen_wait "EXIT=0"

echo "PASS: screen_audit"
exit 0
