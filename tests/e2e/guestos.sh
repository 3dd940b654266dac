#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end test of the real guestos binary on real QEMU guests running the
# real qemu-ga, through qemu:///system: integration-component status, logoff
# that works and is verified and audited, the contract's HRESULTs for a
# missing agent, a blocked guest-exec and a shut-off VM, two VMs logged off in
# parallel, and the console showing a real logoff's progress.
# Exit 0 pass, 1 fail, 77 skip (with the reason). Cleans up what it started.
set -u
here=$(dirname -- "${BASH_SOURCE[0]}")
# shellcheck source-path=SCRIPTDIR source=../lib_screen.sh
. "$here/../lib_screen.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

GUESTOS=${GUESTOS:-./guestos}
[ -x "$GUESTOS" ] || { echo "SKIP: no guestos binary at $GUESTOS"; exit 77; }

E2E_SUITE=e2e-guestos

e2e_setup
trap 'screen_cleanup; e2e_cleanup' EXIT
t_all=$(e2e_now_ms)

db="$SCREEN_TMP/audit.db"
g() { "$GUESTOS" -c "$E2E_URI" --audit-db "$db" "$@"; }
# json FILE PYTHON-EXPR: evaluates EXPR with `d` bound to the parsed file.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

e2e_build_image "$E2E_CACHE"
case $? in
  0) ;;
  2) echo "SKIP: cannot fetch the guest's Debian packages (offline, no cache)"; exit 77 ;;
  *) die "guest image builds" ;;
esac
t_image=$(e2e_elapsed "$t_all")
ok "guest image ready (${t_image} s)"
e2e_start_daemons || die "libvirt daemons start"
ok "libvirt answers on $E2E_URI"

a=$(e2e_define_vm a 'gos.users=alice,bob') || die "define a"
b=$(e2e_define_vm b 'gos.users=carol,dave') || die "define b"
noagent=$(e2e_define_vm noagent 'gos.users=alice gos.agent=0') || die "define noagent"
blocked=$(e2e_define_vm blocked 'gos.users=bob gos.block=guest-exec,guest-exec-status') || die "define blocked"
off=$(e2e_define_vm off 'gos.users=erin') || die "define off"

t0=$(e2e_now_ms)
for vm in "$a" "$b" "$noagent" "$blocked"; do
  e2e_start_vm "$vm" || die "start $vm"
done
for vm in "$a" "$b" "$blocked"; do
  e2e_wait_agent "$vm" 240 || die "agent of $vm answers"
done
t_boot=$(e2e_elapsed "$t0")
ok "four guests booted, three agents answer (${t_boot} s)"
e2e_wait_users "$a" 2 60 || die "alice and bob logged on to $a"
e2e_wait_users "$b" 2 60 || die "carol and dave logged on to $b"
e2e_wait_users "$blocked" 1 60 || die "bob logged on to $blocked"

# --- integration components as guestos sees them ---------------------------
g list --wait --json >"$SCREEN_TMP/list.json" || not_ok "list --wait --json exits 0"
vmq() { json "$SCREEN_TMP/list.json" "[v for v in d if v['name']=='$1'][0]$2"; }
check "a: heartbeat ok" [ "$(vmq "$a" "['agent']['heartbeat']")" = ok ]
check "a: logoff feature available" [ "$(vmq "$a" "['agent']['features']['logoff']")" = True ]
check "a: agent version reported" [ -n "$(vmq "$a" "['agent']['version']")" ]
check "a: users alice,bob" [ "$(json "$SCREEN_TMP/list.json" "','.join(sorted(u['name'] for u in [v for v in d if v['name']=='$a'][0]['users']))")" = alice,bob ]
check "a: login time present" [ "$(json "$SCREEN_TMP/list.json" "all(u['login_time'] for u in [v for v in d if v['name']=='$a'][0]['users'])")" = True ]
check "a: guest OS id" [ "$(vmq "$a" "['os']['id']")" = guestos-e2e ]
check "noagent: heartbeat no-contact" [ "$(vmq "$noagent" "['agent']['heartbeat']")" = no-contact ]
check "blocked: heartbeat degraded" [ "$(vmq "$blocked" "['agent']['heartbeat']")" = degraded ]
check "blocked: exec feature off" [ "$(vmq "$blocked" "['agent']['features']['exec']")" = False ]
check "blocked: bob shown, from utmp" [ "$(vmq "$blocked" "['users'][0]['name'], vm['users'][0]['sources'] if (vm:=[v for v in d if v['name']=='$blocked'][0]) else 0")" = "bob ['utmp']" ]
check "blocked: the list says logind was not asked, and why" grep -q 'guest-exec' <<<"$(vmq "$blocked" "['users_note']")"
check "a: busybox has no logind: users from utmp" [ "$(vmq "$a" "['logind'], sorted(set(s for u in vm['users'] for s in u['sources'])) if (vm:=[v for v in d if v['name']=='$a'][0]) else 0")" = "False ['utmp']" ]
check "off: VM not running" [ "$(vmq "$off" "['agent']['heartbeat']")" = vm-down ]

