# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: GPL-2.0-or-later
# Real Debian guests with systemd for the end-to-end tests: bookworm
# (Debian 12, systemd 252, utmp) and trixie (Debian 13, systemd 257, no
# utmp), built with debootstrap, cached, booted from their own kernel and
# initramfs. Source after lib.sh.
#
# Environment knobs (besides lib.sh's):
#   GOS_E2E_DEB_MIRROR  Debian mirror (default: the one apt's sources use)
#   GOS_E2E_DEB_SIZE    ext4 image size (default 2G, sparse)

E2E_DEB_SUITES=(bookworm trixie)
E2E_DEB_SIZE=${GOS_E2E_DEB_SIZE:-2G}
# What goes into every image besides minbase. udev starts qemu-ga
# (60-qemu-guest-agent.rules); login and util-linux give getty autologin;
# tmux is for bob's detached session.
E2E_DEB_PACKAGES=(systemd systemd-sysv dbus libpam-systemd udev qemu-guest-agent
  linux-image-amd64 initramfs-tools tmux procps login passwd util-linux)
# Users of every image: name:uid:how. alice and bob log in by getty
# autologin (tty2, tty3), bob starts a detached tmux session at login, carol
# only lingers (her user manager runs, she never logs in).
E2E_DEB_USERS=(alice:1001:tty2 bob:1002:tty3 carol:1003:linger)
# Set by e2e_deb_image: the cached kernel, initrd and disk of a suite.
E2E_DEB_KERNEL='' E2E_DEB_INITRD='' E2E_DEB_DISK=''
# suite=seconds of the last e2e_deb_image, for the timing summary
E2E_DEB_TIMES=()

# ------------------------------------------------------------ mirror, apt ---

# The Debian mirror apt already uses for the host's own suite: the first
# deb822 stanza or one-line entry in /etc/apt whose suite is the host's
# codename. Trixie lives on the same mirror as bookworm.
e2e_deb_mirror() {
  local codename f m
  if [ -n "${GOS_E2E_DEB_MIRROR:-}" ]; then
    printf '%s\n' "$GOS_E2E_DEB_MIRROR"
    return 0
  fi
  codename=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
  m=$({
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      awk -v s="$codename" 'BEGIN { RS = "" }
        {
          t = u = su = ""
          n = split($0, L, "\n")
          for (i = 1; i <= n; i++) {
            if (L[i] ~ /^#/) continue
            if (L[i] ~ /^Types:/) t = L[i]
            else if (L[i] ~ /^URIs:/) u = L[i]
            else if (L[i] ~ /^Suites:/) su = L[i]
          }
          if ((t " ") ~ /[[:space:]]deb[[:space:]]/ && (su " ") ~ ("[[:space:]]" s "[[:space:]]")) {
            sub(/^URIs:[[:space:]]*/, "", u)
            split(u, U, /[[:space:]]+/)
            print U[1]
          }
        }' "$f"
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v s="$codename" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) print $i
      }'
  } | head -n 1)
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# e2e__deb_apt DIR COMMAND ARG...: apt-get or apt-cache on a private state
# in DIR that knows only one suite of the mirror (DIR/sources.list), never
# the host's own lists or status.
e2e__deb_apt() {
  local d=$1
  shift
  "$@" -q -o Dir::State="$d/state" -o Dir::State::status="$d/status" \
    -o Dir::Cache="$d/cache" -o Dir::Etc::SourceList="$d/sources.list" \
    -o Dir::Etc::SourceParts="$d/none" -o Dir::Etc::Preferences="$d/none" \
    -o Dir::Etc::PreferencesParts="$d/none" -o APT::Architecture=amd64 \
    -o APT::Architectures=amd64 -o Acquire::Languages=none \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1
}

