#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The task panel takes the rows its tasks need (one line while there are none), can be enlarged and
# shrunk (> and <) or shown alone (t); the help screen scrolls and says where it stands.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$SCREEN_TMP/fleet.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 100 >"$fleet" || screen_fatal "gen-fleet.sh failed"
# The row (from 0) of the task panel's title line.
panel_row() { screen_capture | grep -n -E '^── Tasks|^-- Tasks' | head -n 1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
# Rows of VMs the list shows.
vm_rows() { screen_capture | grep -c -E '^[ *] (web|db|app|cache|batch)-[0-9]{5} '; }

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit-$size.db") --no-restore; echo \"EXIT=\$?\""
    screen_wait_re '^ +app-00002 +'

    # No task: the panel is its one line, above the status line and the hints.
    screen_wait "Tasks: none yet."
    [ "$(panel_row)" = $((rows - 3)) ] || screen_fail "the empty panel starts at row $(panel_row), not $((rows - 3))"
    # top line, column headers, the list, the panel line, status, hints
    [ "$(vm_rows)" = $((rows - 5)) ] || screen_fail "the list shows $(vm_rows) VMs, not $((rows - 5))"

    # One task: two rows more.
    screen_keys :
    screen_type "logoff app-00002"
    screen_keys Enter
    screen_wait "Run logoff on this VM?"
    screen_type yes
    screen_keys Enter
    screen_wait "Tasks: 0 running, 1 failed"
    [ "$(panel_row)" = $((rows - 5)) ] || screen_fail "the panel of one task starts at row $(panel_row), not $((rows - 5))"

    # Six more: at 24 rows it shows three, at 50 six.
    screen_keys :
    screen_type "logoff app-00007 app-00012 app-00017 app-00022 app-00027 app-00032"
    screen_keys Enter
    screen_wait "Run logoff on these 6 VMs?"
    screen_type yes
    screen_keys Enter
    screen_wait "Tasks: 0 running, 7 failed"
    if [ "$rows" -lt 30 ]; then shown=3; else shown=6; fi
    want=$((rows - 3 - 2 * shown))
    screen_poll "a panel of $shown tasks" sh -c "[ \"\$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -n -E '^── Tasks' | cut -d: -f1)\" = $((want + 1)) ]"

    # > enlarges it by a task, < shrinks it; down to its title line.
    screen_keys '>'
    screen_poll "the panel enlarged" sh -c "[ \"\$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -n -E '^── Tasks' | cut -d: -f1)\" = $((want + 1 - 2)) ]"
    for i in 1 2 3 4 5 6 7 8; do screen_keys '<'; done
    screen_poll "the panel down to its line" sh -c "[ \"\$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -n -E '^── Tasks' | cut -d: -f1)\" = $((rows - 2)) ]"
    screen_keys :
    screen_type "task-panel auto"
    screen_keys Enter
    screen_poll "the panel as it was" sh -c "[ \"\$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | grep -n -E '^── Tasks' | cut -d: -f1)\" = $((want + 1)) ]"
    # Alone: the task list.
    screen_keys t
    screen_wait "7 tasks: 0 running, 7 failed"
    screen_keys Escape

    # --- the help scrolls and says where it stands -------------------------------------------
    screen_keys F1
    screen_wait "keys and actions"
    screen_wait_re 'lines 1-[0-9]+ of [0-9]+ \([0-9]+%\)'
    screen_keys PageDown
    screen_wait_re 'lines [1-9][0-9]*-[0-9]+ of [0-9]+'
    screen_expect_absent "lines 1-"
    screen_keys End
    screen_wait_re 'lines [0-9]+-([0-9]+) of \1 \(100%\)'
    screen_keys Home
    screen_wait_re 'lines 1-[0-9]+ of '
    screen_keys Escape
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_panel"
exit 0
