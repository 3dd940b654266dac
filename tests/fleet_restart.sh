#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirtd restarted under a fan-out: tasks resume on the new connection or end saying the connection
# was lost (never that the VM is unknown), every end is in the audit, and the console stays alive and
# shows the host reconnecting, then connected again.
#
# A libvirtd of our own (tests/lib_libvirtd.sh) serves the test driver on its
# own socket; bench/slow_agent.so gives every domain a fake guest agent whose
# calls take GOS_BENCH_AGENT_MS and go through the daemon, as real agent
# commands do. Part 1 runs a batch that logs off every running VM, 10 at
# once, with tests/slow_libvirt.so holding each task 3 s in its state check:
# the daemon is restarted while the first ten are there, so they find their
# connection gone and must resume on the new one, and the other ten wait in
# the queue for it. Part 2 restarts the daemon under the console, in tmux.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_libvirtd.sh"
. "$top_srcdir/tests/lib_screen.sh"

screen_require_guestos
lvd_require
AGENT="$(dirname "$GUESTOS")/bench/slow_agent.so"
[ -r "$AGENT" ] || screen_fatal "$AGENT is missing (make check builds it)"
for tool in python3 sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is needed to read the audit log." >&2
        exit 77
    fi
done

D="$SCREEN_TMP/libvirtd"
trap 'lvd_stop "$D"; screen_cleanup' EXIT
lvd_start "$D" || exit 99

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

screen_slow_preload
# 35 VMs, 20 of them running (tests/gen-fleet.sh: i mod 7 <= 3).
sh "$top_srcdir/tests/gen-fleet.sh" 35 >"$SCREEN_TMP/fleet.xml" || screen_fatal "gen-fleet.sh failed"
URI="test+unix://$SCREEN_TMP/fleet.xml?socket=$(lvd_socket "$D")"
RUNNING=20
AGENT_ENV="GOS_BENCH_FAKE_AGENT=1 GOS_BENCH_AGENT_MS=200 ASAN_OPTIONS=verify_asan_link_order=0"

# --- 1. batch: a fan-out of 20 logoffs, 10 at once, the daemon restarted under the first ten ---
cat >"$SCREEN_TMP/off.gos" <<'EOF'
filter state=running
select-all
filter
logoff
wait 170
EOF
db="$SCREEN_TMP/audit.db"
# shellcheck disable=SC2086
env $AGENT_ENV LD_PRELOAD="$AGENT $SLOW" GOS_TEST_SLOW_MS=3000 "$GUESTOS" -c "$URI" --per-host 10 --deadline 150 \
    --audit-db "$db" batch "$SCREEN_TMP/off.gos" >"$SCREEN_TMP/1.out" 2>"$SCREEN_TMP/1.err" &
batch=$!
# The restart comes once ten tasks have started (they are in their 3 s state check then).
tries=300
while [ "$tries" -gt 0 ] && [ "$(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM events WHERE kind = 'started'" 2>/dev/null)" != 10 ]; do
    sleep 0.1
    tries=$((tries - 1))
done
lvd_stop "$D"
sleep 1
lvd_start "$D" || exit 99
# The tasks' deadline (150 s) bounds the batch; this bounds the test.
tries=1800
while kill -0 "$batch" 2>/dev/null && [ "$tries" -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
done
if kill -0 "$batch" 2>/dev/null; then
    kill -KILL "$batch"
    fail "the batch did not end within 180 s of the restart"
fi
wait "$batch"
rc=$?
case $rc in
0 | 1) ok "the batch ended (exit status $rc)" ;;
*) fail "the batch ended with exit status $rc: $(tail -3 "$SCREEN_TMP/1.err")" ;;
esac
grep -q ":4: $RUNNING logoff tasks submitted." "$SCREEN_TMP/1.err" && ok "$RUNNING tasks submitted" ||
    fail "the logoff line did not submit $RUNNING tasks: $(cat "$SCREEN_TMP/1.err")"
