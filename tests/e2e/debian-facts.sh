#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots a Debian 12 and a Debian 13 guest at once and records, byte for byte,
# what their logind, utmp and qemu-ga answer through libvirt, as guestos
# reads them: fixtures in tests/data/logind/SUITE/ (tests/data/logind/README.md
# names the command behind each file). Not a test: run it by hand when a
# suite or the guest setup changes, and review the diff.
#   tests/e2e/debian-facts.sh [OUTDIR]     (default tests/data/logind)
# Exit 0 done, 1 failed, 77 cannot run here (reason printed).
# shellcheck disable=SC2016 # guest-side scripts are single-quoted on purpose
set -u
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_debian.sh
. "$here/lib_debian.sh"

out_root=${1:-$here/../data/logind}
E2E_SUITE=e2e-debian-facts
GOS_E2E_DEADLINE=${GOS_E2E_DEADLINE:-1500}

e2e_setup
trap 'e2e_cleanup; e2e_deb_cleanup; rm -f "$E2E_RUN/$E2E_PREFIX"*.rawga' EXIT
t_all=$(e2e_now_ms)

e2e_deb_images "${E2E_DEB_SUITES[@]}"
case $? in
  0) ;;
  2) echo "SKIP: cannot reach the Debian mirror $(e2e_deb_mirror) and an image is not cached"; exit 77 ;;
  *) die "Debian guest images build" ;;
esac
e2e_start_daemons || die "libvirt daemons start"

t0=$(e2e_now_ms) t_ping=() t_sess=()
for s in "${E2E_DEB_SUITES[@]}"; do
  e2e_deb_define_vm "$s" "$s" >/dev/null || die "define $s"
  e2e_start_vm "$s" || die "start $s"
done
for s in "${E2E_DEB_SUITES[@]}"; do
  e2e_wait_agent "$s" 300 || die "agent of $s answers"
  t_ping+=("$s=$(e2e_elapsed "$t0")")
done
for s in "${E2E_DEB_SUITES[@]}"; do
  e2e_deb_wait_sessions "$s" 120 alice bob || die "alice and bob logged on to $s"
  t_sess+=("$s=$(e2e_elapsed "$t0")")
done
ok "both guests up: agent at ${t_ping[*]} s, sessions at ${t_sess[*]} s after start"

# ----------------------------------------------------------- functions ---

VM='' DIR=''

# agent NAME JSON: the agent's reply as virsh prints it (libvirt's JSON).
agent() {
  local name=$1
  shift
  e2e_agent "$VM" "$1" 10 >"$DIR/$name.json" 2>"$DIR/$name.err"
  [ -s "$DIR/$name.err" ] || rm -f "$DIR/$name.err"
}

# b64 FIELD < STATUS-JSON: decodes one base64 field of a guest-exec-status reply.
b64() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | base64 -d; }

# run NAME PATH ARG...: guest-exec of PATH with argv (no shell unless PATH
# is one), polled to its end: NAME.out (stdout, decoded), NAME.err (stderr,
# when there was any), and for the commands guestos may run (loginctl-*,
# busctl-*) NAME.status.json, the last guest-exec-status reply.
run() {
  local name=$1
  shift
  if ! e2e_guest_exec "$VM" 60 "$@"; then
    printf '%s\n' "$E2E_EXEC_ERR" >"$DIR/$name.error"
    not_ok "$VM: $name: ${E2E_EXEC_ERR:0:200}"
    return 1
  fi
  case $name in
    loginctl-* | busctl-*) printf '%s\n' "$E2E_EXEC_STATUS_JSON" >"$DIR/$name.status.json" ;;
  esac
  b64 out-data <<<"$E2E_EXEC_STATUS_JSON" >"$DIR/$name.out"
  b64 err-data <<<"$E2E_EXEC_STATUS_JSON" >"$DIR/$name.err"
  [ -s "$DIR/$name.err" ] || rm -f "$DIR/$name.err"
}

# The state of one user, one line (harness script, run by the timeline).
snapshot_sh='u=$1
p=$(ps -u "$u" -o pid=,comm= 2>/dev/null | awk "{ \$1 = \$1; print }" | paste -sd, -)
s=$(loginctl list-sessions --no-legend | awk -v u="$u" "\$3 == u { print \$1 }" | paste -sd, -)
m=$(systemctl is-active "user@$(id -u "$u").service")
echo "procs=[$p] sessions=[$s] user@=$m"'

