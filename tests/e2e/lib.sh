# shellcheck shell=bash disable=SC2034
# (SC2034: this library sets variables for the scripts that source it)
# End-to-end harness for guestos: tiny Linux guests running the real QEMU
# guest agent under libvirt's QEMU driver (TCG is enough).
#
# Source this file from bash. Facts behind it: shared/E2E-GUEST.md.
#
# Environment knobs:
#   GOS_E2E_CACHE   image and .deb cache   (default /var/cache/guestos-e2e)
#   GOS_E2E_RUN     sockets and lock       (default /run/guestos-e2e)
#   GOS_E2E_URI     libvirt URI            (default qemu:///system)
#   GOS_E2E_PREFIX  domain name prefix     (default gos-e2e-)
#   GOS_E2E_KEEP=1  leave domains and daemons running at exit (debugging)
#   GOS_E2E_DEADLINE  seconds before a test stops itself (default 900)
#   GOS_E2E_LOCK_WAIT seconds to wait for another e2e run (default 900)

E2E_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
E2E_CACHE=${GOS_E2E_CACHE:-/var/cache/guestos-e2e}
E2E_RUN=${GOS_E2E_RUN:-/run/guestos-e2e}
E2E_URI=${GOS_E2E_URI:-qemu:///system}
E2E_PREFIX=${GOS_E2E_PREFIX:-gos-e2e-}
E2E_KERNEL=
E2E_INITRD=
E2E_STARTED_DAEMONS=()
E2E_LOCK_FD=
E2E_WATCHDOG=
# Users present in every guest image: name:uid. The last two names are
# hostile on purpose (shell metacharacters, still valid for getpwnam).
# shellcheck disable=SC2016
E2E_USERS=(alice:1001 bob:1002 carol:1003 dave:1004 erin:1005
  'x;touch${IFS}/tmp/PWN1:1010' '$(touch${IFS}/tmp/PWN2):1011')
# The logoff plan: a constant script, user names only as argv entries.
E2E_LOGOFF_SCRIPT_FILE=$E2E_LIB_DIR/../../core/logoff-linux.sh

# ------------------------------------------------------------ reporting ---

# TAP-like lines and a closing count; E2E_SUITE names the test in it.
E2E_PASS=0 E2E_FAIL=0
ok() { E2E_PASS=$((E2E_PASS + 1)); echo "ok - $*"; }
not_ok() { E2E_FAIL=$((E2E_FAIL + 1)); echo "not ok - $*"; }
# check WHAT COMMAND...: ok when COMMAND succeeds
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish() {
  echo "${E2E_SUITE:-e2e}: $E2E_PASS passed, $E2E_FAIL failed"
  [ "$E2E_FAIL" = 0 ] && [ "$E2E_PASS" -gt 0 ]
  exit $?
}
die() {
  not_ok "$*"
  finish
}

e2e_log() { printf 'e2e: %s\n' "$*" >&2; }

# Milliseconds since the epoch (bash 5 EPOCHREALTIME, no fork).
e2e_now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$((t / 1000))"
}

# e2e_elapsed START_MS -> "12.345" seconds
e2e_elapsed() {
  local d=$(($(e2e_now_ms) - $1))
  printf '%d.%03d\n' "$((d / 1000))" "$((d % 1000))"
}

# Prints why this machine cannot run the e2e tests; non-zero when it cannot.
e2e_can_run() {
  local b
  if [ "$(id -u)" != 0 ]; then
    echo "not root (qemu:///system and the guest image need root)"
    return 1
  fi
  for b in qemu-system-x86_64 libvirtd virtlogd virsh cpio dpkg-deb apt-get timeout flock perl; do
    if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then
      echo "no $b on this machine"
      return 1
    fi
  done
  if [ ! -x /usr/sbin/qemu-ga ]; then
    echo "no /usr/sbin/qemu-ga (install qemu-guest-agent)"
    return 1
  fi
  if [ ! -r /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]; then
    echo "no libvirt QEMU driver (install libvirt-daemon-driver-qemu)"
    return 1
  fi
  # Guests run under TCG, whatever /dev/kvm offers: QEMU must at least start so.
  if ! echo quit | timeout 30 qemu-system-x86_64 -machine none -accel tcg -nodefaults \
    -display none -monitor stdio >/dev/null 2>&1; then
    echo "qemu-system-x86_64 cannot start even under TCG (-machine none -accel tcg)"
    return 1
  fi
  return 0
}

