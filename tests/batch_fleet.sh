#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Batch mode against a 10,000-VM test-driver fleet: glob selects, filter + select-all + logoff + wait,
# HRESULT counts, the summary, JSON lines, syntax errors that run nothing, scripts on stdin, exit statuses.
#
# The fleet comes from tests/gen-fleet.sh, whose rules (name prefix by i mod 5,
# state by i mod 7) give every expected count below; awk computes them from
# the same rules rather than copying numbers. The test driver has no guest
# agent: a running VM's logoff ends 0xA0040505, a shut-off or paused one's
# 0xA0040206.
#
# Time: each guestos run opens the fleet, which is libvirt parsing 10,000
# domain definitions (about 2 s optimised, 10-15 s under AddressSanitizer);
# so the 10,000-VM fleet is opened twice, and the logoff runs on 400 VMs
# (2,100 fsync'd audit events, under 1 s of the run) and 20 in the JSON run.
# BATCH_FLEET_VMS changes the fleet size (1000 for a quick run).

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
if [ -z "${GUESTOS:-}" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to parse the JSON lines of batch --json." >&2
    exit 77
fi

N=${BATCH_FLEET_VMS:-10000}
T=$(mktemp -d "${TMPDIR:-/tmp}/guestos-batch.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

# Allocation stack traces and malloc fill cost libvirt's 10,000-domain parse
# a third of its time under ASan and find no more bugs; settings from the
# environment come later and win.
ASAN_OPTIONS="malloc_context_size=0:max_malloc_fill_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
# expect WHAT WANT GOT
expect() {
    if [ "$2" != "$3" ]; then
        fail "$1: expected '$2', got '$3'"
    else
        echo "ok: $1 ($3)"
    fi
}
# count VMs of the fleet by the generator's rules: count 'AWK CONDITION on i, p (prefix), s (i mod 7)'
count() {
    awk -v n="$N" "BEGIN { split(\"web db app cache batch\", pre, \" \"); c = 0
        for (i = 1; i <= n; i++) { p = pre[i % 5 + 1]; s = i % 7; if ($1) c++ }
        print c }"
}
now() { date +%s; }

start=$(now)
sh "$top_srcdir/tests/gen-fleet.sh" "$N" >"$T/fleet.xml" || { echo "ERROR: gen-fleet.sh failed" >&2; exit 99; }
URI="test://$T/fleet.xml"
RUNNING='s <= 3'
PAUSED='s == 6'

# --- 1. a script on stdin: select by glob, list, filter + select-all, logoff, wait ----------
WEB=$(count 'p == "web"')
LISTED=$(count "p == \"web\" && i >= 1000 && i <= 1999 && $PAUSED")
WEB_RUN=$(count "p == \"web\" && i <= 999 && $RUNNING")
DB_PAUSED=$(count "p == \"db\" && i <= 9999 && $PAUSED")
TOTAL=$((WEB_RUN + DB_PAUSED))

t0=$(now)
"$GUESTOS" -c "$URI" --audit-db "$T/a.db" batch - >"$T/1.out" 2>"$T/1.err" <<'EOF'
# a macro file as the console records it: action lines and comments
select web*
unmark-all
filter state=paused name=web-01*
list
filter state=running name=web-00*
select-all
filter "state=paused" name=db-0*
select-all    # the marks add up
filter
logoff
wait 600
EOF
rc=$?
echo "run 1: $(( $(now) - t0 )) s"
expect "run 1 exit status (tasks failed)" 1 "$rc"
expect "select web* marked every web VM" "<stdin>:2: $WEB virtual machines marked." \
    "$(grep '^<stdin>:2: ' "$T/1.err")"
expect "list under a filter: its header" 1 "$(grep -c '^NAME  *STATE  *AGENT' "$T/1.out")"
expect "list under a filter: rows, all paused web-01*" "$LISTED" "$(grep -c '^web-01[0-9]*  *paused ' "$T/1.out")"
expect "list under a filter: no other row" "$LISTED" \
    "$(grep -v -e '^NAME ' -e ' logoff: ' -e '^Summary:' -e '^  *[0-9][0-9]* 0x' "$T/1.out" | wc -l | tr -d ' ')"
expect "logoff submitted the marked VMs" "<stdin>:11: $TOTAL logoff tasks submitted." \
    "$(grep '^<stdin>:11: ' "$T/1.err")"
expect "running web VMs end 0xA0040505" "$WEB_RUN" \
    "$(grep -c '^web-00[0-9]* logoff: 0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL ' "$T/1.out")"
expect "paused db VMs end 0xA0040206" "$DB_PAUSED" \
    "$(grep -c '^db-0[0-9]* logoff: 0xA0040206 VM_E_VM_NOT_RUNNING .* paused' "$T/1.out")"
expect "outcome lines" "$TOTAL" "$(grep -c ' logoff: 0x' "$T/1.out")"
expect "one outcome per VM" "$TOTAL" "$(grep ' logoff: 0x' "$T/1.out" | cut -d' ' -f1 | sort -u | wc -l | tr -d ' ')"
expect "the summary line" "Summary: $TOTAL tasks, 0 ended S_OK, $TOTAL did not." "$(grep '^Summary:' "$T/1.out")"
expect "summary: 0xA0040505 count" "$WEB_RUN" "$(awk '$2 == "0xA0040505" { print $1 }' "$T/1.out")"
expect "summary: 0xA0040206 count" "$DB_PAUSED" "$(awk '$2 == "0xA0040206" { print $1 }' "$T/1.out")"
expect "no error message" "" "$(grep '^guestos:' "$T/1.err")"
expect "audit: one task per VM, origin batch:<stdin>" "$TOTAL" \
    "$("$GUESTOS" --audit-db "$T/a.db" audit --format csv | grep -c ',batch:<stdin>,')"

# --- 2. --json from a file: JSON lines only on stdout, one per task, then the summary ---------
J_VMS=$(count 'p == "web" && i >= 100 && i <= 199')
J_RUN=$(count "p == \"web\" && i >= 100 && i <= 199 && $RUNNING")
cat >"$T/j.gos" <<'EOF'
select web-001*
filter name=web-001*
list
logoff
wait 600
EOF
t0=$(now)
"$GUESTOS" -c "$URI" --audit-db "$T/j.db" batch --json "$T/j.gos" >"$T/2.out" 2>"$T/2.err" </dev/null
rc=$?
echo "run 2: $(( $(now) - t0 )) s"
expect "run 2 exit status" 1 "$rc"
python3 - "$T/2.out" "$J_VMS" "$J_RUN" "$T/j.gos" >"$T/2.check" 2>&1 <<'EOF'
import json, sys
path, vms, running, script = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
objs = []
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            objs.append(json.loads(line))
        except ValueError as e:
            sys.exit("line %d is not JSON (%s): %r" % (n, e, line[:80]))
kinds = [o.get("type") for o in objs]
tasks = [o for o in objs if o.get("type") == "task"]
rows = [o for o in objs if o.get("type") == "vm"]
assert kinds[-1] == "summary" and kinds.count("summary") == 1, kinds
assert len(rows) == vms, ("vm lines", len(rows), vms)
assert len(tasks) == vms, ("task lines", len(tasks), vms)
for t in tasks:
    for k in ("task_id", "host", "vm_uuid", "vm_name", "action", "call_hresult", "call_hresult_name",
              "task_result", "task_error", "task_error_name", "message", "users_before", "users_after"):
        assert k in t, (k, t)
    assert t["action"] == "logoff" and t["line"] == 4 and t["origin"] == "batch:" + script, t
    want = "0xA0040505" if t["task_error_name"] == "VM_E_ADDITIONS_FEATURE_NOT_AVAIL" else "0xA0040206"
    assert t["task_error"] == want and t["task_error_name"] in ("VM_E_ADDITIONS_FEATURE_NOT_AVAIL", "VM_E_VM_NOT_RUNNING"), t
ok505 = sum(t["task_error"] == "0xA0040505" for t in tasks)
assert ok505 == running, ("0xA0040505", ok505, running)
s = objs[-1]
assert s["tasks"] == vms and s["ok"] == 0 and s["failed"] == vms and s["exit_status"] == 1, s
assert {e["task_error"]: e["count"] for e in s["task_errors"]} == \
    {k: v for k, v in (("0xA0040505", running), ("0xA0040206", vms - running)) if v}, s
assert s["failed_step"] is None, s
print("%d JSON lines: %d vm, %d task, 1 summary" % (len(objs), len(rows), len(tasks)))
EOF
if [ $? -eq 0 ]; then
    echo "ok: $(cat "$T/2.check")"
else
    fail "JSON lines: $(cat "$T/2.check")"
fi
expect "JSON mode: messages on stderr only" "$T/j.gos:1: $J_VMS virtual machines marked." \
    "$(grep ':1: ' "$T/2.err")"

# --- 3. syntax errors name file, line and column and run nothing -----------------------------
printf 'select web*\nlogoff\n  frobnicate now\n' >"$T/bad.gos"
"$GUESTOS" -c "$URI" --audit-db "$T/bad.db" batch "$T/bad.gos" >"$T/3.out" 2>"$T/3.err"
rc=$?
expect "syntax error: exit status" 2 "$rc"
expect "syntax error: file:line:col" "guestos: $T/bad.gos:3:3: unknown action 'frobnicate'" "$(cat "$T/3.err")"
expect "syntax error: nothing printed" "" "$(cat "$T/3.out")"
[ ! -e "$T/bad.db" ] && echo "ok: syntax error: no audit store was even opened" ||
    fail "syntax error: the audit store $T/bad.db exists"
printf 'select web*\nsearch "open\n' | "$GUESTOS" -c "$URI" --audit-db "$T/bad.db" batch --json - >"$T/3.out" 2>"$T/3.err"
rc=$?
expect "quote error on stdin: exit status" 2 "$rc"
expect "quote error on stdin: place" "guestos: <stdin>:2:8: unterminated quote" "$(cat "$T/3.err")"
expect "quote error on stdin: stdout empty" "" "$(cat "$T/3.out")"

# --- 4. the small fleet: no task is exit 0; a host that does not answer is exit 2 ----------------
printf 'select web*\nlist\n' | "$GUESTOS" -c "test://$top_srcdir/tests/fleet.xml" --audit-db "$T/s.db" batch - \
    >"$T/4.out" 2>"$T/4.err"
expect "no task, no failure: exit status" 0 "$?"
expect "no task: the summary" "Summary: 0 tasks, 0 ended S_OK, 0 did not." "$(grep '^Summary:' "$T/4.out")"
printf 'connect test://%s/missing.xml\nselect web*\n' "$T" | "$GUESTOS" --audit-db "$T/s.db" batch - \
    >"$T/5.out" 2>"$T/5.err"
expect "connect that fails: exit status" 2 "$?"
grep -q "^guestos: <stdin>:1: Cannot connect to test://$T/missing.xml" "$T/5.err" &&
    echo "ok: connect that fails names the line and the host" ||
    fail "connect that fails: $(cat "$T/5.err")"
expect "a failed connect runs no later line" "" "$(grep 'marked' "$T/5.err")"

echo "batch_fleet: $N VMs, $(( $(now) - start )) s in all"
if [ "$failures" -gt 0 ]; then
    echo "FAIL: batch_fleet ($failures checks)" >&2
    exit 1
fi
echo "PASS: batch_fleet"
exit 0
