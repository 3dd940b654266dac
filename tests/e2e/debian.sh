#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end test of the real guestos binary on real Debian guests with
# systemd, booted at once: bookworm (Debian 12, systemd 252, qemu-ga 7.2,
# utmp) and trixie (Debian 13, systemd 257, qemu-ga 10.0, no utmp: only
# logind knows who is logged on). In each, alice (tty2) and bob (tty3, with
# a detached tmux) are logged on by getty autologin and carol only lingers.
# Checks: list --json shows alice and bob; logoff ends S_OK and leaves no
# logind session and no process of alice or bob (tmux included) while
# carol's linger and user manager stay; a second logoff says 0x80070520; the
# console's row for the VM; and the classic logout that leaves a detached
# tmux behind (bob's session stays "closing"): logoff ends that too.
# Exit 0 pass, 1 fail, 77 skip (with the reason). Cleans up what it started.
# shellcheck disable=SC2317 # the functions below run through check()
set -u
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib_screen.sh
. "$here/../lib_screen.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_debian.sh
. "$here/lib_debian.sh"

GUESTOS=${GUESTOS:-./guestos}
[ -x "$GUESTOS" ] || { echo "SKIP: no guestos binary at $GUESTOS"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3 (reads guestos's JSON)"; exit 77; }
GUESTOS=$(cd -- "$(dirname -- "$GUESTOS")" && pwd)/$(basename -- "$GUESTOS")

E2E_SUITE=e2e-debian
# a logoff that cannot verify waits this long before it fails
LOGOFF_DEADLINE=${GOS_E2E_DEB_LOGOFF_DEADLINE:-40}

e2e_setup
trap 'screen_cleanup; e2e_cleanup; e2e_deb_cleanup' EXIT
t_all=$(e2e_now_ms)

db="$SCREEN_TMP/audit.db"
g() { "$GUESTOS" -c "$E2E_URI" --audit-db "$db" --deadline "$LOGOFF_DEADLINE" "$@"; }
# json FILE PYTHON-EXPR: evaluates EXPR with `d` bound to the parsed file.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --- images, daemons, two guests booting at once -----------------------------
e2e_deb_images "${E2E_DEB_SUITES[@]}"
case $? in
  0) ;;
  2) echo "SKIP: the Debian mirror $(e2e_deb_mirror) cannot be reached and an image is not cached"; exit 77 ;;
  *) die "Debian guest images build" ;;
esac
t_image=$(e2e_elapsed "$t_all")
ok "guest images ready (${E2E_DEB_TIMES[*]} s)"
e2e_start_daemons || die "libvirt daemons start"

vms=()
for s in "${E2E_DEB_SUITES[@]}"; do
  vm=$(e2e_deb_define_vm "$s" "$s") || die "define $s"
  vms+=("$vm")
done
t0=$(e2e_now_ms)
for vm in "${vms[@]}"; do
  e2e_start_vm "$vm" || die "start $vm"
done
t_ping=() t_sess=()
for vm in "${vms[@]}"; do
  e2e_wait_agent "$vm" 300 || die "agent of $vm answers"
  t_ping+=("${vm#"$E2E_PREFIX"}=$(e2e_elapsed "$t0")")
done
for vm in "${vms[@]}"; do
  e2e_deb_wait_sessions "$vm" 180 alice bob || die "alice and bob logged on to $vm (logind)"
  t_sess+=("${vm#"$E2E_PREFIX"}=$(e2e_elapsed "$t0")")
done
ok "both guests booted: agent after ${t_ping[*]} s, alice and bob in logind after ${t_sess[*]} s"

# What the guest itself says is left of USERs: logind sessions (any class),
# processes, a tmux server. Prints nothing when all is gone.
# shellcheck disable=SC2016
left_sh='for u do
  s=$(loginctl list-sessions --no-legend | awk -v u="$u" "\$3 == u { printf \"%s \", \$1 }")
  p=$(ps -u "$u" -o pid=,comm= 2>/dev/null | awk "{ printf \"%s/%s \", \$1, \$2 }")
  [ -n "$s$p" ] && echo "$u: sessions [${s% }] processes [${p% }]"
done
t=$(pgrep -x "tmux: server" | tr "\n" " ")
[ -z "$t" ] || echo "tmux server: $t"
exit 0'

# wait_gone VM SECS USER...: until nothing of the users is left; prints the
# guest's last answer when something stays.
wait_gone() {
  local vm=$1 secs=$2 t0
  shift 2
  t0=$(e2e_now_ms)
  while (($(e2e_now_ms) - t0 < secs * 1000)); do
    if e2e_deb_sh "$vm" 15 "$left_sh" "$@" && [ -z "$E2E_EXEC_OUT" ]; then
      return 0
    fi
    sleep 0.5
  done
  printf '%s\n' "${E2E_EXEC_OUT:-$E2E_EXEC_ERR}" | sed 's/^/#   /'
  return 1
}

