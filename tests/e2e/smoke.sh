#!/bin/bash
# End-to-end smoke test on a real QEMU guest running the real qemu-ga:
# shape (a), alice and bob logged on; log them off with guestos's plan
# (guest-exec /bin/sh -c <core/logoff-linux.sh> sh USER...) through
# `virsh qemu-agent-command`, and check that they are gone.
# Exit 0 pass, 1 fail, 77 skip (with the reason). Cleans up what it started.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

E2E_SUITE=smoke

e2e_setup
t_all=$(e2e_now_ms)

e2e_build_image "$E2E_CACHE"
case $? in
  0) ;;
  2) echo "SKIP: cannot fetch the guest's Debian packages (offline, no cache)"; exit 77 ;;
  *) die "guest image builds" ;;
esac
ok "guest image ready"
e2e_start_daemons || die "libvirt daemons start"
ok "libvirt answers on $E2E_URI"

vm=$(e2e_define_vm smoke-a 'gos.users=alice,bob') || die "define $vm"
t0=$(e2e_now_ms)
e2e_start_vm "$vm" || die "start $vm"
e2e_wait_agent "$vm" 180 || die "agent answers guest-ping"
t_boot=$(e2e_elapsed "$t0")
ok "agent answers guest-ping (${t_boot} s after start)"
e2e_wait_users "$vm" 2 60 || die "two users logged on"
users=$(e2e_users "$vm" | LC_ALL=C sort | tr '\n' ' ')
check "guest reports alice and bob (got: $users)" [ "$users" = "alice bob " ]

# Detection: no systemd, no loginctl in this guest -> the kill plan.
e2e_guest_exec "$vm" 30 /bin/sh -c 'test -d /run/systemd/system && command -v loginctl' ||
  not_ok "detection probe runs: $E2E_EXEC_ERR"
check "detection says no loginctl (exit $E2E_EXEC_RC)" [ "$E2E_EXEC_RC" = 1 ]

# Logoff: names exactly as the agent reported them, plus hostile extras
# that must stay inert words (unknown users, exit 2).
mapfile -t names < <(e2e_users "$vm")
# shellcheck disable=SC2016
hostile=('$(touch /tmp/PWN1)' '; touch /tmp/PWN2' '`touch /tmp/PWN3`' '-KILL' '*')
t0=$(e2e_now_ms)
if e2e_logoff "$vm" "${names[@]}" "${hostile[@]}"; then
  ok "logoff runs (exit $E2E_EXEC_RC, $(e2e_elapsed "$t0") s)"
else
  not_ok "logoff runs: $E2E_EXEC_ERR"
fi
check "logoff used the kill plan" [ "${E2E_EXEC_OUT%%$'\n'*}" = method=kill ]
check "logoff exit 2 for the unknown hostile names (got $E2E_EXEC_RC)" [ "$E2E_EXEC_RC" = 2 ]
if e2e_wait_users "$vm" 0 30; then
  ok "no user logged on ($(e2e_elapsed "$t0") s after the logoff started)"
else
  not_ok "users gone after logoff"
fi

# Nothing of alice's or bob's survives, nothing was injected.
# shellcheck disable=SC2016
e2e_guest_exec "$vm" 30 /bin/sh -c '
  n=0 left=
  for d in /proc/[0-9]*; do
    z= r=
    while read -r k a _; do
      case "$k" in State:) z=$a ;; Uid:) r=$a; break ;; esac
    done <"$d/status" 2>/dev/null
    # zombies are dead already (their parent has yet to reap them)
    [ "$z" = Z ] && continue
    case "$r" in
      1001|1002) n=$((n + 1)); left="$left ${d#/proc/}:$z:$(tr "\0" " " <"$d/cmdline")" ;;
    esac
  done
  echo "$n$left"
  ls /tmp'
left=${E2E_EXEC_OUT%%$'\n'*}
check "no process of alice or bob left (got: $left)" [ "$left" = 0 ]
check "no injected command ran" [ "$(printf '%s\n' "$E2E_EXEC_OUT" | grep -c PWN)" = 0 ]
check "agent still answers after the logoff" e2e_wait_agent "$vm" 10

e2e_log "smoke total $(e2e_elapsed "$t_all") s"
finish
