#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Who did what, from where: the identity fields of `guestos audit --format json` for the cli, batch
# and an SSH session; and two guestos processes logging off at once into one database keep one chain.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
uid=$(id -u)
user=$(id -un)
test_uuid=6695eb01-f6a4-8304-79aa-97f2502e193f   # the test driver's built-in VM "test"

# --- logoff from an SSH session, without a terminal ------------------------------
SSH_CONNECTION="198.51.100.7 50022 192.0.2.1 22" "$GUESTOS" -c test:///default --audit-db "$db" \
    logoff test </dev/null >"$AUDIT_TMP/out.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] || audit_fail "logoff on the test driver exits $rc, expected 1 (no agent): $(cat "$AUDIT_TMP/out.txt")"
"$GUESTOS" --audit-db "$db" audit --format json >"$AUDIT_TMP/a.json" || audit_fail "audit --format json"
[ "$(grep -c '"task_id"' "$AUDIT_TMP/a.json")" -eq 1 ] || audit_fail "expected one task: $(cat "$AUDIT_TMP/a.json")"
line=$(grep '"task_id"' "$AUDIT_TMP/a.json")
audit_expect_field "$line" operator "\"$user\""
audit_expect_field "$line" operator_uid "$uid"
audit_expect_field "$line" ssh '"198.51.100.7"'
audit_expect_field "$line" tty null                     # stdin, stdout and stderr are no terminal
audit_expect_field "$line" origin '"cli"'
audit_expect_field "$line" host '"test:///default"'
audit_expect_field "$line" vm_uuid "\"$test_uuid\""
audit_expect_field "$line" vm_name '"test"'
audit_expect_field "$line" action '"logoff"'
audit_expect_field "$line" task_result '"UnexpectedError"'
audit_expect_field "$line" task_error '"0xA0040505"'
audit_expect_field "$line" task_error_name '"VM_E_ADDITIONS_FEATURE_NOT_AVAIL"'
[ "$(audit_field "$line" submitted_at)" != null ] || audit_fail "no submitted_at"
[ "$(audit_field "$line" ended_at)" != null ] || audit_fail "no ended_at"
# The agent was never reached: nobody was seen logged on before or after.
audit_expect_field "$line" users_before null
audit_expect_field "$line" users_after null

# Every event of the task carries the identity, not only the summary.
n=$(audit_sql "$db" "SELECT count(*) FROM events WHERE op_uid = $uid AND op_user = '$user'
                      AND op_ssh = '198.51.100.7' AND origin = 'cli' AND host = 'test:///default'
                      AND vm_name = 'test' AND op_tty IS NULL")
total=$(audit_sql "$db" "SELECT count(*) FROM events")
[ "$n" -eq "$total" ] || audit_fail "$n of $total events carry the operator's identity"
# The VM's UUID is known from the moment the call resolved it.
n=$(audit_sql "$db" "SELECT count(*) FROM events WHERE kind IN ('progress', 'completed') AND vm_uuid IS NOT '$test_uuid'")
[ "$n" -eq 0 ] || audit_fail "$n progress or completed events lack the VM's UUID"

# --- batch: the origin names the file; no SSH_CONNECTION, no client address --------
printf 'logoff test\n' >"$AUDIT_TMP/one.batch"
env -u SSH_CONNECTION "$GUESTOS" -c test:///default --audit-db "$db" batch "$AUDIT_TMP/one.batch" \
    </dev/null >/dev/null 2>&1
line=$("$GUESTOS" --audit-db "$db" audit --format json | grep '"task_id"' | tail -n 1)
audit_expect_field "$line" origin "\"batch:$AUDIT_TMP/one.batch\""
audit_expect_field "$line" ssh null
audit_expect_field "$line" operator "\"$user\""

# --- two processes log off at once into the same database ------------------------
fleet="$AUDIT_TMP/fleet.xml"
audit_fleet 120 "$fleet"
printf 'select-all\nlogoff\nwait\n' >"$AUDIT_TMP/all.batch"
SSH_CONNECTION="203.0.113.1 1 192.0.2.1 22" "$GUESTOS" -c "test://$fleet" --audit-db "$db" \
    batch "$AUDIT_TMP/all.batch" </dev/null >"$AUDIT_TMP/p1.txt" 2>&1 &
p1=$!
SSH_CONNECTION="203.0.113.2 2 192.0.2.1 22" "$GUESTOS" -c "test://$fleet" --audit-db "$db" \
    batch "$AUDIT_TMP/all.batch" </dev/null >"$AUDIT_TMP/p2.txt" 2>&1 &
p2=$!
audit_pids="$p1 $p2"
wait "$p1"
rc1=$?
wait "$p2"
rc2=$?
# Every logoff ends 0xA0040505 on the test driver: exit 1, never 2 (no database error).
[ "$rc1" -eq 1 ] && [ "$rc2" -eq 1 ] || audit_fail "the batches exited $rc1 and $rc2: $(cat "$AUDIT_TMP/p1.txt" "$AUDIT_TMP/p2.txt")"
"$GUESTOS" --audit-db "$db" audit verify >"$AUDIT_TMP/verify.txt" || {
    cat "$AUDIT_TMP/verify.txt" >&2
    audit_fail "audit verify after two writers"
}
grep -q '^ok: ' "$AUDIT_TMP/verify.txt" || audit_fail "verify says: $(cat "$AUDIT_TMP/verify.txt")"
for who in 203.0.113.1 203.0.113.2; do
    n=$("$GUESTOS" --audit-db "$db" audit --format json | grep -c "\"ssh\": \"$who\"")
    [ "$n" -eq 120 ] || audit_fail "$n tasks from $who, expected 120"
    n=$(audit_sql "$db" "SELECT count(*) FROM tasks WHERE op_ssh = '$who' AND end_kind = 'completed'")
    [ "$n" -eq 120 ] || audit_fail "$n of the tasks from $who completed, expected 120"
done
# Their events interleave in one chain (both wrote while the other did).
switches=$(audit_sql "$db" "SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1
                            WHERE a.op_ssh LIKE '203.0.113.%' AND b.op_ssh LIKE '203.0.113.%'
                            AND a.op_ssh <> b.op_ssh")
echo "the two writers' events alternate $switches times in the chain"

echo "PASS: audit_identity"
exit 0