# Exits 77 (automake's skip) with the reason when the machine cannot run.
e2e_require() {
  local why
  if ! why=$(e2e_can_run); then
    echo "SKIP: $why"
    exit 77
  fi
}

# Serialises e2e runs on this machine (they share libvirtd and domain names).
e2e_lock() {
  local wait=${1:-900}
  mkdir -p "$E2E_RUN"
  exec {E2E_LOCK_FD}>"$E2E_RUN/lock"
  if ! flock -w "$wait" "$E2E_LOCK_FD"; then
    echo "SKIP: another e2e run held $E2E_RUN/lock for ${wait}s"
    exit 77
  fi
}

# The usual test prologue: skip check, lock, cleanup trap, and a watchdog
# that ends the test (cleanup included) after GOS_E2E_DEADLINE seconds.
e2e_setup() {
  local limit=${GOS_E2E_DEADLINE:-900}
  e2e_require
  e2e_lock "${GOS_E2E_LOCK_WAIT:-900}"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT
  trap 'e2e_log "deadline or signal: stopping"; exit 143' TERM
  if [ "$limit" -gt 0 ]; then
    (
      trap 'kill "$s" 2>/dev/null; exit 0' TERM
      sleep "$limit" &
      s=$!
      wait "$s"
      kill -TERM "$$"
    ) {E2E_LOCK_FD}>&- &
    E2E_WATCHDOG=$!
  fi
}

e2e_virsh() {
  timeout -k 5 "${E2E_VIRSH_TIMEOUT:-60}" virsh -q -c "$E2E_URI" "$@"
}

# ---------------------------------------------------------------- image ---

# Downloads (no install) Debian package $1 into $2 unless present; prints
# the .deb path.
e2e__fetch_deb() {
  local pkg=$1 dir=$2 uri file
  uri=$(apt-get download --print-uris "$pkg" 2>/dev/null | head -n 1)
  if [ -z "$uri" ]; then
    e2e_log "apt knows no $pkg; running apt-get update"
    apt-get update -qq >/dev/null 2>&1 || true
    uri=$(apt-get download --print-uris "$pkg" 2>/dev/null | head -n 1)
  fi
  if [ -z "$uri" ]; then
    # offline: fall back to whatever version the cache holds
    file=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
    [ -n "$file" ] || { e2e_log "cannot find package $pkg"; return 2; }
    printf '%s\n' "$file"
    return 0
  fi
  file=$(printf '%s\n' "$uri" | awk '{print $2}')
  if [ ! -s "$dir/$file" ]; then
    (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null) ||
      { e2e_log "apt-get download $pkg failed"; return 2; }
  fi
  printf '%s\n' "$dir/$file"
}

e2e__kernel_pkg() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  if [ -z "$p" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    p=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  fi
  [ -n "$p" ] || { e2e_log "apt-cache depends linux-image-amd64 found nothing"; return 2; }
  printf '%s\n' "$p"
}

# The guest's /init (PID 1 until it execs busybox init): mounts, modules,
# virtio port links, /etc/inittab shaped by the kernel command line:
#   gos.users=alice,bob  users logged in at boot, one VT each (login -f)
#   gos.agent=0          qemu-ga does not start
#   gos.block=a,b        qemu-ga -b a,b (blocked RPCs)
e2e__guest_init() {
  cat <<'EOF'
#!/bin/sh
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
set -f
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock
hostname gos-guest
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
  insmod "/lib/modules/$m.ko" || echo "gos: insmod $m failed"
done
users= agent=1 block=
for w in $(cat /proc/cmdline); do
  case "$w" in
    gos.users=*) users=${w#gos.users=} ;;
    gos.agent=*) agent=${w#gos.agent=} ;;
    gos.block=*) block=${w#gos.block=} ;;
  esac
done
printf '%s\n' "$users" > /run/gos.users
{
  echo '::sysinit:/etc/init.d/rcS'
  echo 'ttyS0::respawn:-/bin/sh'
  if [ "$agent" != 0 ]; then
    if [ -n "$block" ]; then
      echo "::respawn:/sbin/gos-agent -b $block"
    else
      echo '::respawn:/sbin/gos-agent'
    fi
  fi
  echo '::ctrlaltdel:/sbin/reboot'
  echo '::shutdown:/bin/umount -a -r'
} > /etc/inittab
echo "gos: users=$users agent=$agent block=$block"
exec /sbin/init
EOF
}

