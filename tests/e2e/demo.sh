#!/bin/bash
# Demo on real guests: builds the guest image, starts libvirt's daemons when
# they are not running, boots three tiny guests with users logged on (plus a
# shut-off one), waits for their agents, then runs the console:
#   ${GUESTOS:-./guestos} -c qemu:///system [ARGS...]
# When the console exits (or on Ctrl-C), every gos-e2e-* domain is destroyed
# and undefined and the daemons this script started are stopped.
#
#   tests/e2e/demo.sh [ARGS...]        from the repo root, after a build
#   tests/e2e/demo.sh --boot-only      no console: boot, print, wait for Enter
#   GOS_E2E_KEEP=1 tests/e2e/demo.sh   leave the guests running afterwards
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

boot_only=0
if [ "${1:-}" = --boot-only ]; then
  boot_only=1
  shift
fi
guestos=${GUESTOS:-./guestos}
if [ "$boot_only" = 0 ] && [ ! -x "$guestos" ]; then
  if [ -z "${GUESTOS:-}" ] && [ -x "$E2E_LIB_DIR/../../guestos" ]; then
    guestos=$E2E_LIB_DIR/../../guestos
  else
    echo "demo: no console binary at $guestos (build it first, set GUESTOS=path," >&2
    echo "      or run with --boot-only)" >&2
    exit 2
  fi
fi
if ! why=$(e2e_can_run); then
  echo "demo: cannot run here: $why" >&2
  exit 2
fi
GOS_E2E_DEADLINE=${GOS_E2E_DEADLINE:-0} e2e_setup

t0=$(e2e_now_ms)
e2e_build_image "$E2E_CACHE" || { echo "demo: cannot build the guest image" >&2; exit 2; }
e2e_start_daemons || { echo "demo: libvirt does not start" >&2; exit 2; }

# name                 kernel parameters (see lib.sh: gos.users, gos.agent, gos.block)
vms=(
  "web1|gos.users=alice,bob"
  "db1|gos.users=carol"
  "legacy|gos.users=dave gos.block=guest-exec,guest-exec-status"
)
running=()
for v in "${vms[@]}"; do
  name=$(e2e_define_vm "${v%%|*}" "${v#*|}") || exit 2
  e2e_start_vm "$name" || { echo "demo: $name does not start" >&2; exit 2; }
  running+=("$name")
done
e2e_define_vm off 'gos.users=erin' >/dev/null || exit 2
for name in "${running[@]}"; do
  e2e_wait_agent "$name" 240 || echo "demo: $name: no agent yet, the console will show it" >&2
done
e2e_wait_users "${running[0]}" 2 60 >/dev/null 2>&1 || true
echo "demo: ready in $(e2e_elapsed "$t0") s:"
for name in "${running[@]}"; do
  echo "  $name: users $(e2e_users "$name" 2>/dev/null | tr '\n' ' ')"
done
echo "  ${E2E_PREFIX}off: shut off"

if [ "$boot_only" = 1 ]; then
  echo "demo: try: virsh -c $E2E_URI guestinfo --user ${running[0]}"
  echo "demo: press Enter to tear everything down"
  read -r _ || true
  exit 0
fi
# Not exec: the EXIT trap must still clean up after the console.
"$guestos" -c "$E2E_URI" "$@"
