# shellcheck shell=sh
# guestos: who is logged on to a Linux guest, as systemd-logind knows it, run
# through the QEMU guest agent as
#   guest-exec path "/bin/sh", arg ["-c", <this text>, "sh"]
# Prints "nologind" when the guest does not run systemd-logind; otherwise
# "logind", then for each session:
#   session ID
#   11 lines of `busctl --json=short get-property`: Name User Class Type TTY
#     RemoteHost Remote State Timestamp Leader Scope
#   procs N      (processes left in the session's scope; "procs -" unknown)
# and "end". busctl --json=short and these properties are the same in
# systemd 252 (Debian 12) and 257 (Debian 13); loginctl's JSON is not.
# The output is bounded: the agent's reply must stay far below libvirt's.
main() {
  if [ ! -d /run/systemd/system ] || ! command -v busctl >/dev/null 2>&1 ||
     ! command -v loginctl >/dev/null 2>&1; then
    echo nologind
    return 0
  fi
  sessions=$(loginctl list-sessions --no-legend 2>/dev/null) || { echo 'logind does not answer' >&2; return 3; }
  echo logind
  printf '%s\n' "$sessions" | while read -r id _; do
    case $id in ''|*[!A-Za-z0-9]*) continue ;; esac
    path=$(busctl call org.freedesktop.login1 /org/freedesktop/login1 \
      org.freedesktop.login1.Manager GetSession s "$id" 2>/dev/null) ||
      { printf 'session %s\nerror\nprocs -\n' "$id"; continue; }
    path=${path#o \"}
    path=${path%\"}
    echo "session $id"
    busctl --json=short get-property org.freedesktop.login1 "$path" org.freedesktop.login1.Session \
      Name User Class Type TTY RemoteHost Remote State Timestamp Leader Scope 2>/dev/null || echo 'error'
    # The processes left in the session's scope (cgroup v2, else v1's
    # systemd hierarchy); a scope whose cgroup is gone has none left.
    procs=-
    scope=$(busctl get-property org.freedesktop.login1 "$path" org.freedesktop.login1.Session Scope 2>/dev/null)
    scope=${scope#s \"}
    scope=${scope%\"}
    uid=$(busctl get-property org.freedesktop.login1 "$path" org.freedesktop.login1.Session User 2>/dev/null)
    uid=${uid#(uo) }
    uid=${uid%% *}
    if [ -z "$scope" ]; then
      procs=0
    else
      for base in /sys/fs/cgroup /sys/fs/cgroup/systemd; do
        [ -d "$base/user.slice" ] || continue
        d=$base/user.slice/user-$uid.slice/$scope
        if [ -r "$d/cgroup.procs" ]; then procs=$(wc -l <"$d/cgroup.procs"); else procs=0; fi
        break
      done
    fi
    echo "procs $procs"
  done
  echo end
}
main | head -c 262144
