#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of guestos against remote hosts, side by side with virsh in the same run: listing one and
# ten hosts at the end of a 20 ms link, round trips per listing and per refresh, fan-out of logoffs.
#
#   make bench && bench/bench_remote.sh          (from the build folder; an optimised build)
#
# Every host is a libvirtd of its own serving libvirt's test driver
# (tests/lib_libvirtd.sh), behind bench/rtt_proxy, which delays every byte
# BENCH_DELAY_MS (10) each way, so a round trip costs 20 ms, and counts the
# calls clients make: each call is one round trip. No guests are needed.
# For the fan-out, bench/slow_agent.so gives every domain a fake guest agent
# whose every call takes BENCH_AGENT_MS (100) plus a round trip to the
# daemon, as a real agent command does.
#
# Knobs: BENCH_VMS (1000 a host), BENCH_HOSTS (10), BENCH_DELAY_MS (10),
# BENCH_AGENT_MS (100), BENCH_LOCAL_VMS (10000; 0 skips the local figures).

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
build=${BUILDDIR:-$(pwd)}
GUESTOS=${GUESTOS:-$build/guestos}
PROXY=$build/bench/rtt_proxy
REFRESH=$build/bench/bench_refresh
AGENT=$build/bench/slow_agent.so
for f in "$GUESTOS" "$PROXY" "$REFRESH" "$AGENT"; do
    [ -e "$f" ] || { echo "bench_remote: $f is missing: run make bench first" >&2; exit 2; }
done
. "$top_srcdir/tests/lib_libvirtd.sh"
lvd_require
command -v python3 >/dev/null 2>&1 || { echo "bench_remote: python3 reads the audit export" >&2; exit 2; }

