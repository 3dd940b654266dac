#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Forwarding the audit log to the journal, without a running journald: the test binds the datagram
# socket that GUESTOS_JOURNAL_SOCKET names and checks, through the binary (logoff, and a batch on a
# fleet with hostile VM names and a hostile SSH_CONNECTION), every field of every event against the
# database, the escaping, an anchor from the journal; a burst of 400 VMs that arrives whole, and a
# stopped journal that costs the tasks nothing; then a dead socket, which changes nothing in
# the store and is counted in the batch's summary; then [audit] forward = off and a bad value.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed for the journal stand-in." >&2; exit 77; }
sink="$top_srcdir/tests/journal_sink.py"

sock="$AUDIT_TMP/journal.socket"
got="$AUDIT_TMP/journal.bin"
start_sink() {
    rm -f "$sock" "$sock.ready"
    python3 "$sink" listen "$sock" "$got" &
    sink_pid=$!
    audit_pids="$audit_pids $sink_pid"
    n=0
    while [ ! -e "$sock.ready" ] && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    [ -e "$sock.ready" ] || audit_fatal "the journal stand-in did not start"
}
stop_sink() {
    # Datagrams are queued on the socket: let the sink read the last ones.
    sleep 0.3
    kill "$sink_pid" 2>/dev/null
    wait "$sink_pid" 2>/dev/null
}

conf="$AUDIT_TMP/guestos.conf"
printf '[audit]\nforward = journal\n' >"$conf"
export GUESTOS_JOURNAL_SOCKET="$sock"

# A fleet whose guests chose their names: a formula, a C1 CSI, a right-to-left override, a quote.
fleet="$AUDIT_TMP/fleet.xml"
cat >"$fleet" <<'EOF'
<?xml version="1.0"?>
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active><mhz>2000</mhz><model>x86_64</model></cpu>
  <memory>8388608</memory>
  <domain type="test"><name>=cmd|&#x9b;31m&#x202e;evil"x</name><uuid>6695eb01-0000-4000-8000-000000000001</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices><channel type="unix"><target type="virtio" name="org.qemu.guest_agent.0"/></channel></devices></domain>
  <domain type="test"><name>plain-vm</name><uuid>6695eb01-0000-4000-8000-000000000002</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
</node>
EOF

db="$AUDIT_TMP/audit.db"
start_sink
# auto picks the journal where the socket is (here, the one the variable names).
"$GUESTOS" -c test:///default --audit-db "$db" logoff test </dev/null >/dev/null 2>&1
[ $? -eq 1 ] || audit_fail "the logoff on the test driver did not end as it does (exit 1)"
printf 'select-all\nlogoff\nwait\n' >"$AUDIT_TMP/all.batch"
SSH_CONNECTION="$(printf '10.0.0.1\033]52;c;ZXZpbA==\007\nFORGED=1 4711 10.0.0.2 22')" \
    "$GUESTOS" --config "$conf" -c "test://$fleet" --audit-db "$db" batch "$AUDIT_TMP/all.batch" \
    </dev/null >"$AUDIT_TMP/batch.out" 2>&1
stop_sink
grep -q "not forwarded" "$AUDIT_TMP/batch.out" && audit_fail "a live socket counted failures: $(cat "$AUDIT_TMP/batch.out")"
out=$(python3 "$sink" check "$got" "$db") || audit_fail "the journal's events: $out"
echo "journal: $out"
case "$out" in
*completed*started*) ;;
*) audit_fail "not every kind of event was seen: $out" ;;
esac
# The hostile texts arrived cleaned (guestos cleans VM names when it reads them;
# the client address reaches the store raw, and the journal cleaned).
grep -a -q 'GUESTOS_VM_NAME==cmd|?31m?evil"x' "$got" || audit_fail "the hostile VM name did not arrive cleaned"
grep -a -q 'GUESTOS_SSH_CONNECTION=10.0.0.1?\]52;c;ZXZpbA==??FORGED=1$' "$got" ||
    audit_fail "the hostile SSH_CONNECTION did not arrive cleaned"