# --- logoff that works ------------------------------------------------------
t0=$(e2e_now_ms)
out=$(g logoff "$a" 2>&1)
rc=$?
t_one=$(e2e_elapsed "$t0")
check "logoff $a exits 0 (got $rc: $out)" [ "$rc" = 0 ]
check "logoff $a says S_OK" grep -q '0x00000000 S_OK' <<<"$out"
ok "one logoff took ${t_one} s"
check "guest reports no user on $a" e2e_wait_users "$a" 0 5
g audit --vm "$a" --format json >"$SCREEN_TMP/audit.json"
check "audit: users before alice,bob" [ "$(json "$SCREEN_TMP/audit.json" "','.join(sorted(d[-1]['users_before']))")" = alice,bob ]
check "audit: users after none" [ "$(json "$SCREEN_TMP/audit.json" "len(d[-1]['users_after'])")" = 0 ]
check "audit: task_result Success" [ "$(json "$SCREEN_TMP/audit.json" "d[-1]['task_result']")" = Success ]

out=$(g logoff "$a" 2>&1)
rc=$?
check "second logoff of $a exits 1" [ "$rc" = 1 ]
check "second logoff of $a: 0x80070520 (got: $out)" grep -q '0x80070520' <<<"$out"

# --- the contract's failures --------------------------------------------------
out=$(g logoff "$noagent" 2>&1)
check "agent never started: 0xA0040505 (got: $out)" grep -q '0xA0040505' <<<"$out"
out=$(g logoff "$blocked" 2>&1)
check "guest-exec blocked: 0xA0040505 (got: $out)" grep -q '0xA0040505' <<<"$out"
check "guest-exec blocked: the message names guest-exec" grep -q 'guest-exec' <<<"$out"
check "guest-exec blocked: the message names the setting that allows it" grep -q 'allow-rpcs' <<<"$out"
out=$(g logoff "$off" 2>&1)
check "shut off: 0xA0040206 (got: $out)" grep -q '0xA0040206' <<<"$out"
check "shut off: the message says so" grep -q 'shut off' <<<"$out"
check "audit chain verifies" g audit verify

# --- two at once ----------------------------------------------------------------
# Log users on again through the serial root shell, then log off both VMs in
# one command: the wall time should be near the slower one, not the sum.
e2e_serial "$a" 'openvt -c 7 -- /bin/login -f alice; openvt -c 8 -- /bin/login -f bob' >/dev/null ||
  not_ok "log alice and bob on again"
e2e_wait_users "$a" 2 30 || not_ok "alice and bob back on $a"
t0=$(e2e_now_ms)
out=$(g logoff "$a" "$b" 2>&1)
rc=$?
t_two=$(e2e_elapsed "$t0")
check "logoff $a $b exits 0 (got $rc: $out)" [ "$rc" = 0 ]
check "both ended S_OK" [ "$(grep -c '0x00000000 S_OK' <<<"$out")" = 2 ]
ok "two logoffs in parallel took ${t_two} s (one took ${t_one} s)"
check "no user left on $b" e2e_wait_users "$b" 0 5

# --- the console on a real guest ----------------------------------------------
e2e_serial "$b" 'openvt -c 7 -- /bin/login -f carol' >/dev/null || not_ok "log carol on again"
e2e_wait_users "$b" 1 30 || not_ok "carol back on $b"
screen_start 100 30 LIBVIRT_DEFAULT_URI=
screen_run "$(screen_quote "$GUESTOS") -c $E2E_URI --no-restore --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
screen_wait_line "$b" "carol"
ok "the console shows $b with carol logged on"
screen_wait_line "$b" "OK"
ok "the console shows $b's agent heartbeat OK"
screen_wait_line "$blocked" "no exec"
ok "the console's agent column says no exec for $blocked, before any logoff"
screen_type "/"
screen_type "$b"
screen_keys Enter
screen_wait_line "$b" "carol"
screen_keys L
screen_wait "$b"
screen_type yes
screen_keys Enter
screen_wait_line "100%" "logoff"
screen_wait "0x00000000 S_OK"
ok "the task panel shows the logoff's bar at 100% and S_OK"
screen_keys q
screen_wait "EXIT=0"
ok "the console quits cleanly"
check "no user left on $b after the console's logoff" e2e_wait_users "$b" 0 5

e2e_log "image ${t_image} s, boot ${t_boot} s, one logoff ${t_one} s, two in parallel ${t_two} s, total $(e2e_elapsed "$t_all") s"
finish
