#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The commands without a terminal: a host that fails is named and makes `list` exit 2; `list`
# makes no database; each command has its own --help; errors are one line without the binary's
# path; a typo in guestos.conf names its line; the audit log filters by origin.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
if [ -z "$GUESTOS" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/guestos-cli.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
# run NAME ARGS...: the exit status in $rc, stdout in $T/NAME.out, stderr in $T/NAME.err.
run() {
    name=$1
    shift
    "$GUESTOS" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    rc=$?
}
one_line() {
    n=$(wc -l <"$T/$1.err")
    [ "$n" = 1 ] || bad "$1: stderr has $n lines, not one: $(cat "$T/$1.err")"
    if grep -q "$GUESTOS" "$T/$1.err"; then bad "$1: stderr names the binary's path: $(cat "$T/$1.err")"; fi
    grep -q "^guestos" "$T/$1.err" || bad "$1: stderr does not start with guestos: $(cat "$T/$1.err")"
}

# --- a host that fails --------------------------------------------------------------------------
run hosts -c test:///default -c nosuch:///x --audit-db "$T/a.db" list --wait
[ "$rc" = 2 ] || bad "list with a failing host exits $rc, not 2"
grep -q "^test " "$T/hosts.out" || bad "list does not list the host that answered: $(cat "$T/hosts.out")"
grep -q "nosuch:///x" "$T/hosts.err" || bad "list does not name the host that failed: $(cat "$T/hosts.err")"
one_line hosts
# The words are those of the console: states and agent conditions.
grep -q "^test  *running  *no-channel " "$T/hosts.out" || bad "list's words: $(cat "$T/hosts.out")"

# --- list makes no database --------------------------------------------------------------------
run nodb -c test:///default --audit-db "$T/none/dir/x.db" list
[ "$rc" = 0 ] || bad "list with a database path in a missing folder exits $rc: $(cat "$T/nodb.err")"
[ -e "$T/none" ] && bad "list made $T/none"
run nodb_default -c test:///default list
[ -e "$T/state/guestos/audit.db" ] && bad "list made the default audit database"

# --- each command's own help ------------------------------------------------------------------
for cmd in list logoff audit batch; do
    run "help_$cmd" "$cmd" --help
    [ "$rc" = 0 ] || bad "$cmd --help exits $rc"
    grep -q "^Usage: guestos \[OPTIONS\] $cmd" "$T/help_$cmd.out" || bad "$cmd --help: $(head -n 2 "$T/help_$cmd.out")"
    run "helpcmd_$cmd" help "$cmd"
    cmp -s "$T/help_$cmd.out" "$T/helpcmd_$cmd.out" || bad "guestos help $cmd differs from $cmd --help"
done
for f in --vm --operator --action --host --origin --result --hresult --since --until --search --format; do
    grep -q -- "$f" "$T/help_audit.out" || bad "audit --help does not list $f"
done
run help help
run dashhelp --help
cmp -s "$T/help.out" "$T/dashhelp.out" || bad "guestos help differs from guestos --help"
for f in --origin --search --no-restore --no-mouse; do
    grep -q -- "$f" "$T/dashhelp.out" || bad "--help does not list $f"
done
run helpbad help frobnicate
[ "$rc" = 2 ] || bad "help of no command exits $rc"
one_line helpbad

# --- usage errors: one line, no path ---------------------------------------------------------------
run opt_global --bogus
[ "$rc" = 2 ] || bad "--bogus exits $rc"
one_line opt_global
grep -q -- "'--bogus' is not an option here; see 'guestos --help'" "$T/opt_global.err" || bad "--bogus: $(cat "$T/opt_global.err")"
run opt_c -c
[ "$rc" = 2 ] || bad "-c without a value exits $rc"
one_line opt_c
run opt_list list --bogus
one_line opt_list
grep -q "see 'guestos list --help'" "$T/opt_list.err" || bad "list --bogus: $(cat "$T/opt_list.err")"
run opt_audit audit --vm
one_line opt_audit
grep -q -- "--vm needs a value" "$T/opt_audit.err" || bad "audit --vm: $(cat "$T/opt_audit.err")"
run opt_cmd frobnicate
one_line opt_cmd

# --- guestos.conf: a typo names its file and line ----------------------------------------------
mkdir -p "$XDG_CONFIG_HOME/guestos"
conf="$XDG_CONFIG_HOME/guestos/guestos.conf"
printf '[hosts]\nuris = test:///default\n\n[key]\nF6 = macro nightly\n' >"$conf"
run conf_group list
[ "$rc" = 2 ] || bad "a [key] group exits $rc, not 2"
one_line conf_group
grep -q "$conf:4: \[key\] is not a group of guestos.conf" "$T/conf_group.err" || bad "[key]: $(cat "$T/conf_group.err")"
printf '[hosts]\nuri = test:///default\n' >"$conf"
run conf_key list
[ "$rc" = 2 ] || bad "uri = exits $rc, not 2"
grep -q "$conf:2: \[hosts\] has no key 'uri': it has uris." "$T/conf_key.err" || bad "uri =: $(cat "$T/conf_key.err")"
printf '[console]\nmouse = maybe\n' >"$conf"
run conf_mouse list
[ "$rc" = 2 ] || bad "mouse = maybe exits $rc, not 2"
grep -q "$conf:2: mouse is true or false." "$T/conf_mouse.err" || bad "mouse = maybe: $(cat "$T/conf_mouse.err")"
printf '[console]\ncolumns = name hostname\n' >"$conf"
run conf_cols list
[ "$rc" = 2 ] || bad "a bad column exits $rc, not 2"
grep -q "$conf:2: 'hostname' is not a column" "$T/conf_cols.err" || bad "columns: $(cat "$T/conf_cols.err")"
printf '# good\n[hosts]\nuris = test:///default\n[console]\nmouse = false\ncolumns = name:30 state\n[keys]\nF6 = refresh\n' >"$conf"
run conf_good --audit-db "$T/a.db" list
[ "$rc" = 0 ] || bad "a good configuration: exit $rc: $(cat "$T/conf_good.err")"
rm -f "$conf"

# --- the audit log by origin: what a macro or a batch file did -------------------------------------
mkdir -p "$XDG_CONFIG_HOME/guestos/macros"
printf 'logoff test\n' >"$XDG_CONFIG_HOME/guestos/macros/tidy.gos"
printf 'logoff test\nmacro tidy\n' >"$T/run.gos"
run batch -c test:///default --audit-db "$T/o.db" batch "$T/run.gos"
run cli -c test:///default --audit-db "$T/o.db" logoff test
count() { "$GUESTOS" --audit-db "$T/o.db" audit "$@" --format csv | tail -n +2 | wc -l; }
[ "$(count)" = 3 ] || bad "the audit log has $(count) tasks, not 3"
[ "$(count --origin macro:)" = 1 ] || bad "--origin macro: finds $(count --origin macro:), not 1"
[ "$(count --origin macro:tidy)" = 1 ] || bad "--origin macro:tidy finds $(count --origin macro:tidy), not 1"
[ "$(count --origin macro:other)" = 0 ] || bad "--origin macro:other finds some"
[ "$(count --origin batch:)" = 1 ] || bad "--origin batch: finds $(count --origin batch:), not 1"
[ "$(count --origin "batch:$T/run.gos")" = 1 ] || bad "--origin batch:FILE finds $(count --origin "batch:$T/run.gos")"
[ "$(count --origin cli)" = 1 ] || bad "--origin cli finds $(count --origin cli), not 1"
# A file named relative to the working folder is recorded by its absolute name.
mkdir -p "$T/sub"
(cd "$T" && "$GUESTOS" -c test:///default --audit-db "$T/o.db" batch ./sub/../run.gos >/dev/null 2>&1)
real="$(cd "$T" && pwd -P)/run.gos"
[ "$(count --origin "batch:$real")" = 2 ] || bad "batch ./sub/../run.gos: not recorded as batch:$real"
[ "$(count --origin=cli --search test)" = 1 ] || bad "--origin=cli --search test"

# --- the action table names the new actions ---------------------------------------------------------
"$GUESTOS" --list-actions >"$T/actions.out"
for a in columns task-panel show-name cursor-to; do
    grep -q "^$a" "$T/actions.out" || bad "--list-actions does not list $a"
done

# --- a name two hosts use names no VM: nothing runs, and the message says how to name it ----------
sed 's/6695eb01/7795eb01/g' "$top_srcdir/tests/fleet.xml" >"$T/twin.xml"
fleet="$(cd "$top_srcdir/tests" && pwd)/fleet.xml"
"$GUESTOS" -c "test://$T/twin.xml" -c "test://$fleet" --audit-db "$T/twin.db" logoff web2 db-off \
    </dev/null >"$T/twin.out" 2>"$T/twin.err"
rc=$?
[ "$rc" = 2 ] || bad "an ambiguous name exits $rc, expected 2; it said: $(cat "$T/twin.err")"
grep -q "'web2' names VMs on more than one host (.*): name it by its UUID." "$T/twin.err" ||
    bad "an ambiguous name says: $(cat "$T/twin.err")"
[ ! -s "$T/twin.out" ] || bad "an ambiguous name ran something: $(cat "$T/twin.out")"
printf 'logoff web2\n' | "$GUESTOS" -c "test://$T/twin.xml" -c "test://$fleet" --audit-db "$T/twin.db" batch - \
    >"$T/twin-batch.out" 2>&1
grep -q "^Summary: 0 tasks" "$T/twin-batch.out" || bad "batch ran an ambiguous name: $(cat "$T/twin-batch.out")"
uuid=$(awk '/<name>web2<\/name>/ { w = 1 } w && /<uuid>/ { gsub(/.*<uuid>|<\/uuid>.*/, ""); print; exit }' "$fleet")
[ -n "$uuid" ] || bad "no UUID for web2 in $fleet"
"$GUESTOS" -c "test://$T/twin.xml" -c "test://$fleet" --audit-db "$T/twin.db" logoff "$uuid" </dev/null >"$T/twin-uuid.out" 2>&1
grep -q "^web2 logoff: " "$T/twin-uuid.out" || bad "the UUID $uuid does not name web2: $(cat "$T/twin-uuid.out")"

# --- --until a bare date takes that whole day in ----------------------------------------------
today=$(date -u +%F)
n=$("$GUESTOS" --audit-db "$T/twin.db" audit --format json --since "$today" --until "$today" 2>/dev/null | grep -c '"task_id"')
[ "$n" -ge 1 ] || bad "--since $today --until $today finds nothing of today"
n=$("$GUESTOS" --audit-db "$T/twin.db" audit --format json --until "$(date -u -d yesterday +%F)" 2>/dev/null | grep -c '"task_id"')
[ "$n" = 0 ] || bad "--until yesterday finds $n tasks of today"

[ "$fail" = 0 ] && echo "PASS: cli_commands"
exit "$fail"