[ "$(audit_sql "$db" "SELECT count(*) FROM events WHERE instr(op_ssh, char(27)) > 0")" -gt 0 ] ||
    audit_fail "the store does not hold the raw client address"

# The last anchor the journal kept verifies the file; the file cut short does not.
anchor=$(LC_ALL=C grep -a -o 'GUESTOS_ANCHOR=[0-9]*:[0-9a-f]*' "$got" | tail -n 1 | cut -d= -f2)
"$GUESTOS" --audit-db "$db" audit verify --anchor "$anchor" >/dev/null || audit_fail "verify --anchor $anchor of the journal"

# --- a value longer than a journal field carries (64 KiB): cut, and said to be -------------------
long_db="$AUDIT_TMP/long.db"
rm -f "$got"
start_sink
SSH_CONNECTION="$(head -c 70000 /dev/zero | tr '\0' 'x') 4711 10.0.0.2 22" \
    "$GUESTOS" --config "$conf" -c test:///default --audit-db "$long_db" logoff test </dev/null >/dev/null 2>&1
stop_sink
out=$(python3 "$sink" check "$got" "$long_db") || audit_fail "a long value in the journal: $(echo "$out" | cut -c1-300)"
LC_ALL=C grep -a -q 'GUESTOS_SSH_CONNECTION_BYTES=70000' "$got" || audit_fail "a cut field does not say how long it is"

# --- a burst: 400 VMs at once make some 2,000 events in a second, faster than the stand-in
# reads them; every one arrives (the forwarder waits for room rather than drop them) ------------
sh "$top_srcdir/tests/gen-fleet.sh" 400 >"$AUDIT_TMP/big.xml" || audit_fatal "gen-fleet.sh"
burst="$AUDIT_TMP/burst.db"
rm -f "$got"
start_sink
"$GUESTOS" --config "$conf" -c "test://$AUDIT_TMP/big.xml" --audit-db "$burst" batch "$AUDIT_TMP/all.batch" \
    </dev/null >"$AUDIT_TMP/burst.out" 2>&1
stop_sink
grep -q "not forwarded" "$AUDIT_TMP/burst.out" && audit_fail "a burst lost events: $(tail -n 1 "$AUDIT_TMP/burst.out")"
out=$(python3 "$sink" check "$got" "$burst") || audit_fail "the burst's events in the journal: $(echo "$out" | cut -c1-300)"
echo "burst: $out"

# --- a journal that stopped reading: the tasks end as ever, everything is recorded, and what
# did not reach the journal is counted --------------------------------------------------------
stuck="$AUDIT_TMP/stuck.db"
start_sink
kill -STOP "$sink_pid"
"$GUESTOS" --config "$conf" -c "test://$AUDIT_TMP/big.xml" --audit-db "$stuck" batch "$AUDIT_TMP/all.batch" \
    </dev/null >"$AUDIT_TMP/stuck.out" 2>&1
stuck_rc=$?
kill -CONT "$sink_pid"
stop_sink
[ "$stuck_rc" -eq 1 ] || audit_fail "a stopped journal changed the exit status to $stuck_rc"
grep -q "^Summary: 400 tasks" "$AUDIT_TMP/stuck.out" || audit_fail "the batch under a stopped journal: $(cat "$AUDIT_TMP/stuck.out")"
[ "$(audit_sql "$stuck" "SELECT count(*) FROM events")" -eq "$(audit_sql "$burst" "SELECT count(*) FROM events")" ] ||
    audit_fail "a stopped journal changed what was recorded"
grep -q "audit events were not forwarded to the system log" "$AUDIT_TMP/stuck.out" ||
    audit_fail "the summary does not count what a stopped journal did not take: $(tail -n 2 "$AUDIT_TMP/stuck.out")"
"$GUESTOS" --audit-db "$stuck" audit verify >/dev/null || audit_fail "verify after a stopped journal"

# --- a dead socket: nothing changes in the store, the failures are counted and shown ----------
dead="$AUDIT_TMP/dead.db"
live="$AUDIT_TMP/live.db"
start_sink
"$GUESTOS" --config "$conf" -c "test://$fleet" --audit-db "$live" batch "$AUDIT_TMP/all.batch" </dev/null \
    >"$AUDIT_TMP/live.out" 2>&1
