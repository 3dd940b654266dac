#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The disk under the audit database fills up while guestos runs a burst of logoffs (a tiny tmpfs):
# tasks already running finish, no new one starts, batch and logoff say why and exit 2, and what was
# committed before still verifies.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: mounting a tiny tmpfs needs root; tests/test_audit_engine covers a full store through max_page_count." >&2
    exit 77
fi
mnt="$AUDIT_TMP/mnt"
mkdir -p "$mnt" || exit 99
if ! mount -t tmpfs -o size=16m,mode=0700 guestos-audit-full "$mnt" 2>"$AUDIT_TMP/mount.txt"; then
    echo "SKIP: cannot mount a tmpfs here ($(cat "$AUDIT_TMP/mount.txt")); tests/test_audit_engine covers a full store." >&2
    exit 77
fi
full_cleanup() {
    for p in $audit_pids; do kill -9 "$p" 2>/dev/null; done
    umount "$mnt" 2>/dev/null
    rm -rf "$AUDIT_TMP"
}
trap full_cleanup EXIT

SLOW="$(dirname "$GUESTOS")/tests/slow_libvirt.so"
[ -r "$SLOW" ] || audit_fatal "$SLOW is missing (make check builds it)"

fleet="$AUDIT_TMP/fleet.xml"
audit_fleet 150 "$fleet"
printf 'select-all\nlogoff\nwait\n' >"$AUDIT_TMP/all.batch"

# run_until_full NAME COMMAND...: runs COMMAND on a fresh database in the tmpfs, fills the
# tmpfs once tasks have ended, and leaves the exit status in $rc and the output in NAME.out/.err.
run_until_full() {
    name=$1
    shift
    rm -f "$mnt"/*
    db="$mnt/audit.db"
    "$GUESTOS" -c test:///default --audit-db "$db" batch - </dev/null >/dev/null 2>&1 || audit_fatal "cannot make $db"
    # Each task spends SLOW_MS in its state phase (tests/slow_libvirt.so), so
    # that the disk fills while tasks still run however loaded the machine is.
    LD_PRELOAD="$SLOW" GOS_TEST_SLOW_MS=${FULL_SLOW_MS:-100} \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$@" >"$AUDIT_TMP/$name.out" 2>"$AUDIT_TMP/$name.err" &
    pid=$!
    audit_pids="$audit_pids $pid"
    n=0
    while [ "$n" -lt 200 ]; do
        [ "$(audit_sql "$db" "SELECT count(*) FROM events WHERE kind = 'completed'" 2>/dev/null || echo 0)" -ge 10 ] && break
        sleep 0.05
        n=$((n + 1))
    done
    dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
    wait "$pid"
    rc=$?
    rm -f "$mnt/filler"
}

# check_failed_closed NAME: the command said why on stderr, exited 2, started nothing after the
# failure, and the log up to it verifies.
check_failed_closed() {
    [ "$rc" -eq 2 ] || audit_fail "$1 exits $rc on a full disk, expected 2: $(cat "$AUDIT_TMP/$1.err")"
    grep -q "No new task starts: The audit database or its disk is full\." "$AUDIT_TMP/$1.err" ||
        audit_fail "$1 does not say why: $(cat "$AUDIT_TMP/$1.err")"
    started=$(audit_sql "$db" "SELECT count(*) FROM tasks WHERE started")
    [ "$started" -lt 150 ] || audit_fail "$1: all 150 tasks started, the disk never filled"
    # Every task that started and ended was recorded; those that started and could
    # not record their end are the only open ones, at most one per slot of the
    # host (20 tasks of one host run at once).
    open=$(audit_sql "$db" "SELECT count(*) FROM tasks WHERE started AND end_kind IS NULL")
    [ "$open" -le 20 ] || audit_fail "$1: $open tasks started without an end"
    # The tasks refused by the engine are in the output, with the reason.
    grep -q "DiskRelatedError" "$AUDIT_TMP/$1.out" || audit_fail "$1: no task says DiskRelatedError: $(tail -n 5 "$AUDIT_TMP/$1.out")"
    [ "$(audit_sql "$db" "PRAGMA integrity_check")" = ok ] || audit_fail "$1: integrity_check"
    "$GUESTOS" --audit-db "$db" audit verify >"$AUDIT_TMP/verify.txt" ||
        audit_fail "$1: verify after the disk filled: $(cat "$AUDIT_TMP/verify.txt")"
    echo "$1: $started of 150 tasks started before the disk filled; exit 2 with the reason"
}

run_until_full batch "$GUESTOS" -c "test://$fleet" --audit-db "$mnt/audit.db" batch "$AUDIT_TMP/all.batch"
check_failed_closed batch

vms=$(seq -f 'vm-%03g' 1 150)
# shellcheck disable=SC2086 # one argument per VM
run_until_full logoff "$GUESTOS" -c "test://$fleet" --audit-db "$mnt/audit.db" logoff $vms
check_failed_closed logoff

# Full from the start: the database cannot even be opened, and the message says why.
rm -f "$mnt"/*
"$GUESTOS" -c test:///default --audit-db "$mnt/audit.db" batch - </dev/null >/dev/null 2>&1
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
"$GUESTOS" -c test:///default --audit-db "$mnt/audit.db" logoff test >/dev/null 2>"$AUDIT_TMP/start.err"
rc=$?
[ "$rc" -eq 2 ] || audit_fail "logoff on a full disk at start exits $rc, expected 2"
grep -q "No space left on device\|full" "$AUDIT_TMP/start.err" || audit_fail "at start: $(cat "$AUDIT_TMP/start.err")"

echo "PASS: audit_full"
exit 0