# e2e__deb_versions SUITE DIR: prints "name version" of every package the
# image would get (minbase's required set plus E2E_DEB_PACKAGES and their
# dependencies), from the suite's index, refreshed when the mirror answers.
# Returns 2 when the index can neither be fetched nor was fetched before.
e2e__deb_versions() {
  local suite=$1 d=$2/apt mirror req
  mirror=$(e2e_deb_mirror)
  mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/none"
  : >"$d/status"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$mirror" "$suite" >"$d/sources.list"
  if ! e2e__deb_apt "$d" timeout 120 apt-get update >"$d/update.log" 2>&1 ||
    grep -q '^[WE]:' "$d/update.log"; then
    e2e_log "debian-$suite: cannot refresh the index of $mirror (using the last one fetched, if any)"
  fi
  req=$(e2e__deb_apt "$d" apt-cache dumpavail 2>/dev/null |
    awk 'BEGIN { RS = "" } /(^|\n)Priority: required(\n|$)/ { if (match($0, /^Package: [^\n]+/)) print substr($0, 10, RLENGTH - 9) }' |
    sort -u)
  [ -n "$req" ] || return 2
  # shellcheck disable=SC2086
  e2e__deb_apt "$d" apt-get -s --no-install-recommends install $req apt "${E2E_DEB_PACKAGES[@]}" 2>/dev/null |
    awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2, v }' | LC_ALL=C sort
}

# ------------------------------------------------------------ the guest ---

# /etc/initramfs-tools/conf.d/guestos-e2e: only what a virtio guest needs to
# mount its root (the default MODULES=most makes a 30 MB initrd and costs
# time at every build and every boot under TCG).
e2e__deb_initramfs_conf() {
  cat <<'EOF'
MODULES=list
RESUME=none
EOF
}

# /usr/share/initramfs-tools/modules.d/guestos-e2e: force-loaded at boot.
# crc32c_generic: ext4 checksums need a crc32c and TCG's CPU has no SSE4.2.
e2e__deb_initramfs_modules() {
  cat <<'EOF'
virtio_pci
virtio_blk
crc32c_generic
ext4
EOF
}

# The guest setup, run once inside the image at build time (chroot, /proc
# only). Everything the tests rely on is decided here, never by the tests.
e2e__deb_guest_setup() {
  cat <<'SETUP'
#!/bin/sh
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
. /etc/os-release
echo "gos-$VERSION_CODENAME" >/etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 gos-%s\n' "$VERSION_CODENAME" >/etc/hosts
printf '/dev/vda / ext4 rw,relatime 0 1\n' >/etc/fstab
[ -s /etc/machine-id ] || systemd-machine-id-setup
# The getty of a test VT: logs USER in at its first start in this boot,
# then is a plain login prompt. A logged-off user so stays off, and the
# restarted getty's utmp record replaces the ended login's, as on any
# console. (Restart=no would leave the ended login's USER_PROCESS record in
# /run/utmp on bookworm; Restart=always with autologin every time logs the
# user straight back in.) rm /run/gos-autologin.TTY and restart the getty to
# log the user in again.
mkdir -p /usr/local/sbin
cat >/usr/local/sbin/gos-autologin <<'EOF'
#!/bin/sh
user=$1 tty=$2
if [ ! -e "/run/gos-autologin.$tty" ]; then
  : >"/run/gos-autologin.$tty"
  exec /sbin/agetty --autologin "$user" --noclear - "${TERM:-linux}"
fi
exec /sbin/agetty --noclear - "${TERM:-linux}"
EOF
chmod 755 /usr/local/sbin/gos-autologin
# password-less accounts (empty password field), each with a home
passwd -d root >/dev/null
for spec in "$@"; do
  user=${spec%%:*} rest=${spec#*:}
  uid=${rest%%:*} how=${rest#*:}
  useradd -m -u "$uid" -U -s /bin/bash "$user"
  passwd -d "$user" >/dev/null
  case $how in
    tty*)
      # Getty autologin gives a real logind session on the VT, once per
      # boot (see gos-autologin). Restart=always as in getty@.service.
      mkdir -p "/etc/systemd/system/getty@$how.service.d"
      cat >"/etc/systemd/system/getty@$how.service.d/autologin.conf" <<EOF
[Service]
ExecStart=
ExecStart=-/usr/local/sbin/gos-autologin $user %I
EOF
      systemctl enable "getty@$how.service"
      # every session has more processes than its shell
      printf '\n# guestos e2e: a second process in the session\nsleep 86400 &\n' >>"/home/$user/.profile"
      ;;
    linger)
      mkdir -p /var/lib/systemd/linger
      : >"/var/lib/systemd/linger/$user"
      ;;
  esac
done
# bob starts a detached tmux session when he logs in on his VT
cat >>/home/bob/.profile <<'EOF'
if [ "$(tty)" = /dev/tty3 ] && ! tmux has-session -t work 2>/dev/null; then
  tmux new-session -d -s work
fi
EOF
# The login on a VT is complete once .profile ran: the harness waits for the
# mark (a logoff racing a login in progress is another test).
for spec in "$@"; do
  user=${spec%%:*}
  cat >>"/home/$user/.profile" <<'EOF'
case $(tty) in
  /dev/tty[0-9]*) : >"${XDG_RUNTIME_DIR:-/nonexistent}/gos-login-done.${HOME##*/}" 2>/dev/null ;;