# /sbin/gos-agent, respawned by init: links the virtio ports by name (they
# can appear after /init ran), then runs qemu-ga with the given options.
e2e__guest_agent() {
  cat <<'EOF'
#!/bin/sh
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/*; do
  [ -r "$p/name" ] || continue
  n=$(cat "$p/name")
  [ -n "$n" ] && [ ! -e "/dev/virtio-ports/$n" ] && ln -sf "../${p##*/}" "/dev/virtio-ports/$n"
done
if [ ! -e /dev/virtio-ports/org.qemu.guest_agent.0 ]; then
  sleep 1
  exit 1
fi
exec /usr/sbin/qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 "$@"
EOF
}

# rcS (sysinit): logs the gos.users in, one VT each. busybox login writes
# the utmp record that qemu-ga reports; init marks it dead when it reaps the
# session's process.
e2e__guest_rcs() {
  cat <<'EOF'
#!/bin/sh
set -f
: > /var/run/utmp
vt=2
IFS=,
for u in $(cat /run/gos.users); do
  openvt -c "$vt" -- /bin/login -f "$u"
  vt=$((vt + 1))
done
echo "gos: ready"
EOF
}

e2e__guest_profile() {
  cat <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
PS1='\u@\h:\w\$ '
# every session has a second process, so logoff must kill more than the shell
[ "$(id -u)" = 0 ] || sleep 86400 &
EOF
}

# Writes the guest root tree (all but kernel modules and binaries) into $1.
e2e__guest_etc() {
  local root=$1 u name uid
  mkdir -p "$root"/{etc/init.d,root,tmp,var/run,var/log,var/lib,home,proc,sys,dev,run}
  chmod 1777 "$root/tmp"
  e2e__guest_init >"$root/init"
  e2e__guest_rcs >"$root/etc/init.d/rcS"
  mkdir -p "$root/sbin"
  e2e__guest_agent >"$root/sbin/gos-agent"
  chmod 755 "$root/init" "$root/etc/init.d/rcS" "$root/sbin/gos-agent"
  e2e__guest_profile >"$root/etc/profile"
  printf '%s\n' 'PRETTY_NAME="guestos e2e guest (busybox)"' 'NAME="guestos-e2e"' \
    'ID=guestos-e2e' 'VERSION_ID=1' >"$root/etc/os-release"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'root::19000:0:99999:7:::' >"$root/etc/shadow"
  echo 'utmp:x:43:' >>"$root/etc/group"
  for u in "${E2E_USERS[@]}"; do
    name=${u%:*} uid=${u##*:}
    printf '%s:x:%s:%s::/home/u%s:/bin/sh\n' "$name" "$uid" "$uid" "$uid" >>"$root/etc/passwd"
    printf '%s:x:%s:\n' "$name" "$uid" >>"$root/etc/group"
    printf '%s:!:19000:0:99999:7:::\n' "$name" >>"$root/etc/shadow"
    mkdir -p "$root/home/u$uid"
    chown "$uid:$uid" "$root/home/u$uid"
  done
  chmod 600 "$root/etc/shadow"
  : >"$root/var/run/utmp"
  : >"$root/var/log/wtmp"
  chmod 664 "$root/var/run/utmp" "$root/var/log/wtmp"
}

# Copies a host file to the same path under $2, following symlinks.
e2e__copy_host_file() {
  local f=$1 root=$2
  mkdir -p "$root$(dirname -- "$f")"
  cp -L "$f" "$root$f"
}

# Everything that decides the image's content, for the cache key.
e2e__image_inputs() {
  local kdeb=$1 bdeb=$2 f
  echo "format 3"
  echo "kernel ${kdeb##*/}"
  echo "busybox ${bdeb##*/}"
  for f in /usr/sbin/qemu-ga $(ldd /usr/sbin/qemu-ga | awk '/=> \//{print $3} /^\t\//{print $1}'); do
    echo "file $f $(sha256sum <"$f" | cut -c1-64)"
  done
  declare -f e2e__guest_init e2e__guest_rcs e2e__guest_agent e2e__guest_profile e2e__guest_etc \
    e2e__build_tree | sha256sum | sed 's/^/scripts /'
  printf '%s\n' "${E2E_USERS[@]}" | sha256sum | sed 's/^/users /'
}

e2e__build_tree() {
  local root=$1 kx=$2 bx=$3 kver m f
  e2e__guest_etc "$root"
  # busybox as every applet
  mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/lib/modules"
  cp "$bx/bin/busybox" "$root/bin/busybox"
  # one process for ~400 links (a fork per link costs seconds)
  "$bx/bin/busybox" --list-full | perl -e '
    my $r = shift;
    while (<STDIN>) {
      chomp; next if $_ eq "bin/busybox";
      symlink("/bin/busybox", "$r/$_") or die "symlink $_: $!\n";
    }' "$root" || return 1
  # qemu-ga, its libraries and the loader
  e2e__copy_host_file /usr/sbin/qemu-ga "$root"
  for f in $(ldd /usr/sbin/qemu-ga | awk '/=> \//{print $3} /^\t\//{print $1}'); do
    e2e__copy_host_file "$f" "$root"
  done
  # kernel modules, flat
  kver=$(find "$kx/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
  for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
    f=$(find "$kx/lib/modules/$kver" -name "$m.ko*" | head -n 1)
    [ -n "$f" ] || { e2e_log "module $m missing from $kver"; return 1; }
    case "$f" in
      *.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
      *.ko.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
      *.ko.zst) zstd -dcq "$f" >"$root/lib/modules/$m.ko" ;;
      *.ko.gz) gzip -dc "$f" >"$root/lib/modules/$m.ko" ;;
    esac
  done
}

