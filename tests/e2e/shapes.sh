#!/bin/bash
# The failure shapes guestos must tell apart, checked with virsh on real
# guests: (b) the agent never starts, (c) guest-exec and guest-exec-status
# blocked in qemu-ga, (d) the domain is shut off. Records what libvirt says.
# Exit 0 pass, 1 fail, 77 skip (with the reason). Cleans up what it started.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

E2E_SUITE=shapes
# expect WHAT PATTERN TEXT: TEXT matches the glob PATTERN
expect() {
  # shellcheck disable=SC2053
  if [[ $3 == $2 ]]; then ok "$1"; else not_ok "$1 (got: $3)"; fi
}
agent_state() {
  e2e_virsh dumpxml "$1" 2>/dev/null |
    sed -n "s/.*<target type='virtio' name='org.qemu.guest_agent.0'\(.*\)\/>.*/\1/p"
}

e2e_setup
e2e_build_image "$E2E_CACHE"
case $? in
  0) ;;
  2) echo "SKIP: cannot fetch the guest's Debian packages (offline, no cache)"; exit 77 ;;
  *) die "guest image builds" ;;
esac
e2e_start_daemons || die "libvirt daemons start"

noagent=$(e2e_define_vm shape-noagent 'gos.users=alice gos.agent=0') || die "define noagent"
blocked=$(e2e_define_vm shape-blocked 'gos.users=bob gos.block=guest-exec,guest-exec-status') ||
  die "define blocked"
off=$(e2e_define_vm shape-off 'gos.users=carol') || die "define off"
e2e_start_vm "$noagent" || die "start $noagent"
e2e_start_vm "$blocked" || die "start $blocked"
e2e_wait_agent "$blocked" 240 || die "agent of $blocked answers"
e2e_wait_users "$blocked" 1 60 || not_ok "bob logged on in $blocked"

# (c) blocked commands: enabled:false in guest-info, "has been disabled".
info=$(e2e_agent "$blocked" '{"execute":"guest-info"}' 2>&1)
expect "(c) guest-info: guest-exec disabled" '*"enabled":false,"name":"guest-exec",*' "$info"
expect "(c) guest-info: guest-exec-status disabled" '*"enabled":false,"name":"guest-exec-status",*' "$info"
expect "(c) guest-info: guest-get-users enabled" '*"enabled":true,"name":"guest-get-users",*' "$info"
out=$(e2e_agent "$blocked" "$(e2e_exec_json /bin/true)" 2>&1)
expect "(c) guest-exec fails as disabled" \
  "*internal error: unable to execute QEMU agent command 'guest-exec': Command guest-exec has been disabled*" "$out"
expect "(c) users still readable" 'bob' "$(e2e_users "$blocked" 2>&1)"
expect "(c) channel connected" "* state='connected'*" "$(agent_state "$blocked")"

# (b) no agent: libvirt says not connected (VIR_ERR_AGENT_UNRESPONSIVE).
expect "(b) domain running" 'running*' "$(e2e_virsh domstate --reason "$noagent" 2>&1)"
expect "(b) channel disconnected" "* state='disconnected'*" "$(agent_state "$noagent")"
out=$(e2e_agent "$noagent" '{"execute":"guest-ping"}' 2 2>&1)
expect "(b) guest-ping: agent not connected" \
  '*Guest agent is not responding: QEMU guest agent is not connected*' "$out"
out=$(e2e_virsh guestinfo --user "$noagent" 2>&1)
expect "(b) guestinfo --user: agent not connected" \
  '*Guest agent is not responding: QEMU guest agent is not connected*' "$out"
# the serial console still reaches the guest, and alice is logged on there
out=$(e2e_serial "$noagent" 'who | cut -d" " -f1; pidof qemu-ga || echo no-agent' 30 2>&1)
expect "(b) serial console: alice logged on, no qemu-ga" $'alice*no-agent*' "$out"

# (d) shut off: "domain is not running" (VIR_ERR_OPERATION_INVALID).
expect "(d) domain shut off" 'shut off*' "$(e2e_virsh domstate --reason "$off" 2>&1)"
expect "(d) channel has no state" '' "$(agent_state "$off")"
out=$(e2e_agent "$off" '{"execute":"guest-ping"}' 2 2>&1)
expect "(d) guest-ping: not running" '*Requested operation is not valid: domain is not running*' "$out"
out=$(e2e_virsh guestinfo --user "$off" 2>&1)
expect "(d) guestinfo: not running" '*Requested operation is not valid: domain is not running*' "$out"

finish