esac
EOF
done
# A root shell on the serial console that is no login (no PAM, no logind
# session, no utmp): the harness reaches the guest through it with the agent
# down, and a logoff of "all users" has nothing of it to end. No readline:
# the terminal's own echo keeps lib.sh's e2e_serial markers on their lines.
cat >/etc/systemd/system/gos-serial-shell.service <<'EOF'
[Unit]
Description=Root shell on the serial console (test harness)
DefaultDependencies=no
IgnoreOnIsolate=yes
ConditionPathExists=/dev/ttyS0
After=systemd-vconsole-setup.service

[Service]
Environment=TERM=vt100 HOME=/root
WorkingDirectory=/root
ExecStart=/bin/bash --noediting -l
Restart=always
RestartSec=0
StandardInput=tty
TTYPath=/dev/ttyS0
TTYReset=yes
TTYVHangup=yes
KillMode=process
IgnoreSIGPIPE=no
SendSIGHUP=yes

[Install]
WantedBy=sysinit.target
EOF
systemctl enable gos-serial-shell.service
systemctl mask serial-getty@ttyS0.service
# nothing periodic may run during a test
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  fstrim.timer dpkg-db-backup.timer
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
SETUP
}

# Everything that decides a suite's image, for its cache key.
e2e__deb_inputs() {
  local suite=$1 dir=$2 v
  v=$(e2e__deb_versions "$suite" "$dir") || return
  [ -n "$v" ] || return 2
  echo "format 1"
  echo "suite $suite"
  echo "mirror $(e2e_deb_mirror)"
  echo "size $E2E_DEB_SIZE"
  echo "debootstrap $(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null)"
  echo "e2fsprogs $(dpkg-query -W -f '${Version}' e2fsprogs 2>/dev/null)"
  printf '%s\n' "${E2E_DEB_USERS[@]}" | sha256sum | sed 's/^/users /'
  declare -f e2e__deb_initramfs_conf e2e__deb_initramfs_modules e2e__deb_guest_setup \
    e2e__deb_build | sha256sum | sed 's/^/scripts /'
  printf '%s\n' "$v" | sed 's/^/package /'
}

# Unmounts whatever is still mounted below $1 (deepest first).
e2e__deb_umount_below() {
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null
  done < <(awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r)
}

