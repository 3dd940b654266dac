# shellcheck shell=sh
# guestos logoff plan for Linux guests, run through the QEMU guest agent as
#   guest-exec path "/bin/sh", arg ["-c", <this text>, "sh", USER...]
# User names arrive only as positional parameters ("$@"): nothing here ever
# evaluates them, so a name full of shell metacharacters stays one word.
# POSIX sh plus id, kill, sleep: works with busybox (no pkill, no loginctl).
# With systemd running it uses loginctl terminate-user instead.
# Prints "method=loginctl" or "method=kill" first, then one line per kill.
# Exit: 0 done, 2 some user unknown (the others were still logged off),
# 3 processes survived, 4 no user given, other: loginctl's own status.
[ "$#" -gt 0 ] || { echo 'no user given' >&2; exit 4; }
if [ -d /run/systemd/system ] && command -v loginctl >/dev/null 2>&1; then
  echo method=loginctl
  rc=0
  for u do
    loginctl terminate-user -- "$u" || rc=$?
  done
  exit "$rc"
fi
echo method=kill
rc=0 uids=' ' root=0
for u do
  i=$(id -u -- "$u" 2>/dev/null) || i=
  case "$i" in
    ''|*[!0-9]*) printf 'unknown user: %s\n' "$u" >&2; rc=2 ;;
    0) root=1 ;;
    *) uids="$uids$i " ;;
  esac
done
[ "$uids" != ' ' ] || [ "$root" = 1 ] || exit "$rc"
# proc DIR: sets r (real uid), e (effective uid), sid, tty; fails for
# zombies and processes that are gone
proc() {
  r='' e='' z=''
  while read -r k a b _; do
    case "$k" in
      State:) z=$a ;;
      Uid:) r=$a e=$b; break ;;
    esac
  done 2>/dev/null <"$1/status" || return 1
  [ -n "$r" ] && [ "$z" != Z ] || return 1
  read -r s 2>/dev/null <"$1/stat" || return 1
  # fields after "(comm) ": state ppid pgrp session tty_nr
  # shellcheck disable=SC2086
  set -- ${s##*) }
  sid=$4 tty=$5
}
n=0
while [ "$n" -lt 50 ]; do
  if [ "$root" = 1 ]; then
    # root: only whole terminal sessions where every process is root (a
    # console login), never system processes nor other users' sessions
    rs=' ' bad=' '
    for d in /proc/[0-9]*; do
      proc "$d" || continue
      if [ "$r" = 0 ] && [ "$e" = 0 ]; then
        [ "$tty" = 0 ] || rs="$rs$sid "
      else
        bad="$bad$sid "
      fi
    done
  fi
  hit=0
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    { [ "$p" = "$$" ] || [ "$p" = 1 ]; } && continue
    proc "$d" || continue
    case "$uids" in
      *" $r "*|*" $e "*) ;;
      *)
        { [ "$root" = 1 ] && [ "$r" = 0 ] && [ "$e" = 0 ]; } || continue
        case "$rs" in *" $sid "*) ;; *) continue ;; esac
        case "$bad" in *" $sid "*) continue ;; esac
        ;;
    esac
    kill -KILL "$p" 2>/dev/null && { hit=1; echo "killed $p uid $r"; }
  done
  [ "$hit" = 0 ] && exit "$rc"
  n=$((n + 1))
  sleep 0.1 2>/dev/null || sleep 1
done
echo 'processes survived' >&2
exit 3
