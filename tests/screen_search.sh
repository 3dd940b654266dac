#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Search and filter as you type, with the match count; Esc puts back what was in force; the
# action prompt's history (kept across runs) and completion; reverse sort on its own key.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$SCREEN_TMP/fleet.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 40 >"$fleet" || screen_fatal "gen-fleet.sh failed"
# The rows of the list: those that start with two blanks or a mark and a VM name.
vm_rows() { screen_capture | grep -c -E '^[ *] (web|db|app|cache|batch)-[0-9]{5} '; }

console() {
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
    screen_wait_re '^ +app-00002 +'
}

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    rm -rf "$XDG_STATE_HOME"
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    console

    # --- search as you type -----------------------------------------------------------
    # A prompt left with Esc before anything was typed changes nothing, the cursor included.
    screen_keys Down Down
    screen_wait "3/40, 0 marked"
    screen_keys /
    screen_wait "Search:"
    screen_keys Escape
    screen_wait_gone "Search:"
    screen_wait "3/40, 0 marked"
    screen_keys /
    screen_wait "Search:"
    screen_type "web"
    # The list narrows with each key, before Enter, and the prompt counts.
    screen_wait "8 of 40 VMs"
    screen_poll "the list narrowed to the web VMs" sh -c "[ \$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -c -E '^[ *] web-[0-9]{5} ') -ge 1 ] && ! tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -q -E '^  app-'"
    screen_type "-0001"
    screen_wait "2 of 40 VMs"
    screen_wait_re '^ +web-00010 +'
    screen_expect_absent "web-00005"
    # Backspace widens it again.
    screen_keys BSpace
    screen_wait "8 of 40 VMs"
    # Esc: the search in force before (none) comes back.
    screen_keys Escape
    screen_wait_re '^ +app-00002 +'
    screen_poll "the whole list again" sh -c "tmux -L $SCREEN_SOCKET capture-pane -p -t main | head -n 2 | grep -q '1/40, 0 marked'"
    # Enter keeps it.
    screen_keys /
    screen_type "db-0002"
    screen_keys Enter
    screen_wait "search: db-0002"
    # A new search starts afresh, as / does in less; Esc keeps the one in force.
    screen_keys /
    screen_wait "Search:"
    screen_expect_absent "Search: db-0002"
    screen_type "web"
    screen_wait "8 of 40 VMs"
    screen_keys Escape
    screen_wait "search: db-0002"
    screen_wait_re '^ +db-00021 +'
    screen_expect_absent "web-00005"

    # --- filter as you type: words being typed say why they do not read yet ----------------
    screen_keys f
    screen_keys C-u
    screen_type "state=ru"
    screen_wait "'ru' is not a value of state="
    screen_type "nning"
    screen_wait "1 of 40 VMs"
    screen_keys Enter
    screen_wait "filter: state=running"
    screen_keys /
    screen_keys C-u Enter
    screen_keys f
    screen_keys C-u Enter
    screen_wait_re '^ +app-00002 +'

    # --- the action prompt: completion and history -------------------------------------------
    screen_keys :
    screen_type "sel"
    screen_keys Tab
    screen_wait "Action: select"
    screen_wait "select-all"
    screen_type " cache-0001"
    screen_keys Tab
    # Several VMs start so: the prompt lists them.
    screen_wait "cache-00013 cache-00018"
    screen_type "8"
    screen_keys Tab Enter
    screen_wait "1 virtual machine marked."
    screen_keys :
    screen_type "filter ag"
    screen_keys Tab
    screen_wait "Action: filter agent="
    screen_type "no-ch"
    screen_keys Tab
    screen_wait "Action: filter agent=no-channel"
    screen_keys Escape
    # Reverse sort on its own key.
    screen_keys I
    screen_wait "Name ▼"
    # The cursor stays on its VM, now the last.
    screen_wait "40/40, 1 marked"
    screen_keys Home
    screen_wait_re '^ +web-00040 +'
    screen_keys I
    screen_wait "Name ▲"
    screen_keys q
    screen_wait "EXIT=0"

    # The history outlives the run: Up brings back the last line.
    console
    screen_keys :
    screen_keys Up
    screen_wait "Action: select cache-00018"
    screen_keys Escape
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_search"
exit 0