# e2e__deb_build SUITE DIR: debootstrap into DIR/build.*, set the guest up,
# make DIR/disk.img, vmlinuz, initrd.img, versions.txt. Returns 2 when the
# mirror cannot be reached.
e2e__deb_build() {
  local suite=$1 dir=$2 tmp root mirror inc k i f rc=0
  local -a env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C TERM=dumb
    DEBIAN_FRONTEND=noninteractive)
  mirror=$(e2e_deb_mirror)
  mkdir -p "$dir/debs"
  tmp=$(mktemp -d "$dir/build.XXXXXX")
  root=$tmp/root
  inc=$(IFS=,; printf '%s' "${E2E_DEB_PACKAGES[*]}")
  # Stage one only unpacks, so the initramfs configuration is in place
  # before the kernel's postinst builds the initrd in stage two.
  if ! debootstrap --foreign --variant=minbase --include="$inc" --cache-dir="$dir/debs" \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$suite" "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
    tail -n 5 "$tmp/debootstrap.log" >&2
    grep -q -E 'Failed getting release file|Couldn.t download|Failure trying to run' "$tmp/debootstrap.log" &&
      rc=2
    rm -rf "$tmp"
    return $((rc ? rc : 1))
  fi
  mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d" "$root/usr/sbin"
  e2e__deb_initramfs_conf >"$root/etc/initramfs-tools/conf.d/guestos-e2e"
  e2e__deb_initramfs_modules >"$root/usr/share/initramfs-tools/modules.d/guestos-e2e"
  # no service starts inside the chroot
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  # Stage two mounts /proc and /sys itself, and never the host's /dev.
  if ! "${env[@]}" chroot "$root" /debootstrap/debootstrap --second-stage \
    >>"$tmp/debootstrap.log" 2>&1; then
    e2e__deb_umount_below "$root"
    tail -n 5 "$tmp/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 15 "$root/debootstrap/debootstrap.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  e2e__deb_umount_below "$root"
  e2e__deb_guest_setup >"$root/root/gos-setup.sh"
  mount -t proc proc "$root/proc" || { rm -rf "$tmp"; return 1; }
  "${env[@]}" chroot "$root" /bin/sh /root/gos-setup.sh "${E2E_DEB_USERS[@]}" >"$tmp/setup.log" 2>&1 || rc=1
  e2e__deb_umount_below "$root"
  rm -f "$root/root/gos-setup.sh" "$root/usr/sbin/policy-rc.d"
  if [ "$rc" != 0 ]; then
    tail -n 15 "$tmp/setup.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  k=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
  i=$(find "$root/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)
  if [ -z "$k" ] || [ -z "$i" ]; then
    e2e_log "debian-$suite: no kernel or initrd in /boot"
    rm -rf "$tmp"
    return 1
  fi
  if ! cp "$k" "$tmp/vmlinuz" || ! cp "$i" "$tmp/initrd.img"; then
    rm -rf "$tmp"
    return 1
  fi
  dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Package} ${Version}\n' >"$tmp/versions.txt"
  if ! mkfs.ext4 -q -F -L gos-root -d "$root" "$tmp/disk.img" "$E2E_DEB_SIZE" >"$tmp/mkfs.log" 2>&1; then
    cat "$tmp/mkfs.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  chmod 644 "$tmp/vmlinuz" "$tmp/initrd.img" "$tmp/disk.img"
  rm -f "$dir/inputs.txt"
  for f in vmlinuz initrd.img disk.img versions.txt; do
    mv -f "$tmp/$f" "$dir/$f"
  done
  rm -rf "$tmp"
}