# e2e_build_image WORKDIR: kernel and initramfs in WORKDIR/image, cached
# (rebuilt when an input changed: package versions, qemu-ga and its
# libraries, the guest scripts). Sets E2E_KERNEL and E2E_INITRD.
# Returns 2 when the packages cannot be had (offline), 1 on other errors.
e2e_build_image() {
  local work=${1:-$E2E_CACHE} t0 kpkg kdeb='' bdeb='' img tmp kx bx state old=
  t0=$(e2e_now_ms)
  mkdir -p "$work/debs" "$work/image"
  chmod 755 "$work" "$work/image"
  # apt look-ups cost about 1 s each: redo them only when apt's lists changed
  state=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-64)
  if [ -r "$work/debs/resolved" ]; then
    { read -r old; read -r kdeb; read -r bdeb; } <"$work/debs/resolved"
  fi
  if [ "$state" != "$old" ] || [ ! -s "$kdeb" ] || [ ! -s "$bdeb" ]; then
    kpkg=$(e2e__kernel_pkg) || return
    kdeb=$(e2e__fetch_deb "$kpkg" "$work/debs") || return
    bdeb=$(e2e__fetch_deb busybox-static "$work/debs") || return
    state=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-64)
    printf '%s\n' "$state" "$kdeb" "$bdeb" >"$work/debs/resolved"
  fi
  img=$work/image
  E2E_KERNEL=$img/vmlinuz
  E2E_INITRD=$img/initrd.img
  e2e__image_inputs "$kdeb" "$bdeb" >"$work/inputs.new"
  if [ -s "$E2E_KERNEL" ] && [ -s "$E2E_INITRD" ] &&
    cmp -s "$work/inputs.new" "$img/inputs.txt"; then
    rm -f "$work/inputs.new"
    e2e_log "image up to date ($(e2e_elapsed "$t0") s): $img"
    return 0
  fi
  tmp=$(mktemp -d "$work/build.XXXXXX")
  kx=$tmp/kernel bx=$tmp/busybox
  mkdir -p "$kx" "$bx" "$tmp/root"
  # only what we need out of the kernel package (dpkg-deb, no install)
  dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kx" --wildcards \
    './boot/vmlinuz-*' '*/virtio_ring.ko*' '*/virtio.ko*' '*/virtio_pci_modern_dev.ko*' \
    '*/virtio_pci_legacy_dev.ko*' '*/virtio_pci.ko*' '*/virtio_console.ko*' ||
    { e2e_log "cannot unpack $kdeb"; rm -rf "$tmp"; return 1; }
  dpkg-deb -x "$bdeb" "$bx" || { e2e_log "cannot unpack $bdeb"; rm -rf "$tmp"; return 1; }
  if ! e2e__build_tree "$tmp/root" "$kx" "$bx"; then
    rm -rf "$tmp"
    return 1
  fi
  (cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc --quiet | gzip -6) >"$tmp/initrd.img" ||
    { e2e_log "cpio failed"; rm -rf "$tmp"; return 1; }
  cp "$kx"/boot/vmlinuz-* "$tmp/vmlinuz"
  chmod 644 "$tmp/vmlinuz" "$tmp/initrd.img"
  mv -f "$tmp/vmlinuz" "$E2E_KERNEL"
  mv -f "$tmp/initrd.img" "$E2E_INITRD"
  mv -f "$work/inputs.new" "$img/inputs.txt"
  rm -rf "$tmp"
  e2e_log "image built in $(e2e_elapsed "$t0") s: $E2E_INITRD ($(du -k "$E2E_INITRD" | cut -f1) KiB)"
}