# carol_lingers VM: her linger file, her user manager, and (systemd 256+)
# her manager session are all still there.
# shellcheck disable=SC2016
carol_sh='test -e /var/lib/systemd/linger/carol || { echo "linger file gone"; exit 1; }
systemctl is-active --quiet user@1003.service || { echo "user@1003.service $(systemctl is-active user@1003.service)"; exit 1; }
[ "$(loginctl show-user carol -p Linger --value)" = yes ] || { echo "Linger=no"; exit 1; }
exit 0'
carol_lingers() {
  e2e_deb_sh "$1" 15 "$carol_sh" && [ "$E2E_EXEC_RC" = 0 ] && return 0
  printf '#   %s\n' "${E2E_EXEC_OUT:-$E2E_EXEC_ERR}"
  return 1
}

# no_logon RC OUTPUT: guestos said there was no one to log off.
no_logon() { [ "$1" = 1 ] && grep -q 0x80070520 <<<"$2"; }

# --- the inventory ----------------------------------------------------------------
# Two TCG guests booting beside other tests: a guest-exec of logind's sessions may
# miss its deadline, and trixie keeps no utmp, so its users are honestly "not
# known" (null, with users_note saying why). Ask again then, a few times; a
# wrong answer (not null) is never retried.
for try in 1 2 3 4; do
  g list --wait --json >"$SCREEN_TMP/list.json" || not_ok "list --wait --json exits 0"
  unknown=$(json "$SCREEN_TMP/list.json" \
    "'; '.join(v['name'] + ': ' + str(v.get('users_note')) for v in d if v['name'] in '${vms[*]}'.split() and v['users'] is None)")
  [ -z "$unknown" ] && break
  echo "e2e: try $try, users not known: $unknown"
  [ "$try" -lt 4 ] && sleep 5
done
users_of() {
  json "$SCREEN_TMP/list.json" \
    "','.join(sorted(u['name'] for u in ([v for v in d if v['name']=='$1'][0]['users'] or [])))"
}
for vm in "${vms[@]}"; do
  check "$vm: heartbeat ok" [ "$(json "$SCREEN_TMP/list.json" "[v for v in d if v['name']=='$vm'][0]['agent']['heartbeat']")" = ok ]
  check "$vm: logoff available" [ "$(json "$SCREEN_TMP/list.json" "[v for v in d if v['name']=='$vm'][0]['agent']['features']['logoff']")" = True ]
  got=$(users_of "$vm")
  check "$vm: list --json shows alice and bob logged on, not lingering carol (got '$got')" [ "$got" = alice,bob ]
done

# --- the console's row ---------------------------------------------------------------
# row_has VM TEXT...: within 20 s, one line of the pane holds VM and every TEXT.
row_has() {
  local vm=$1 t n=200 line
  shift
  while ((n-- > 0)); do
    line=$(screen_capture | grep -F -- "$vm")
    for t in "$@"; do
      grep -F -q -- "$t" <<<"$line" || { line=; break; }
    done
    [ -n "$line" ] && return 0
    sleep 0.1
  done
  screen_dump "$vm row with $*"
  return 1
}
# row_re VM REGEX: within 60 s, the VM list's row of VM (its name first)
# matches the extended REGEX; the Users cell is the row's last.
row_re() {
  local vm=$1 re=$2 n=600
  while ((n-- > 0)); do
    screen_capture | grep -E -q -- "^ +\*? *$vm .*$re" && return 0
    sleep 0.1
  done
  screen_dump "$vm row matching $re"
  return 1
}
screen_start 120 30 LIBVIRT_DEFAULT_URI=
screen_run "$(screen_quote "$GUESTOS") -c $E2E_URI --no-restore --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
for vm in "${vms[@]}"; do
  check "$vm: the console's row shows agent OK" row_has "$vm" running OK
  check "$vm: the console's row shows 2 users, alice and bob" row_has "$vm" "2: " alice bob
done
screen_keys q
screen_wait "EXIT=0"
ok "the console quits cleanly"

# --- logoff ---------------------------------------------------------------------------------
t_logoff=()
for vm in "${vms[@]}"; do
  check "$vm: carol lingers before the logoff" carol_lingers "$vm"
  t0=$(e2e_now_ms)
  out=$(g logoff "$vm" 2>&1)
  rc=$?
  t_logoff+=("${vm#"$E2E_PREFIX"}=$(e2e_elapsed "$t0")")
  check "$vm: logoff exits 0 and says S_OK (got $rc: $out)" grep -q '0x00000000 S_OK' <<<"$out"
  check "$vm: no logind session and no process of alice or bob left, tmux included" wait_gone "$vm" 15 alice bob
  check "$vm: carol's linger, user manager and session untouched" carol_lingers "$vm"
  out=$(g logoff "$vm" 2>&1)
  rc=$?
  check "$vm: a second logoff exits 1 with 0x80070520 (got $rc: $out)" no_logon "$rc" "$out"