# e2e_deb_image SUITE: the suite's image in $E2E_CACHE/debian-SUITE, built
# when an input changed (package versions, the guest setup, the scripts).
# Sets E2E_DEB_KERNEL, E2E_DEB_INITRD, E2E_DEB_DISK. Returns 2 when the
# mirror cannot be reached and nothing is cached, 1 on other errors.
e2e_deb_image() {
  local suite=$1 dir t0 rc
  dir=$E2E_CACHE/debian-$suite
  t0=$(e2e_now_ms)
  mkdir -p "$dir"
  chmod 755 "$E2E_CACHE" "$dir"
  E2E_DEB_KERNEL=$dir/vmlinuz E2E_DEB_INITRD=$dir/initrd.img E2E_DEB_DISK=$dir/disk.img
  e2e__deb_inputs "$suite" "$dir" >"$dir/inputs.new"
  rc=$?
  if [ "$rc" = 0 ] && [ -s "$E2E_DEB_DISK" ] && cmp -s "$dir/inputs.new" "$dir/inputs.txt"; then
    rm -f "$dir/inputs.new"
    E2E_DEB_TIMES+=("$suite=$(e2e_elapsed "$t0")")
    e2e_log "debian-$suite: image up to date ($(e2e_elapsed "$t0") s)"
    return 0
  fi
  if [ "$rc" != 0 ]; then
    rm -f "$dir/inputs.new"
    if [ -s "$E2E_DEB_DISK" ] && [ -s "$dir/inputs.txt" ]; then
      e2e_log "debian-$suite: $(e2e_deb_mirror) unreachable; using the cached image as it is"
      E2E_DEB_TIMES+=("$suite=$(e2e_elapsed "$t0")")
      return 0
    fi
    e2e_log "debian-$suite: $(e2e_deb_mirror) unreachable and no image cached"
    return 2
  fi
  e2e_log "debian-$suite: building the image (debootstrap from $(e2e_deb_mirror))"
  e2e__deb_build "$suite" "$dir"
  rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/inputs.new"
    return "$rc"
  fi
  mv -f "$dir/inputs.new" "$dir/inputs.txt"
  E2E_DEB_TIMES+=("$suite=$(e2e_elapsed "$t0")")
  e2e_log "debian-$suite: image built in $(e2e_elapsed "$t0") s ($(du -m "$E2E_DEB_DISK" | cut -f1) MiB allocated, initrd $(du -k "$E2E_DEB_INITRD" | cut -f1) KiB)"
}

# e2e_deb_images SUITE...: e2e_deb_image for each suite, the builds side by
# side (each is mostly one dpkg at a time). Returns 1 when a build failed,
# else 2 when a suite can be neither fetched nor found in the cache, else 0.
e2e_deb_images() {
  local s r t worst=0 n=0
  local -a pids=()
  for s in "$@"; do
    mkdir -p "$E2E_CACHE/debian-$s"
    (
      e2e_deb_image "$s"
      r=$?
      printf '%s %s\n' "$r" "${E2E_DEB_TIMES[*]:-}" >"$E2E_CACHE/debian-$s/result"
    ) &
    pids+=($!)
  done
  for s in "$@"; do
    wait "${pids[n]}"
    n=$((n + 1))
    r=1 t=
    read -r r t <"$E2E_CACHE/debian-$s/result" 2>/dev/null
    rm -f "$E2E_CACHE/debian-$s/result"
    [ -n "$t" ] && E2E_DEB_TIMES+=("$t")
    case $r in
      0) ;;
      2) [ "$worst" = 1 ] || worst=2 ;;
      *) worst=1 ;;
    esac
  done
  return "$worst"
}

# -------------------------------------------------------------- domains ---