# -------------------------------------------------------------- daemons ---

e2e__pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

e2e__daemon_pid() {
  local pid
  pid=$(cat "/run/$1.pid" 2>/dev/null) || return 1
  e2e__pid_alive "$pid" || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
  printf '%s\n' "$pid"
}

# The user the QEMU driver runs guests as: qemu.conf's `user`, else Debian's
# build default.
e2e__qemu_user() {
  local u
  u=$(sed -n 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' /etc/libvirt/qemu.conf 2>/dev/null | tail -n 1)
  [ "$u" = "+0" ] && u=root
  printf '%s\n' "${u:-libvirt-qemu}"
}

e2e__kvm_open_as() { runuser -u "$1" -- sh -c 'test -r /dev/kvm && test -w /dev/kvm' 2>/dev/null; }

# What e2e__kvm_access changed, for e2e__kvm_restore: "acl USER" or
# "group USER OLDGROUP OLDMODE ADDED_TO_GROUP".
E2E_KVM_CHANGE=

# A /dev/kvm that root can open and the QEMU user cannot makes libvirtd throw
# its QEMU capabilities away on every call (it probed with KVM, then finds
# KVM unusable for the QEMU user) and re-probe: `virsh define` then takes
# 47 s (shared/E2E-GUEST.md). The guests run as type='qemu' (TCG) whatever
# KVM can do, so the fix is only to let the QEMU user open the device, as
# Debian's udev rule (root:kvm 0660) would: an ACL entry for that one user
# where setfacl exists, else the kvm group for the device and the user. Other
# users gain nothing; e2e__kvm_restore undoes it.
e2e__kvm_access() {
  local u grp mode
  [ -c /dev/kvm ] || return 0
  u=$(e2e__qemu_user)
  [ "$u" = root ] && return 0
  e2e__kvm_open_as "$u" && return 0
  if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$u:rw" /dev/kvm 2>/dev/null; then
    E2E_KVM_CHANGE="acl $u"
  else
    getent group kvm >/dev/null || groupadd -r kvm || return 1
    grp=$(stat -c %G /dev/kvm) mode=$(stat -c %a /dev/kvm)
    local added=0
    if ! id -nG "$u" | tr ' ' '\n' | grep -qx kvm; then
      usermod -a -G kvm "$u" || return 1
      added=1
    fi
    chgrp kvm /dev/kvm && chmod g+rw /dev/kvm || return 1
    E2E_KVM_CHANGE="group $u $grp $mode $added"
  fi
  if e2e__kvm_open_as "$u"; then
    e2e_log "/dev/kvm: let $u open it (${E2E_KVM_CHANGE%% *}), so libvirtd keeps its QEMU capabilities"
    return 0
  fi
  e2e_log "/dev/kvm: $u still cannot open it; libvirtd may re-probe QEMU on every call"
  return 1
}

e2e__kvm_restore() {
  local how u grp mode added
  # shellcheck disable=SC2086
  set -- $E2E_KVM_CHANGE
  how=${1:-} u=${2:-} grp=${3:-} mode=${4:-} added=${5:-0}
  case $how in
    acl) setfacl -x "u:$u" /dev/kvm 2>/dev/null ;;
    group)
      chgrp "$grp" /dev/kvm 2>/dev/null
      chmod "$mode" /dev/kvm 2>/dev/null
      [ "$added" = 1 ] && gpasswd -d "$u" kvm >/dev/null 2>&1
      ;;
  esac
  E2E_KVM_CHANGE=
}

