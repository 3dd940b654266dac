#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian 12 packages guestos needs to build, test and run its
# end-to-end tests on real QEMU guests (busybox, and Debian 12 and 13 built
# with debootstrap), and to build and check its Debian package. Run as root
# (or through sudo).
set -e
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
	build-essential autoconf automake autopoint gettext pkg-config \
	libvirt-dev libvirt0 libncurses-dev libsqlite3-dev sqlite3 check \
	libglib2.0-dev libjson-c-dev libsystemd-dev tmux locales python3 groff-base time \
	clang libclang-rt-dev \
	qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients \
	qemu-guest-agent cpio \
	debootstrap e2fsprogs util-linux procps perl \
	debhelper lintian