live_rc=$?
stop_sink       # the socket file stays, nobody reads it: ECONNREFUSED
GUESTOS_JOURNAL_SOCKET="$sock" "$GUESTOS" --config "$conf" -c "test://$fleet" --audit-db "$dead" \
    batch "$AUDIT_TMP/all.batch" </dev/null >"$AUDIT_TMP/dead.out" 2>&1
dead_rc=$?
[ "$dead_rc" -eq "$live_rc" ] || audit_fail "a dead journal changed the exit status: $dead_rc, not $live_rc"
shape="SELECT kind, vm_name, phase, percent, call_hr, task_result, task_error, message FROM events ORDER BY task_id, id"
[ "$(audit_sql "$dead" "SELECT count(*) FROM events")" -eq "$(audit_sql "$live" "SELECT count(*) FROM events")" ] ||
    audit_fail "a dead journal changed what was recorded"
audit_sql "$dead" "$shape" | sort >"$AUDIT_TMP/dead.rows"
audit_sql "$live" "$shape" | sort >"$AUDIT_TMP/live.rows"
cmp -s "$AUDIT_TMP/dead.rows" "$AUDIT_TMP/live.rows" || audit_fail "a dead journal changed the recorded events"
"$GUESTOS" --audit-db "$dead" audit verify >/dev/null || audit_fail "verify after a dead journal"
n=$(audit_sql "$dead" "SELECT count(*) FROM events")
grep -q "^$n audit events were not forwarded to the system log: Connection refused" "$AUDIT_TMP/dead.out" ||
    audit_fail "the batch summary does not count the failures: $(cat "$AUDIT_TMP/dead.out")"
# logoff says so too, on stderr, and its exit status stays the outcome's.
GUESTOS_JOURNAL_SOCKET="$sock" "$GUESTOS" --config "$conf" -c test:///default --audit-db "$dead" logoff test \
    </dev/null >/dev/null 2>"$AUDIT_TMP/dead-logoff.err"
[ $? -eq 1 ] || audit_fail "a dead journal changed logoff's exit status"
grep -q "^guestos: [0-9]* audit events were not forwarded to the system log: Connection refused" \
    "$AUDIT_TMP/dead-logoff.err" || audit_fail "logoff does not say what the journal missed: $(cat "$AUDIT_TMP/dead-logoff.err")"
# No socket at all, in JSON.
GUESTOS_JOURNAL_SOCKET="$AUDIT_TMP/nothing-here" "$GUESTOS" --config "$conf" -c "test://$fleet" \
    --audit-db "$dead" batch --json "$AUDIT_TMP/all.batch" </dev/null >"$AUDIT_TMP/none.json" 2>&1
grep '"type": *"summary"' "$AUDIT_TMP/none.json" | grep -q '"forward_failures": *[1-9]' ||
    audit_fail "the JSON summary does not count the failures: $(tail -n 2 "$AUDIT_TMP/none.json")"

# --- off, and a value that is not one -----------------------------------------------------------
rm -f "$got"
start_sink
printf '[audit]\nforward = off\n' >"$conf"
"$GUESTOS" --config "$conf" -c test:///default --audit-db "$db" logoff test </dev/null >/dev/null 2>&1
stop_sink
[ ! -s "$got" ] || audit_fail "forward = off sent something"
printf '[audit]\nforward = sometimes\n' >"$conf"
"$GUESTOS" --config "$conf" -c test:///default --audit-db "$db" logoff test </dev/null >/dev/null 2>"$AUDIT_TMP/err.txt"
rc=$?
[ "$rc" -eq 2 ] || audit_fail "a bad forward value exits $rc, expected 2"
grep -q "'sometimes' is not a way to forward the audit log: use auto, journal, syslog or off" "$AUDIT_TMP/err.txt" ||
    audit_fail "a bad forward value says: $(cat "$AUDIT_TMP/err.txt")"
[ "$(wc -l <"$AUDIT_TMP/err.txt")" -eq 1 ] || audit_fail "a bad forward value wrote more than one line"

echo "PASS: audit_forward"
exit 0