done

# --- the logout that leaves a detached tmux behind -----------------------------------
# bob logs in again and hangs up his VT; his tmux server keeps the session
# (state "closing"). On systemd 252 `loginctl terminate-user` returns 0 and
# leaves that session and its processes; it is still a logon to end.
# shellcheck disable=SC2016
hangup_sh='pkill -HUP -u bob -t tty3 -x bash
for i in $(seq 1 100); do
  for s in $(loginctl list-sessions --no-legend | awk "\$3 == \"bob\" { print \$1 }"); do
    [ "$(loginctl show-session -p State --value "$s")" = closing ] && exit 0
  done
  sleep 0.2
done
exit 1'
for vm in "${vms[@]}"; do
  # from a clean state, whatever the logoff above did
  e2e_deb_sh "$vm" 30 'loginctl terminate-user bob; loginctl kill-user bob; exit 0' >/dev/null 2>&1
  if ! wait_gone "$vm" 15 bob >/dev/null; then
    not_ok "$vm: the harness ends bob's sessions before he logs in again"
    continue
  fi
  if ! e2e_deb_relogin "$vm" bob || ! e2e_deb_wait_sessions "$vm" 60 bob; then
    not_ok "$vm: bob logs in again"
    continue
  fi
  if ! e2e_deb_sh "$vm" 30 "$hangup_sh" || [ "$E2E_EXEC_RC" != 0 ]; then
    not_ok "$vm: bob's session is closing after he hung up"
    continue
  fi
  out=$(g logoff "$vm" 2>&1)
  check "$vm: logoff of bob's closing session says S_OK (got: $out)" grep -q '0x00000000 S_OK' <<<"$out"
  check "$vm: nothing of bob left after it, tmux included" wait_gone "$vm" 15 bob
  check "$vm: carol still lingers" carol_lingers "$vm"
done

# --- the console: logoff from the console, and the row follows ---------------
# alice logs in again; the operator logs her off from the console, which
# shows her in the row, then 0 users as soon as the task ends (a fresh
# probe of that VM, not the next probe interval).
for vm in "${vms[@]}"; do
  if ! e2e_deb_relogin "$vm" alice || ! e2e_deb_wait_sessions "$vm" 60 alice; then
    not_ok "$vm: alice logs in again"
    continue
  fi
  screen_run "$(screen_quote "$GUESTOS") -c $E2E_URI --no-restore --audit-db $(screen_quote "$db") --deadline $LOGOFF_DEADLINE; echo \"EXIT=\$?\""
  check "$vm: the console's row shows alice" row_re "$vm" "running +OK.* 1: alice *$"
  screen_keys :
  screen_type "filter name=$vm"
  screen_keys Enter
  screen_keys L
  screen_wait "Type yes and press Enter" || not_ok "$vm: the console asks to confirm the logoff"
  screen_type yes
  screen_keys Enter
  t0=$(e2e_now_ms)
  check "$vm: the console's row shows 0 users after its logoff" row_re "$vm" "running +OK.* 0 *$"
  t_row=$(e2e_elapsed "$t0")
  ok "$vm: the row said 0 users ${t_row} s after the confirmation (the logoff itself included)"
  check "$vm: nothing of alice left after the console's logoff" wait_gone "$vm" 15 alice
  screen_keys q
  screen_wait "EXIT=0" || not_ok "$vm: the console quits"
done

# --- the audit: what was ended, per user -----------------------------------------
g audit --format json >"$SCREEN_TMP/audit.json" || not_ok "audit --format json exits 0"
for vm in "${vms[@]}"; do
  got=$(json "$SCREEN_TMP/audit.json" "sorted([(t['submitted_at'], ','.join(sorted(t['users_before'] or [])), ','.join(t['users_after'] or []), t['call_hresult']) for t in d if t['vm_name']=='$vm'])[0][1:]")
  check "$vm: the first audit row has users before alice,bob and after none (got $got)" \
    [ "$got" = "('alice,bob', '', '0x00000000')" ]
done
"$GUESTOS" --audit-db "$db" audit verify >/dev/null || not_ok "audit verify"

e2e_log "image ${E2E_DEB_TIMES[*]} s (all ${t_image} s); agent ${t_ping[*]} s, sessions ${t_sess[*]} s after start; one logoff ${t_logoff[*]} s; total $(e2e_elapsed "$t_all") s"
finish