# Starts virtlogd and libvirtd when they do not run; waits until the URI
# answers. Remembers what it started for e2e_stop_daemons.
e2e_start_daemons() {
  local t0 d i
  t0=$(e2e_now_ms)
  mkdir -p /var/log/libvirt/qemu /var/lib/libvirt /run/libvirt
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  # Before libvirtd starts, so that its first probe already agrees with it.
  e2e__kvm_access || true
  for d in virtlogd libvirtd; do
    if e2e__daemon_pid "$d" >/dev/null; then
      continue
    fi
    # the daemon must not inherit our lock (flock follows the open file)
    if [ -n "$E2E_LOCK_FD" ]; then
      "/usr/sbin/$d" -d {E2E_LOCK_FD}>&- || { e2e_log "$d -d failed"; return 1; }
    else
      "/usr/sbin/$d" -d || { e2e_log "$d -d failed"; return 1; }
    fi
    for ((i = 0; i < 100; i++)); do
      e2e__daemon_pid "$d" >/dev/null && break
      sleep 0.1
    done
    if ! e2e__daemon_pid "$d" >/dev/null; then
      e2e_log "$d did not start (see /var/log/libvirt)"
      return 1
    fi
    E2E_STARTED_DAEMONS+=("$d:$(e2e__daemon_pid "$d")")
  done
  for ((i = 0; i < 150; i++)); do
    if timeout 5 virsh -q -c "$E2E_URI" version >/dev/null 2>&1; then
      e2e_log "daemons ready in $(e2e_elapsed "$t0") s (started: ${E2E_STARTED_DAEMONS[*]:-none})"
      # leftovers of an earlier run that died (we hold the e2e lock)
      e2e__remove_domains
      return 0
    fi
    sleep 0.2
  done
  e2e_log "$E2E_URI does not answer"
  return 1
}

# Stops only the daemons e2e_start_daemons started, by pid, libvirtd first.
e2e_stop_daemons() {
  local i d pid n
  for ((n = ${#E2E_STARTED_DAEMONS[@]} - 1; n >= 0; n--)); do
    d=${E2E_STARTED_DAEMONS[n]%%:*} pid=${E2E_STARTED_DAEMONS[n]##*:}
    if e2e__pid_alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$d" ]; then
      kill -TERM "$pid" 2>/dev/null
      for ((i = 0; i < 100; i++)); do
        e2e__pid_alive "$pid" || break
        sleep 0.1
      done
      e2e__pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    fi
  done
  E2E_STARTED_DAEMONS=()
}

# -------------------------------------------------------------- domains ---

e2e__xml_escape() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  s=${s//\'/&apos;}
  s=${s//\"/&quot;}
  printf '%s' "$s"
}

# Prints the domain XML for e2e_define_vm.
e2e_domain_xml() {
  local name=$1 extra=$2
  cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$E2E_KERNEL</kernel>
    <initrd>$E2E_INITRD</initrd>
    <cmdline>console=ttyS0 quiet $(e2e__xml_escape "$extra")</cmdline>
  </os>
  <features>
    <acpi/>
    <tcg><tb-cache unit='MiB'>32</tb-cache></tcg>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <controller type='usb' model='none'/>
    <serial type='unix'>
      <source mode='bind' path='$E2E_RUN/$name.serial'/>
      <log file='/var/log/libvirt/qemu/$name.serial.log' append='off'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# e2e_define_vm NAME [CMDLINE_EXTRA]: defines ${E2E_PREFIX}NAME (unless NAME
# already has the prefix); prints the full domain name.
e2e_define_vm() {
  local name=$1 extra=${2:-} xml
  [[ $name == "$E2E_PREFIX"* ]] || name=$E2E_PREFIX$name
  if [ -z "$E2E_KERNEL" ] || [ -z "$E2E_INITRD" ]; then
    e2e_log "e2e_define_vm: run e2e_build_image first"
    return 1
  fi
  mkdir -p "$E2E_RUN"
  xml=$(mktemp "$E2E_RUN/$name.XXXXXX.xml")
  e2e_domain_xml "$name" "$extra" >"$xml"
  if ! e2e_virsh define "$xml" >/dev/null; then
    rm -f "$xml"
    e2e_log "virsh define $name failed"
    return 1
  fi
  rm -f "$xml"
  printf '%s\n' "$name"
}

e2e__full_name() {
  if [[ $1 == "$E2E_PREFIX"* ]]; then printf '%s\n' "$1"; else printf '%s\n' "$E2E_PREFIX$1"; fi
}

e2e_start_vm() {
  e2e_virsh start "$(e2e__full_name "$1")" >/dev/null
}

# e2e_agent NAME JSON [TIMEOUT]: one agent command, prints libvirt's reply.
e2e_agent() {
  e2e_virsh qemu-agent-command "$(e2e__full_name "$1")" "$2" --timeout "${3:-5}"
}

# e2e_wait_agent NAME TIMEOUT: until guest-ping answers.
e2e_wait_agent() {
  local name t0 limit
  name=$(e2e__full_name "$1") limit=$((${2:-60} * 1000))
  t0=$(e2e_now_ms)
  while (($(e2e_now_ms) - t0 < limit)); do
    if e2e_virsh qemu-agent-command "$name" '{"execute":"guest-ping"}' --timeout 2 >/dev/null 2>&1; then
      e2e_log "$name: agent answers after $(e2e_elapsed "$t0") s"
      return 0
    fi
    sleep 0.5
  done
  e2e_log "$name: agent did not answer within ${2:-60} s"
  return 1
}

# e2e_users NAME: the logged-on user names, one a line (virsh guestinfo).
e2e_users() {
  local out
  out=$(e2e_virsh guestinfo --user "$(e2e__full_name "$1")" 2>&1) || {
    printf '%s\n' "$out" >&2
    return 1
  }
  printf '%s\n' "$out" | sed -n 's/^user\.[0-9]*\.name *: //p'
}

# e2e_user_count NAME: user.count from virsh guestinfo.
e2e_user_count() {
  local out
  out=$(e2e_virsh guestinfo --user "$(e2e__full_name "$1")" 2>/dev/null) || return 1
  printf '%s\n' "$out" | awk -F' *: *' '$1 == "user.count" {print $2; found=1} END {if (!found) print 0}'
}

# e2e_wait_users NAME N TIMEOUT: until exactly N users are logged on.
e2e_wait_users() {
  local name want=$2 t0 limit c=
  name=$(e2e__full_name "$1") limit=$((${3:-60} * 1000))
  t0=$(e2e_now_ms)
  while (($(e2e_now_ms) - t0 < limit)); do
    c=$(e2e_user_count "$name") || c=
    if [ "$c" = "$want" ]; then
      e2e_log "$name: $want user(s) after $(e2e_elapsed "$t0") s"
      return 0
    fi
    sleep 0.25
  done
  e2e_log "$name: wanted $want user(s), last saw '${c:-error}' after ${3:-60} s"
  return 1
}

# ------------------------------------------------------- guest-exec, JSON ---

# JSON string literal for $1.
e2e_json_str() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      '"') out+='\"' ;;
      \\) out+="\\\\" ;;
      $'\n') out+='\n' ;;
      $'\t') out+='\t' ;;
      $'\r') out+='\r' ;;
      *)
        if [[ $c < ' ' ]]; then
          printf -v c '\\u%04x' "'$c"
        fi
        out+=$c
        ;;
    esac
  done
  printf '"%s"' "$out"
}