# timeline USER LIMIT-MS COMMAND...: runs COMMAND in the guest and prints
# the user's state each time it changes, with milliseconds since COMMAND
# ended, until nothing of the user is left (or LIMIT-MS).
timeline_sh='u=$1 snap=$2 limit=$3
shift 3
"$@"
echo "$*: exit $?"
t0=$(date +%s%N) prev=
while :; do
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  st=$(sh -c "$snap" sh "$u")
  [ "$st" != "$prev" ] && echo "+$ms ms: $st"
  prev=$st
  case $st in "procs=[] sessions=[] user@=inactive"|"procs=[] sessions=[] user@=failed") break ;; esac
  [ "$ms" -gt "$limit" ] && { echo "+$ms ms: still there, giving up"; break; }
  sleep 0.1
done'

# relogin USER: logs USER in again on the VT, waits until the login completed.
relogin() {
  if ! e2e_deb_relogin "$VM" "$1" || ! e2e_deb_wait_sessions "$VM" 60 "$1"; then
    not_ok "$VM: $1 logs in again"
  fi
}

# state NAME: what is left in the guest: processes, sessions, utmp.
state() {
  run "$1-ps" ps -eo pid,ppid,uid,sid,tty,comm,cgroup
  run "$1-loginctl-list-sessions" loginctl list-sessions --no-legend
  run "$1-who" who
  agent "$1-guest-get-users" '{"execute":"guest-get-users"}'
  [ "$suite" != bookworm ] || run "$1-utmpdump" utmpdump /run/utmp
}

# ------------------------------------------------------------- per suite ---

