#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `guestos audit` exports 100,000 tasks as table, CSV and JSON in constant memory, with the same
# filter words as the audit view.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
N=100000

# A database made by guestos, then 100,000 finished tasks written straight into
# its task summary. Every export reads only that summary (the events are the
# record of truth for verify; appending 520,000 of them one by one would take
# minutes): 30 s apart from 2024-01-01, 2000 VMs, 25 operators, 30% timed out.
"$GUESTOS" -c test:///default --audit-db "$db" batch - </dev/null >/dev/null 2>&1 || audit_fatal "guestos cannot make $db"
sqlite3 "$db" <<EOF || audit_fatal "sqlite3 cannot fill $db"
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO tasks (key, task_id, submitted_at, ended_at, end_kind, started, host, vm_uuid, vm_name,
    action, op_uid, op_user, op_tty, op_ssh, origin, op_pid, op_node, phase, percent, call_hr,
    task_result, task_error, virt_code, message, users_before, users_after)
SELECT 5 * i, printf('gen-%06d', i), 1704067200000 + i * 30000, 1704067200000 + i * 30000 + 700,
    'completed', 1, 'test:///default', printf('6695eb01-0000-4000-8000-%012d', i % 2000),
    printf('vm-%04d', i % 2000), 'logoff', 1000, printf('op%02d', i % 25), 'pts/3', '192.0.2.10',
    'batch:gen', 4242, 'gen', 'verify', 100, 0,
    CASE WHEN i % 10 < 7 THEN 0 ELSE 6 END, CASE WHEN i % 10 < 7 THEN 0 ELSE 2684617218 END,
    CASE WHEN i % 10 < 7 THEN 0 ELSE 86 END,
    CASE WHEN i % 10 < 7 THEN 'All users were logged off.' ELSE 'Guest agent is not responding, "quoted", and, commas' END,
    '["alice","bob"]', CASE WHEN i % 10 < 7 THEN '[]' ELSE '["bob"]' END
FROM n;
COMMIT;
EOF

# Peak resident memory of a command, in KiB, when /usr/bin/time can tell.
TIME=/usr/bin/time
if [ -x "$TIME" ] && "$TIME" -f %M true >/dev/null 2>&1; then
    have_time=1
else
    have_time=
    echo "note: no GNU time at $TIME; the memory checks are left out, the rest runs" >&2
fi
# ASan keeps freed memory in quarantine; a small one keeps its RSS about the program's.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1
export ASAN_OPTIONS

# export FORMAT OUT [FILTER...]: runs the export, checks the exit status, sets $rss (KiB) and $secs.
export_to() {
    fmt=$1
    out=$2
    shift 2
    start=$(date +%s.%N)
    if [ -n "$have_time" ]; then
        "$TIME" -f %M -o "$AUDIT_TMP/rss" "$GUESTOS" --audit-db "$db" audit --format "$fmt" "$@" >"$out"
        rc=$?
        rss=$(tail -n 1 "$AUDIT_TMP/rss")
    else
        "$GUESTOS" --audit-db "$db" audit --format "$fmt" "$@" >"$out"
        rc=$?
        rss=0
    fi
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    [ "$rc" -eq 0 ] || audit_fail "audit --format $fmt $* exits $rc"
}

for fmt in csv json table; do
    # A tenth of the log first (the same walk over the summary, fewer rows written), then all of it.
    export_to "$fmt" "$AUDIT_TMP/small.$fmt" --until 2024-01-04T11:20:00Z
    small=$rss
    export_to "$fmt" "$AUDIT_TMP/all.$fmt"
    echo "export $fmt: $N tasks in ${secs}s, peak RSS ${rss} KiB (${small} KiB for a tenth)"
    if [ -n "$have_time" ] && [ "$rss" -gt $((small + 6144)) ]; then
        audit_fail "export $fmt grows with the rows: $rss KiB for $N tasks, $small KiB for a tenth"
    fi
done

# Every task, once, oldest first.
[ "$(wc -l <"$AUDIT_TMP/all.csv")" -eq $((N + 1)) ] || audit_fail "the CSV has $(wc -l <"$AUDIT_TMP/all.csv") lines"
[ "$(wc -l <"$AUDIT_TMP/all.table")" -eq $((N + 1)) ] || audit_fail "the table has $(wc -l <"$AUDIT_TMP/all.table") lines"
[ "$(grep -c '"task_id"' "$AUDIT_TMP/all.json")" -eq "$N" ] || audit_fail "the JSON has the wrong number of tasks"
sed -n 2p "$AUDIT_TMP/all.csv" | grep -q '^gen-000001,2024-01-01T00:00:30.000Z,' || audit_fail "the CSV does not start with the oldest task"
tail -n 1 "$AUDIT_TMP/all.csv" | grep -q "^gen-$N," || audit_fail "the CSV does not end with the newest task"
# RFC 4180: a message with quotes and commas is quoted, its quotes doubled, CRLF ends records.
grep -q '"Guest agent is not responding, ""quoted"", and, commas"' "$AUDIT_TMP/all.csv" || audit_fail "CSV quoting"
[ "$(grep -c "$(printf '\r')\$" "$AUDIT_TMP/all.csv")" -eq $((N + 1)) ] || audit_fail "CSV records do not end in CRLF"
# Valid JSON, when a JSON tool is at hand.
if command -v jq >/dev/null 2>&1; then
    [ "$(jq length "$AUDIT_TMP/all.json")" -eq "$N" ] || audit_fail "jq does not read $N tasks"
fi

# The filter words of the audit view, against what SQL counts in the same summary.
check_filter() {
    want=$(audit_sql "$db" "SELECT count(*) FROM tasks WHERE $1")
    shift
    "$GUESTOS" --audit-db "$db" audit --format csv "$@" >"$AUDIT_TMP/f.csv" || audit_fail "audit $*"
    got=$(($(wc -l <"$AUDIT_TMP/f.csv") - 1))
    [ "$got" -eq "$want" ] || audit_fail "audit $* lists $got tasks, SQL counts $want"
}
check_filter "vm_name = 'vm-0007'" --vm vm-0007
check_filter "vm_uuid = '6695eb01-0000-4000-8000-000000000007'" --vm 6695eb01-0000-4000-8000-000000000007
check_filter "op_user = 'op03' AND task_result = 6" --operator op03 --result TimeOutError
check_filter "task_error = 2684617218 OR call_hr = 2684617218" --hresult VM_E_TIMED_OUT
check_filter "task_error = 2684617218 OR call_hr = 2684617218" --hresult=0xA0040202
# A date alone for --until takes that whole day in.
check_filter "submitted_at BETWEEN 1704153600000 AND 1704326399999" --since 2024-01-02 --until 2024-01-03
check_filter "message LIKE '%quoted%' AND vm_name = 'vm-0003'" --search QUOTED --vm vm-0003
check_filter "0" --action refresh
# A bad word is refused with the view's sentence, exit 2.
"$GUESTOS" --audit-db "$db" audit --result Fine >/dev/null 2>"$AUDIT_TMP/err.txt"
[ $? -eq 2 ] || audit_fail "a bad --result does not exit 2"
grep -q "'Fine' is not a task result" "$AUDIT_TMP/err.txt" || audit_fail "a bad --result says: $(cat "$AUDIT_TMP/err.txt")"

echo "PASS: audit_export"
exit 0