# e2e_deb_domain_xml NAME SUITE [CMDLINE_EXTRA]: the domain of a Debian
# guest: TCG, direct kernel boot from the suite's cached kernel and initrd,
# root on a virtio disk that is transient (libvirt puts a qcow2 overlay
# beside the image and drops it when the guest stops, so every boot starts
# from the image as built), agent channel, root shell on a unix serial port.
e2e_deb_domain_xml() {
  local name=$1 suite=$2 extra=${3:-} dir
  dir=$E2E_CACHE/debian-$suite
  cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$dir/vmlinuz</kernel>
    <initrd>$dir/initrd.img</initrd>
    <cmdline>console=ttyS0 root=/dev/vda rw quiet $(e2e__xml_escape "$extra")</cmdline>
  </os>
  <features>
    <acpi/>
    <tcg><tb-cache unit='MiB'>256</tb-cache></tcg>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <controller type='usb' model='none'/>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$dir/disk.img'/>
      <target dev='vda' bus='virtio'/>
      <transient/>
    </disk>
    <serial type='unix'>
      <source mode='bind' path='$E2E_RUN/$name.serial'/>
      <log file='/var/log/libvirt/qemu/$name.serial.log' append='off'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

# e2e_deb_define_vm NAME SUITE [CMDLINE_EXTRA]: defines ${E2E_PREFIX}NAME
# on the suite's image (e2e_deb_image first); prints the domain name.
e2e_deb_define_vm() {
  local name=$1 suite=$2 extra=${3:-} xml
  [[ $name == "$E2E_PREFIX"* ]] || name=$E2E_PREFIX$name
  [ -s "$E2E_CACHE/debian-$suite/disk.img" ] || {
    e2e_log "e2e_deb_define_vm: no image for $suite (e2e_deb_image first)"
    return 1
  }
  mkdir -p "$E2E_RUN"
  xml=$(mktemp "$E2E_RUN/$name.XXXXXX.xml")
  e2e_deb_domain_xml "$name" "$suite" "$extra" >"$xml"
  if ! e2e_virsh define "$xml" >/dev/null; then
    rm -f "$xml"
    e2e_log "virsh define $name failed"
    return 1
  fi
  rm -f "$xml"
  printf '%s\n' "$name"
}

# Removes transient overlays that a guest of ours left beside the images
# (libvirt drops them when the guest stops; a libvirtd that died does not).
# Call after e2e_cleanup, while holding the e2e lock.
e2e_deb_cleanup() {
  rm -f "$E2E_CACHE"/debian-*/disk.img.TRANSIENT-"$E2E_PREFIX"*
}

# ------------------------------------------------------- in the guest ---

# e2e_deb_sh NAME TIMEOUT SCRIPT [ARG...]: runs SCRIPT (trusted harness text)
# with /bin/sh -c in the guest through guest-exec; E2E_EXEC_RC, _OUT, _ERR
# and _STATUS_JSON as e2e_guest_exec sets them.
e2e_deb_sh() {
  local name=$1 limit=$2 script=$3
  shift 3
  e2e_guest_exec "$name" "$limit" /bin/sh -c "$script" sh "$@"
}

# Exit 0 when each user in "$@" has a logind session on a VT and its login
# completed (.profile left its mark in the user's runtime directory).
# shellcheck disable=SC2016
E2E_DEB_LOGGED_ON_SH='out=$(loginctl list-sessions --no-legend) || exit 2
for u do
  printf "%s\n" "$out" | awk -v u="$u" "\$3 == u && / tty[0-9]/ { f = 1 } END { exit !f }" || { echo "$u: no session"; exit 1; }
  [ -e "/run/user/$(id -u "$u")/gos-login-done.$u" ] || { echo "$u: login not complete"; exit 1; }
done'

# e2e_deb_wait_sessions NAME TIMEOUT USER...: until each USER has a logind
# session on a VT whose login completed.
e2e_deb_wait_sessions() {
  local name limit t0 why=
  name=$(e2e__full_name "$1") limit=$(($2 * 1000))
  shift 2
  t0=$(e2e_now_ms)
  while (($(e2e_now_ms) - t0 < limit)); do
    if e2e_deb_sh "$name" 10 "$E2E_DEB_LOGGED_ON_SH" "$@" && [ "$E2E_EXEC_RC" = 0 ]; then
      e2e_log "$name: $* logged on after $(e2e_elapsed "$t0") s"
      return 0
    fi
    why=${E2E_EXEC_OUT:-$E2E_EXEC_ERR}
    sleep 1
  done
  e2e_log "$name: not all of $* logged on within $((limit / 1000)) s (${why:0:200})"
  return 1
}

# e2e_deb_relogin NAME USER...: logs each user in again on the VT
# E2E_DEB_USERS gives it (gos-autologin logs in only at its first start in
# a boot); e2e_deb_wait_sessions then waits for the login to complete.
e2e_deb_relogin() {
  local name=$1 u spec tty
  shift
  for u in "$@"; do
    tty=
    for spec in "${E2E_DEB_USERS[@]}"; do
      [ "${spec%%:*}" = "$u" ] && tty=${spec##*:}
    done
    [[ $tty == tty* ]] || { e2e_log "e2e_deb_relogin: $u logs in on no VT"; return 1; }
    # shellcheck disable=SC2016
    e2e_deb_sh "$name" 20 'rm -f "/run/gos-autologin.$2" "/run/user/$(id -u "$1")/gos-login-done.$1" &&
      systemctl restart "getty@$2.service"' "$u" "$tty" || return 1
    [ "$E2E_EXEC_RC" = 0 ] || return 1
  done
}