for suite in "${E2E_DEB_SUITES[@]}"; do
  VM=$(e2e__full_name "$suite") DIR=$out_root/$suite
  rm -rf "$DIR"
  mkdir -p "$DIR"
  e2e_log "$VM: collecting into $DIR"

  # what the guest is
  run versions /bin/sh -c 'systemctl --version | head -n 1; qemu-ga --version; uname -r; tmux -V;
    dpkg-query -W -f "\${Package} \${Version}\n" systemd qemu-guest-agent tmux procps util-linux "linux-image-$(uname -r)"'
  agent guest-info '{"execute":"guest-info"}'
  agent guest-get-osinfo '{"execute":"guest-get-osinfo"}'
  agent guest-get-users '{"execute":"guest-get-users"}'

  # logind's sessions, every way of asking
  run loginctl-list-sessions loginctl list-sessions --no-legend
  run loginctl-list-sessions-legend loginctl list-sessions
  run loginctl-list-sessions-o-json loginctl list-sessions -o json
  run loginctl-list-sessions-output-json loginctl list-sessions --output=json
  run loginctl-list-sessions-json-short loginctl list-sessions --json=short
  run loginctl-list-users loginctl list-users --no-legend
  run loginctl-show-user-carol loginctl show-user carol -p Name -p UID -p State -p Linger -p Sessions -p Service -p Slice
  run busctl-list-sessions busctl --json=short call org.freedesktop.login1 /org/freedesktop/login1 \
    org.freedesktop.login1.Manager ListSessions
  ids=()
  while read -r id path; do
    ids+=("$id")
    run "busctl-session-$id" busctl --json=short get-property org.freedesktop.login1 "$path" \
      org.freedesktop.login1.Session Name Class Type TTY RemoteHost Remote State Timestamp Leader Scope Active
  done < <(grep -oE '\["[^"]*",[0-9]+,"[^"]*","[^"]*","[^"]*"\]' "$DIR/busctl-list-sessions.out" |
    sed -E 's/^\["([^"]*)",[0-9]+,"[^"]*","[^"]*","([^"]*)"\]$/\1 \2/')
  [ "${#ids[@]}" -gt 0 ] || not_ok "$VM: ListSessions gave no session"
  run loginctl-show-session loginctl show-session "${ids[@]}" -p Id -p Name -p User -p Class -p Type \
    -p TTY -p Seat -p Remote -p RemoteHost -p Service -p State -p Active -p Timestamp \
    -p TimestampMonotonic -p Leader -p Scope
  run loginctl-show-session-value loginctl show-session "${ids[@]}" --value -p Name -p Class -p Type -p TTY

  # bob's detached tmux server: where it lives
  run tmux-server-cgroup /bin/sh -c 'for p in $(pgrep -u bob -x "tmux: server"); do echo "pid $p"; cat "/proc/$p/cgroup"; done'
  state before

  # utmp
  run utmp-ls /bin/sh -c 'ls -l /run/utmp /var/run/utmp; echo "exit $?"'

  # terminate-session of bob's VT session: the tmux server goes with the scope?
  sid=$(awk '$3 == "bob" && / tty3/ { print $1 }' "$DIR/loginctl-list-sessions.out")
  run terminate-session-bob /bin/sh -c "$timeline_sh" sh bob "$snapshot_sh" 30000 loginctl terminate-session "$sid"
  state after-terminate-session-bob
  relogin bob
  run tmux-server-cgroup-relogin /bin/sh -c 'for p in $(pgrep -u bob -x "tmux: server"); do echo "pid $p"; cat "/proc/$p/cgroup"; done'
  run terminate-user-bob /bin/sh -c "$timeline_sh" sh bob "$snapshot_sh" 30000 loginctl terminate-user bob
  state after-terminate-user-bob

  # bob hangs up his VT and leaves the detached tmux behind (the classic
  # logout): his session stays, closing. What ends it?
  relogin bob
  run hangup-bob /bin/sh -c 'pkill -HUP -u bob -t tty3 -x bash; for i in $(seq 1 100); do
      loginctl list-sessions --no-legend | awk "\$3 == \"bob\" && / tty3/ { print \$1 }" | while read -r s; do
        loginctl show-session -p State --value "$s"; done | grep -q closing && break; sleep 0.2; done
    sleep 1; loginctl list-sessions --no-legend | awk "\$3 == \"bob\" { print \$1 }" |
      while read -r s; do loginctl show-session "$s" -p Id -p Class -p State -p Leader -p Scope; done'
  state after-hangup-bob
  run terminate-user-bob-closing /bin/sh -c "$timeline_sh" sh bob "$snapshot_sh" 12000 loginctl terminate-user bob
  state after-terminate-user-bob-closing
  run kill-user-bob-closing /bin/sh -c "$timeline_sh" sh bob "$snapshot_sh" 12000 loginctl kill-user bob
  state after-kill-user-bob-closing

  # The same for alice with a getty that is not restarted (Restart=no): on
  # bookworm the ended login's utmp record stays, and qemu-ga reports it.
  run restart-no /bin/sh -c 'mkdir -p /run/systemd/system/getty@tty2.service.d &&
    printf "[Service]\nRestart=no\n" >/run/systemd/system/getty@tty2.service.d/restart.conf &&
    systemctl daemon-reload && systemctl show -p Restart getty@tty2.service'
  run terminate-user-alice-restart-no /bin/sh -c "$timeline_sh" sh alice "$snapshot_sh" 30000 loginctl terminate-user alice
  sleep 2
  state after-terminate-user-alice-restart-no
  run show-getty-tty2-restart-no systemctl show -p ActiveState -p SubState -p NRestarts getty@tty2.service
  run carol-after /bin/sh -c "$snapshot_sh; ls -l /var/lib/systemd/linger" sh carol
  # what loginctl says when there is nothing to end
  run loginctl-terminate-user-unknown loginctl terminate-user nosuchuser
  run loginctl-terminate-user-root loginctl terminate-user root
  run loginctl-terminate-session-unknown loginctl terminate-session 999

  # guest-exec: running, exited, asked again, killed, no such program
  r=$(e2e_agent "$VM" '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","echo out; echo err >&2; sleep 3; exit 3"],"capture-output":true}}')
  printf '%s\n' "$r" >"$DIR/exec.json"
  pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$r")
  st="{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}"
  e2e_agent "$VM" "$st" >"$DIR/exec-status-running.json" 2>&1
  sleep 4
  e2e_agent "$VM" "$st" >"$DIR/exec-status-exited.json" 2>&1
  e2e_agent "$VM" "$st" >"$DIR/exec-status-again.err" 2>&1
  r=$(e2e_agent "$VM" '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","kill -9 $$"],"capture-output":true}}')
  pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$r")
  sleep 1
  e2e_agent "$VM" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" >"$DIR/exec-status-signal.json" 2>&1
  e2e_agent "$VM" '{"execute":"guest-exec","arguments":{"path":"/nonexistent","capture-output":true}}' \
    >"$DIR/exec-enoent.err" 2>&1

  # output size: libvirtd's RPC carries a reply of at most 4 MiB (3145000
  # bytes of output pass, 3146000 do not); a second qemu-ga on a port of our
  # own shows what qemu-ga does past 16 MiB
  for n in 3145000 3146000; do
    if e2e_guest_exec "$VM" 120 /bin/sh -c "head -c $n /dev/zero"; then
      printf 'head -c %s /dev/zero: exit %s, reply %s bytes, stdout %s bytes decoded, %s\n' "$n" "$E2E_EXEC_RC" \
        "${#E2E_EXEC_STATUS_JSON}" "$(b64 out-data <<<"$E2E_EXEC_STATUS_JSON" | wc -c)" \
        "$(grep -o '"out-truncated":[a-z]*' <<<"$E2E_EXEC_STATUS_JSON")"
    else
      printf 'head -c %s /dev/zero: %s\n' "$n" "$E2E_EXEC_ERR"
    fi
  done >"$DIR/exec-size-libvirt.txt" 2>/dev/null
  e2e_agent "$VM" '{"execute":"guest-ping"}' >>"$DIR/exec-size-libvirt.txt" 2>&1
  raw=$E2E_RUN/$VM.rawga
  cat >"$E2E_RUN/$VM.rawga.xml" <<EOF
