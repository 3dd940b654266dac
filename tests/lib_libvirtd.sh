# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# A libvirtd of our own that serves libvirt's test driver on its own socket:
# clients reach it as test+unix:///PATH?socket=DIR/sock/libvirt-sock.
#
# It has its own configuration, socket folder, pid file and log under DIR,
# and loads no driver module (LIBVIRT_DRIVER_DIR is an empty folder: the
# test driver is part of libvirt itself), so it touches neither the
# system's libvirtd nor the QEMU state the end-to-end tests use.
#
#   lvd_start DIR [CONFIG LINE...]   start it (extra libvirtd.conf lines, e.g. max_workers = 100)
#   lvd_stop DIR                     SIGTERM, as a restart does; SIGKILL after 10 s
#   lvd_socket DIR                   the client socket's path

LIBVIRTD=${LIBVIRTD:-$(command -v libvirtd || echo /usr/sbin/libvirtd)}

# Exits 77 (skipped) when there is no libvirtd to run.
lvd_require() {
    if [ ! -x "$LIBVIRTD" ]; then
        echo "SKIP: no libvirtd on this machine (the libvirt-daemon package has it)." >&2
        exit 77
    fi
    if ! command -v virsh >/dev/null 2>&1; then
        echo "SKIP: no virsh on this machine (the libvirt-clients package has it)." >&2
        exit 77
    fi
}

lvd_socket() { echo "$1/sock/libvirt-sock"; }

lvd_start() {
    lvd_dir=$1
    shift
    mkdir -p "$lvd_dir/sock" "$lvd_dir/drivers" "$lvd_dir/run" "$lvd_dir/config" || return 1
    {
        echo "unix_sock_dir = \"$lvd_dir/sock\""
        echo 'unix_sock_rw_perms = "0700"'
        echo 'unix_sock_ro_perms = "0700"'
        echo 'unix_sock_admin_perms = "0700"'
        echo 'auth_unix_rw = "none"'
        echo 'auth_unix_ro = "none"'
        echo "log_outputs = \"3:file:$lvd_dir/libvirtd.log\""
        for line in "$@"; do
            echo "$line"
        done
    } >"$lvd_dir/libvirtd.conf"
    rm -f "$(lvd_socket "$lvd_dir")"
    # setsid: a signal meant for the test (Ctrl-C) is not the daemon's.
    XDG_RUNTIME_DIR="$lvd_dir/run" XDG_CONFIG_HOME="$lvd_dir/config" LIBVIRT_DRIVER_DIR="$lvd_dir/drivers" \
        setsid "$LIBVIRTD" --config "$lvd_dir/libvirtd.conf" --pid-file "$lvd_dir/libvirtd.pid" \
        >>"$lvd_dir/libvirtd.out" 2>&1 </dev/null &
    echo $! >"$lvd_dir/daemon.pid"
    lvd_tries=100
    while [ "$lvd_tries" -gt 0 ]; do
        if virsh -q -c "test+unix:///default?socket=$(lvd_socket "$lvd_dir")" uri >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
        lvd_tries=$((lvd_tries - 1))
    done
    echo "ERROR: libvirtd in $lvd_dir did not answer within 10 s:" >&2
    cat "$lvd_dir/libvirtd.out" >&2
    return 1
}

# True while PID runs (a zombie that waits for its parent does not).
lvd_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

lvd_stop() {
    lvd_dir=$1
    [ -r "$lvd_dir/daemon.pid" ] || return 0
    lvd_child=$(cat "$lvd_dir/daemon.pid")
    lvd_pid=$(cat "$lvd_dir/libvirtd.pid" 2>/dev/null || echo "$lvd_child")
    rm -f "$lvd_dir/daemon.pid"
    kill -TERM "$lvd_pid" 2>/dev/null || :
    lvd_tries=100
    while lvd_alive "$lvd_pid" && [ "$lvd_tries" -gt 0 ]; do
        sleep 0.1
        lvd_tries=$((lvd_tries - 1))
    done
    kill -KILL "$lvd_pid" 2>/dev/null || :
    wait "$lvd_child" 2>/dev/null || :
    return 0
}