VMS=${BENCH_VMS:-1000}
HOSTS=${BENCH_HOSTS:-10}
DELAY=${BENCH_DELAY_MS:-10}
AGENT_MS=${BENCH_AGENT_MS:-100}
LOCAL_VMS=${BENCH_LOCAL_VMS:-10000}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-remote.XXXXXX") || exit 2
proxies=""
cleanup() {
    for p in $proxies; do kill "$p" 2>/dev/null; done
    for d in "$T"/d*; do [ -d "$d" ] && lvd_stop "$d"; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now_ms() { echo $(($(date +%s%N) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f s", ms / 1000 }'; }
# verdict VALUE LIMIT: "met" when VALUE <= LIMIT
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l ? "met" : "NOT MET") }'; }
calls() { "$PROXY" -q "$1" stats | sed -n 's/.*calls=\([0-9]*\).*/\1/p'; }

# --- the hosts -------------------------------------------------------------------------------
sh "$top_srcdir/tests/gen-fleet.sh" "$VMS" >"$T/fleet.xml" || exit 2
sh "$top_srcdir/tests/gen-fleet.sh" 100 >"$T/fleet-100.xml" || exit 2
# Host h's VMs are named hH-web-00001 and so on, with UUIDs of their own.
h=0
while [ "$h" -lt "$HOSTS" ]; do
    sed -e "s/<name>\([a-z]*\)-/<name>h$h-\1-/" -e "s/6695eb01-0000/6695eb01-$(printf %04d "$h")/" \
        "$T/fleet.xml" >"$T/fleet-h$h.xml"
    h=$((h + 1))
done
# start_host NAME [libvirtd.conf lines]: a daemon and its proxy; uri NAME FLEET prints the URI.
start_host() {
    name=$1
    shift
    lvd_start "$T/d$name" "$@" || exit 2
    "$PROXY" -l "$T/p$name.sock" -t "$(lvd_socket "$T/d$name")" -c "$T/p$name.ctl" -d "$DELAY" &
    proxies="$proxies $!"
    while [ ! -S "$T/p$name.ctl" ]; do sleep 0.05; done
}
uri() { echo "test+unix://$T/$2?socket=$T/p$1.sock"; }
h=0
while [ "$h" -lt "$HOSTS" ]; do
    start_host "$h"
    h=$((h + 1))
done
# The raised limits: libvirtd serving 100 calls at once, 100 of them on one connection.
start_host raised "max_workers = 100" "max_client_requests = 100"

echo "guestos $("$GUESTOS" --version | cut -d' ' -f2), $(virsh --version) virsh; $HOSTS hosts of $VMS VMs" \
    "(test driver), RTT $((2 * DELAY)) ms, agent calls $AGENT_MS ms; $(nproc) CPUs"
echo

# run_timed CTL CMD...: runs CMD with its output in $T/out, sets ms and rt (calls through CTL's proxy)
run_timed() {
    ctl=$1
    shift
    "$PROXY" -q "$ctl" reset >/dev/null
    t0=$(now_ms)
    "$@" >"$T/out" 2>"$T/err" || { echo "bench_remote: $* failed: $(cat "$T/err")" >&2; exit 2; }
    ms=$(($(now_ms) - t0))
    rt=$(calls "$ctl")
}

# --- 1. one host: list, list --wait, virsh list --all ------------------------------------------
U0=$(uri 0 fleet-h0.xml)
run_timed "$T/p0.ctl" "$GUESTOS" -c "$U0" --audit-db "$T/l.db" list
g1_ms=$ms g1_rt=$rt
n=$(($(wc -l <"$T/out") - 1))
run_timed "$T/p0.ctl" "$GUESTOS" -c "$U0" --audit-db "$T/l.db" list --wait
gw_ms=$ms gw_rt=$rt
run_timed "$T/p0.ctl" virsh -c "$U0" list --all
v1_ms=$ms v1_rt=$rt
r=$(ratio "$g1_ms" "$v1_ms")
echo "1. list $n VMs on one host at $((2 * DELAY)) ms RTT"
printf "   %-34s %9s %7s round trips\n" "guestos list" "$(secs "$g1_ms")" "$g1_rt"
printf "   %-34s %9s %7s round trips\n" "guestos list --wait (agent data)" "$(secs "$gw_ms")" "$gw_rt"
printf "   %-34s %9s %7s round trips\n" "virsh list --all" "$(secs "$v1_ms")" "$v1_rt"
echo "   guestos list / virsh list --all = $r   (target <= 0.10: $(verdict "$r" 0.10))"
echo

# --- 2. ten hosts at once ------------------------------------------------------------------------
args=""
h=0
while [ "$h" -lt "$HOSTS" ]; do
    args="$args -c $(uri "$h" "fleet-h$h.xml")"
    h=$((h + 1))
done
for h in $(seq 0 $((HOSTS - 1))); do "$PROXY" -q "$T/p$h.ctl" reset >/dev/null; done
t0=$(now_ms)
# shellcheck disable=SC2086
"$GUESTOS" $args --audit-db "$T/l.db" list >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 2; }
g10_ms=$(($(now_ms) - t0))
g10_rt=0
for h in $(seq 0 $((HOSTS - 1))); do g10_rt=$((g10_rt + $(calls "$T/p$h.ctl"))); done
n=$(($(wc -l <"$T/out") - 1))
r=$(ratio "$g10_ms" "$v1_ms")
echo "2. list $HOSTS hosts at once ($n VMs)"
printf "   %-34s %9s %7s round trips (%s a host)\n" "guestos list, -c x $HOSTS" "$(secs "$g10_ms")" "$g10_rt" \
    "$((g10_rt / HOSTS))"
printf "   %-34s %9s %7s round trips (one host's, $HOSTS times over)\n" "virsh list --all, one after another" \
    "$(secs $((v1_ms * HOSTS)))" "$((v1_rt * HOSTS))"
echo "   guestos $HOSTS hosts / virsh one host = $r   (target <= 0.20: $(verdict "$r" 0.20))"
echo

# --- 3. a refresh of an unchanged host ----------------------------------------------------------
echo "3. round trips of a refresh of an unchanged host (after its first listing and channel reads)"
for f in fleet-100.xml fleet-h0.xml; do
    "$REFRESH" "$T/p0.ctl" 10 "$(uri 0 "$f")" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 2; }
    eval "$(tr ' ' '\n' <"$T/out" | sed 's/=/=/')"
    # shellcheck disable=SC2154
    printf "   %6s VMs: connect + listing %3s round trips (%s); channel reads %5s; a refresh %4s round trips (%s)\n" \
        "$vms" "$connect_list_calls" "$(secs "$connect_list_ms")" "$per_domain_calls" "$refresh_calls" \
        "$(secs "$refresh_ms")"
done
echo "   (constant: a refresh is one bulk listing, whatever the number of VMs)"
echo