# e2e_exec_json PATH ARG...: the guest-exec command with captured output.
e2e_exec_json() {
  local path=$1 a sep='' args=''
  shift
  for a in "$@"; do
    args+=$sep$(e2e_json_str "$a")
    sep=,
  done
  printf '{"execute":"guest-exec","arguments":{"path":%s,"arg":[%s],"capture-output":true}}' \
    "$(e2e_json_str "$path")" "$args"
}

# e2e_guest_exec NAME TIMEOUT PATH ARG...: runs it through guest-exec and
# polls guest-exec-status. Sets E2E_EXEC_RC (exit code, or -1 when killed by
# a signal), E2E_EXEC_OUT, E2E_EXEC_ERR (decoded); returns 0 once it exited.
e2e_guest_exec() {
  local name t0 limit reply pid st b64
  name=$(e2e__full_name "$1") limit=$((${2:-30} * 1000))
  shift 2
  E2E_EXEC_RC='' E2E_EXEC_OUT='' E2E_EXEC_ERR='' E2E_EXEC_STATUS_JSON=''
  reply=$(e2e_virsh qemu-agent-command "$name" "$(e2e_exec_json "$@")" --timeout 10 2>&1) || {
    E2E_EXEC_ERR=$reply
    return 1
  }
  pid=$(printf '%s' "$reply" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  [ -n "$pid" ] || { E2E_EXEC_ERR=$reply; return 1; }
  t0=$(e2e_now_ms)
  while (($(e2e_now_ms) - t0 < limit)); do
    st=$(e2e_virsh qemu-agent-command "$name" \
      "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" --timeout 10 2>&1) || {
      E2E_EXEC_ERR=$st
      return 1
    }
    if [[ $st == *'"exited":true'* ]]; then
      E2E_EXEC_STATUS_JSON=$st
      E2E_EXEC_RC=$(printf '%s' "$st" | sed -n 's/.*"exitcode": *\(-\{0,1\}[0-9]*\).*/\1/p')
      [ -n "$E2E_EXEC_RC" ] || E2E_EXEC_RC=-1
      b64=$(printf '%s' "$st" | sed -n 's/.*"out-data": *"\([^"]*\)".*/\1/p')
      E2E_EXEC_OUT=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
      b64=$(printf '%s' "$st" | sed -n 's/.*"err-data": *"\([^"]*\)".*/\1/p')
      E2E_EXEC_ERR=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
      return 0
    fi
    sleep 0.1
  done
  E2E_EXEC_ERR="guest-exec pid $pid still running after ${limit} ms"
  return 1
}

# e2e_logoff NAME USER...: the logoff plan (core/logoff-linux.sh through /bin/sh).
e2e_logoff() {
  local name=$1
  shift
  e2e_guest_exec "$name" 60 /bin/sh -c "$(cat "$E2E_LOGOFF_SCRIPT_FILE")" sh "$@"
}

# ---------------------------------------------------------- serial port ---

# e2e_serial NAME COMMAND [TIMEOUT]: runs COMMAND in the root shell on the
# guest's serial port (reaches the guest with the agent down); prints its
# output. A test-harness back door: COMMAND is trusted text.
e2e_serial() {
  local name sock cmd=$2
  name=$(e2e__full_name "$1")
  sock=$E2E_RUN/$name.serial
  # shellcheck disable=SC2016
  timeout -k 2 "${3:-20}" perl -MIO::Socket::UNIX -e '
    my ($path, $cmd) = @ARGV;
    my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect $path: $!\n";
    my $tag = "GOS" . int(rand(1e9));
    print $s "\n";
    sleep 1;
    print $s "echo ${tag}_B; $cmd; echo ${tag}_E\$?_\n";
    my $buf = "";
    while (1) {
      my $n = sysread($s, my $chunk, 4096);
      last unless $n;
      $buf .= $chunk;
      if ($buf =~ /\n${tag}_B\r?\n(.*)${tag}_E(\d+)_/s) {
        my ($out, $rc) = ($1, $2);
        $out =~ s/\r//g;
        print $out;
        exit $rc;
      }
    }
    exit 255;
  ' "$sock" "$cmd"
}

# -------------------------------------------------------------- cleanup ---

# Destroys and undefines every ${E2E_PREFIX}* domain.
e2e__remove_domains() {
  local d
  while read -r d; do
    [[ $d == "$E2E_PREFIX"* ]] || continue
    E2E_VIRSH_TIMEOUT=30 e2e_virsh destroy "$d" >/dev/null 2>&1
    E2E_VIRSH_TIMEOUT=30 e2e_virsh undefine "$d" >/dev/null 2>&1 ||
      e2e_log "cannot undefine $d"
  done < <(E2E_VIRSH_TIMEOUT=20 e2e_virsh list --all --name 2>/dev/null)
}

# QEMU processes of our domains that outlived libvirtd (it was unresponsive
# or gone): found by libvirt's pid files, checked by command line, killed by pid.
e2e__kill_orphan_qemu() {
  local f pid name
  timeout 5 virsh -q -c "$E2E_URI" version >/dev/null 2>&1 && return 0
  for f in /run/libvirt/qemu/"$E2E_PREFIX"*.pid; do
    [ -r "$f" ] || continue
    name=${f##*/} name=${name%.pid}
    pid=$(cat "$f" 2>/dev/null)
    e2e__pid_alive "$pid" || continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "guest=$name,"; then
      e2e_log "cleanup: killing QEMU $pid of $name (libvirtd is gone)"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
}

# Destroys and undefines every ${E2E_PREFIX}* domain, stops the daemons this
# shell started, removes sockets. Safe to call more than once.
e2e_cleanup() {
  local rc=$? t0
  trap - EXIT
  t0=$(e2e_now_ms)
  if [ "${GOS_E2E_KEEP:-0}" = 1 ]; then
    e2e_log "GOS_E2E_KEEP=1: leaving domains and daemons"
    [ -z "$E2E_WATCHDOG" ] || kill -TERM "$E2E_WATCHDOG" 2>/dev/null
    return "$rc"
  fi
  if timeout 20 virsh -q -c "$E2E_URI" version >/dev/null 2>&1; then
    e2e__remove_domains
  else
    e2e_log "cleanup: $E2E_URI does not answer"
  fi
  e2e_stop_daemons
  e2e__kill_orphan_qemu
  e2e__kvm_restore
  rm -f "$E2E_RUN/$E2E_PREFIX"*.serial "$E2E_RUN/$E2E_PREFIX"*.xml
  if [ -n "$E2E_WATCHDOG" ]; then
    kill -TERM "$E2E_WATCHDOG" 2>/dev/null
    wait "$E2E_WATCHDOG" 2>/dev/null
    E2E_WATCHDOG=
  fi
  e2e_log "cleanup done in $(e2e_elapsed "$t0") s"
  return "$rc"
}
