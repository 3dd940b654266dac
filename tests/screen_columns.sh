#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM list's columns: chosen, ordered and sized from guestos.conf and with the columns action
# (its prompt previews as you type); sort keys with columns of their own; the view, sort, columns
# and filter come back on the next start, unless --no-restore.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$top_srcdir/tests/fleet.xml"
CFG="$SCREEN_TMP/config"
mkdir -p "$CFG/guestos" || screen_fatal "cannot make $CFG"

header() { screen_capture | grep -E '^  Name|^  State|^  Host' | head -n 1; }
header_is() { [ "$(header | sed 's/^ *//; s/ *$//; s/ \{2,\}/ /g')" = "$1" ]; }

console() {
    screen_run "XDG_CONFIG_HOME=$(screen_quote "$CFG") $(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit.db") $*; echo \"EXIT=\$?\""
}

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    rm -rf "$XDG_STATE_HOME"
    rm -f "$CFG/guestos/guestos.conf"
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    console
    screen_wait_re '^ +web2 +'
    screen_poll "the default columns" header_is "Name ▲ Host State Agent Users"

    # --- the columns prompt: the list follows as you type; Esc puts it back ---------------
    screen_keys c
    screen_wait "Columns (name:30"
    screen_wait "name host state agent users"
    screen_keys C-u
    screen_type "state name +os"
    screen_poll "state, name and OS" header_is "State Name ▲ OS"
    screen_keys Escape
    screen_poll "the columns back" header_is "Name ▲ Host State Agent Users"

    # Enter keeps them: OS, ping, agent version and login time of their own.
    screen_keys c
    screen_keys C-u
    screen_type "name:12 state ping os version login"
    screen_keys Enter
    screen_wait "Columns: name:12 state ping os version login."
    screen_poll "the new columns" header_is "Name ▲ State Ping OS Version Login"
    # The name column is 12 wide: the next column starts at 2 + 12 + 1.
    col=$(screen_capture | grep '^  db-off ' | awk '{ print index($0, "shut off") }')
    [ "$col" = 16 ] || screen_fail "the State column starts at $col, not 16 (name:12)"

    # s walks the columns shown; the sort keys of the new columns mark their own.
    screen_keys s
    screen_wait "State ▲"
    screen_keys s
    screen_wait "Ping ▲"
    screen_keys s
    screen_wait "OS ▲"
    # From the action prompt: + and - add and take away.
    screen_keys :
    screen_type "columns -version -login +host"
    screen_keys Enter
    screen_poll "host added at the end" header_is "Name State Ping OS ▲ Host"
    screen_keys f
    screen_keys C-u
    screen_type "state=running"
    screen_keys Enter
    screen_wait "filter: state=running"
    screen_keys t
    screen_wait "No tasks in this session."
    screen_keys q
    screen_wait "EXIT=0"

    # --- the next start: the same view, sort, columns and filter ----------------------------
    console
    screen_wait "No tasks in this session."
    screen_keys v
    screen_poll "the restored columns" header_is "Name State Ping OS ▲ Host"
    screen_wait "filter: state=running"
    screen_keys q
    screen_wait "EXIT=0"

    # --no-restore starts afresh (what it is left in is saved, as ever).
    console --no-restore
    screen_wait_re '^ +web2 +'
    screen_poll "the default columns" header_is "Name ▲ Host State Agent Users"
    screen_expect_absent "filter: state=running"
    screen_keys :
    screen_type "quit"
    screen_keys Enter
    screen_wait "EXIT=0"

    # --- guestos.conf's columns are the default; a changed default wins over the saved view ----
    printf '[console]\ncolumns = host:20 name state\n' >"$CFG/guestos/guestos.conf"
    console
    screen_wait_re ' web2 +'
    screen_poll "the configured columns" header_is "Host Name ▲ State"
    col=$(screen_capture | grep 'db-off ' | awk '{ print index($0, "db-off") }')
    [ "$col" = 24 ] || screen_fail "the Name column starts at $col, not 24 (host:20)"
    # columns without words: the configured default.
    screen_keys :
    screen_type "columns +agent"
    screen_keys Enter
    screen_poll "agent added" header_is "Host Name ▲ State Agent"
    screen_keys :
    screen_type "columns"
    screen_keys Enter
    screen_poll "the configured default again" header_is "Host Name ▲ State"
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_columns"
exit 0