<channel type='unix'>
  <source mode='bind' path='$raw'/>
  <target type='virtio' name='org.guestos.rawga.0'/>
</channel>
EOF
  if e2e_virsh attach-device "$VM" "$E2E_RUN/$VM.rawga.xml" --live >/dev/null &&
    run rawga-start /bin/sh -c 'sleep 1; mkdir -p /run/gos-rawga && systemd-run --unit=gos-rawga \
      /usr/sbin/qemu-ga -m virtio-serial -p /dev/virtio-ports/org.guestos.rawga.0 -f /run/gos-rawga.pid -t /run/gos-rawga &&
      sleep 1 && systemctl is-active gos-rawga'; then
    timeout 120 perl -MIO::Socket::UNIX -MTime::HiRes=sleep -MMIME::Base64 -e '
      my ($path, $cmd) = @ARGV;
      my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect $path: $!\n";
      print $s "$cmd\n";
      my ($pid) = <$s> =~ /"pid":\s*(\d+)/ or die "no pid\n";
      my $st = "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}\n";
      my $l;
      while (1) { print $s $st; $l = <$s>; last if $l =~ /"exited":\s*true/; sleep 0.5 }
      chomp $l;
      printf "reply %d bytes\n", length $l;
      for my $f ("out-data", "err-data") {
        my ($b) = $l =~ /"$f":\s*"([^"]*)"/;
        printf "%s: %d bytes decoded\n", $f, length decode_base64($b // "");
      }
      (my $rest = $l) =~ s/"(out|err)-data":\s*"[^"]*"/"$1-data": "..."/g;
      print "$rest\n";
      print $s $st; my $again = <$s>; print "again: $again";
    ' "$raw" '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","head -c 17000000 /dev/zero; head -c 17000000 /dev/zero >&2; exit 5"],"capture-output":true}}' \
      >"$DIR/exec-big-raw.txt" 2>&1 || not_ok "$VM: big output through a second qemu-ga"
  else
    not_ok "$VM: a second qemu-ga on a port of our own"
  fi
  # the same through libvirt: over its limit, and what the agent is after
  r=$(e2e_agent "$VM" '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","head -c 17000000 /dev/zero; head -c 17000000 /dev/zero >&2; exit 5"],"capture-output":true}}')
  pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$r")
  for ((i = 0; i < 60; i++)); do
    sleep 1
    E2E_VIRSH_TIMEOUT=90 e2e_virsh qemu-agent-command "$VM" --timeout 60 \
      "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" >"$DIR/exec-status-big.json" 2>"$DIR/exec-status-big.err" ||
      break
    grep -q '"exited":false' "$DIR/exec-status-big.json" || break
  done
  rm -f "$DIR/exec-status-big.json"
  e2e_agent "$VM" '{"execute":"guest-ping"}' >"$DIR/ping-after-big.err" 2>&1
  sleep 5
  e2e_agent "$VM" '{"execute":"guest-ping"}' >>"$DIR/ping-after-big.err" 2>&1
  ok "$VM: facts in $DIR"
done

e2e_log "images ${E2E_DEB_TIMES[*]} s; agent ${t_ping[*]} s, sessions ${t_sess[*]} s after start; total $(e2e_elapsed "$t_all") s"
finish