# --- 4. fan-out: K logoffs over the hosts -------------------------------------------------------
# names K [HOSTS_USED]: K running VMs, spread round-robin over the first HOSTS_USED hosts
names() {
    awk -v k="$1" -v hosts="${2:-$HOSTS}" 'BEGIN { split("web db app cache batch", p, " ")
        for (h = 0; h < hosts; h++) next_i[h] = 1
        for (j = 0; j < k; j++) { h = j % hosts; i = next_i[h]
            while (i % 7 > 3) i++
            printf "h%d-%s-%05d ", h, p[i % 5 + 1], i; next_i[h] = i + 1 } }'
}
# fanout DB ARGS... : logs off, then prints "wall span slowest fastest ok" (ms) from the audit
fanout() {
    db=$1
    shift
    rm -f "$db" "$db-wal" "$db-shm"
    t0=$(now_ms)
    env LD_PRELOAD="$AGENT" GOS_BENCH_FAKE_AGENT=1 GOS_BENCH_AGENT_MS="$AGENT_MS" "$GUESTOS" --audit-db "$db" "$@" \
        >"$T/out" 2>"$T/err" || { echo "bench_remote: logoff failed: $(tail -3 "$T/err")" >&2; exit 2; }
    wall=$(($(now_ms) - t0))
    "$GUESTOS" --audit-db "$db" audit --format json | python3 -c '
import json, sys, datetime
d = json.load(sys.stdin)
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
sub = [t(x["submitted_at"]) for x in d]; end = [t(x["ended_at"]) for x in d]
dur = [e - s for s, e in zip(sub, end)]
print(sys.argv[1], int(max(end) - min(sub)), int(max(dur)), int(min(dur)),
      sum(x["task_error"] == "0x00000000" for x in d), len(d))' "$wall"
}
echo "4. fan-out: K logoffs over $HOSTS hosts, every agent call $AGENT_MS ms + a round trip"
echo "   (span: first submitted to last ended, from the audit log; wall: the whole command, connects included)"
printf "   %-28s %9s %9s %9s %9s %s\n" "" "span" "slowest" "fastest" "wall" "S_OK"
single=0
for k in 1 10 100 80; do
    # shellcheck disable=SC2046
    set -- $(fanout "$T/f$k.db" $args logoff $(names "$k"))
    [ "$k" = 1 ] && single=$2
    eval "span$k=$2"
    printf "   %-28s %9s %9s %9s %9s %s/%s   span / single = %s\n" "K = $k" "$(secs "$2")" "$(secs "$3")" \
        "$(secs "$4")" "$(secs "$1")" "$5" "$6" "$(ratio "$2" "$single")"
done
r=$(ratio "$span100" "$single")
echo "   K = 100 takes $r times the single logoff (about the slowest single: bounded by the guests, not threads)"
r=$(ratio "$span80" "$single")
echo "   80 VMs over $HOSTS hosts / one logoff = $r   (target <= 1.5: $(verdict "$r" 1.5))"
echo

# --- 5. 74 VMs of one host: libvirtd's default limits, then raised ones -------------------------
echo "5. fan-out of 74 VMs on one host"
# shellcheck disable=SC2046
set -- $(fanout "$T/d74.db" -c "$U0" logoff $(names 74 1))
d_span=$1
printf "   %-60s span %s, slowest %s, %s/%s S_OK (%s logoffs one after another)\n" \
    "libvirtd defaults (20 workers, 5 a connection); guestos defaults" "$(secs "$2")" "$(secs "$3")" "$5" "$6" \
    "$(awk -v s="$2" -v one="$single" 'BEGIN { printf "%.1f", (one > 0 ? s / one : 0) }')"
UR=$(uri raised fleet-h0.xml)
# shellcheck disable=SC2046
set -- $(fanout "$T/r74.db" --per-host 80 --client-requests 100 -c "$UR" logoff $(names 74 1))
printf "   %-60s span %s, slowest %s, %s/%s S_OK (%s logoffs one after another)\n" \
    "max_workers 100, max_client_requests 100; --per-host 80 --client-requests 100" "$(secs "$2")" "$(secs "$3")" \
    "$5" "$6" "$(awk -v s="$2" -v one="$single" 'BEGIN { printf "%.1f", (one > 0 ? s / one : 0) }')"
echo "   (by default a host runs 20 at once: ceil(74 / 20) = 4 rounds; raised, one)"
echo

# --- 6. the local side: test:/// in this process, no daemon --------------------------------------
if [ "$LOCAL_VMS" -gt 0 ]; then
    sh "$top_srcdir/tests/gen-fleet.sh" "$LOCAL_VMS" >"$T/local.xml" || exit 2
    best_g=0 best_v=0
    for i in 1 2 3; do
        t0=$(now_ms)
        "$GUESTOS" -c "test://$T/local.xml" --audit-db "$T/l.db" list >/dev/null 2>&1
        g=$(($(now_ms) - t0))
        t0=$(now_ms)
        virsh -c "test://$T/local.xml" list --all >/dev/null 2>&1
        v=$(($(now_ms) - t0))
        [ "$best_g" = 0 ] || [ "$g" -lt "$best_g" ] && best_g=$g
        [ "$best_v" = 0 ] || [ "$v" -lt "$best_v" ] && best_v=$v
    done
    r=$(ratio "$best_g" "$best_v")
    echo "6. local: $LOCAL_VMS VMs on test:/// (best of 3)"
    printf "   %-34s %9s\n" "guestos list" "$(secs "$best_g")" "virsh list --all" "$(secs "$best_v")"
    echo "   guestos / virsh = $r   (target <= 1.05: $(verdict "$r" 1.05))"
fi