grep -q "Connected to .* again" "$SCREEN_TMP/1.err" && ok "the batch saw the host connected again" ||
    fail "no reconnect was reported: $(cat "$SCREEN_TMP/1.err")"

"$GUESTOS" --audit-db "$db" audit --format json >"$SCREEN_TMP/audit.json" 2>"$SCREEN_TMP/audit.err" ||
    fail "audit --format json: $(cat "$SCREEN_TMP/audit.err")"
python3 - "$SCREEN_TMP/audit.json" "$RUNNING" >"$SCREEN_TMP/check" 2>&1 <<'EOF'
import json, sys
tasks = json.load(open(sys.argv[1], encoding="utf-8"))
want = int(sys.argv[2])
assert len(tasks) == want, ("tasks in the audit", len(tasks), want)
ok = 0
for t in tasks:
    # every end is on record: no task left started and never ended
    assert t["ended_at"] and t["task_result"] not in (None, "Interrupted"), t
    msg = t["message"] or ""
    # the VMs were there, the connection was not
    assert t["task_error"] != "0xA0040207" and "No virtual machine named" not in msg, t
    if t["task_error"] == "0x00000000":
        ok += 1
    else:
        assert "connection" in msg, ("a failure that does not say the connection was lost", t)
# the ten in flight at the restart had not changed their guests: they ran again on the new
# connection, and the ten in the queue waited for it
assert ok == want, ("S_OK", ok, want)
print("%d tasks ended, %d of them S_OK" % (len(tasks), ok))
EOF
if [ $? -eq 0 ]; then ok "$(cat "$SCREEN_TMP/check")"; else fail "audit: $(cat "$SCREEN_TMP/check")"; fi
"$GUESTOS" --audit-db "$db" audit verify >"$SCREEN_TMP/verify" 2>&1 && ok "audit verify: $(cat "$SCREEN_TMP/verify")" ||
    fail "audit verify: $(cat "$SCREEN_TMP/verify")"
resumed=$(sqlite3 -readonly "$db" "SELECT COUNT(DISTINCT task_id) FROM events WHERE phase = 'reconnect'")
started=$(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM events WHERE kind = 'started'")
[ "$resumed" = 10 ] && ok "the $resumed tasks under way waited for the new connection and resumed" ||
    fail "$resumed tasks resumed on the new connection, not the 10 under way"
[ "$started" = "$RUNNING" ] && ok "one started event per task, resumed or not" ||
    fail "$started started events for $RUNNING tasks"

# --- 2. the console: it shows the host reconnecting, answers keys meanwhile, and comes back ----
screen_start 100 24 LC_ALL=C.UTF-8 LANGUAGE=C
screen_run "$AGENT_ENV $(screen_quote "$GUESTOS") -c $(screen_quote "$URI") --audit-db $(screen_quote "$SCREEN_TMP/c.db"); echo \"EXIT=\$?\""
screen_wait_re '^ +app-00002 '
lvd_stop "$D"
screen_wait "connection lost, reconnecting in"
screen_wait "The connection to"
screen_wait "test+unix:///"
# Never frozen: the help comes and goes while the host is away.
screen_keys '?'
screen_wait "Keys in the VM list"
screen_keys Escape
screen_wait_gone "Keys in the VM list"
lvd_start "$D" || exit 99
# The next try may be up to 30 s away by now; refresh (F5) asks for it at once.
screen_keys F5
screen_wait "Connected to test+unix:"
screen_wait_gone "reconnecting"
screen_wait_re '^ +app-00002 '
ok "the console showed the host reconnecting, stayed alive, and is connected again"
screen_keys q
screen_wait "EXIT=0"

if [ "$failures" -gt 0 ]; then
    echo "FAIL: fleet_restart ($failures checks)" >&2
    exit 1
fi
echo "PASS: fleet_restart"
exit 0
