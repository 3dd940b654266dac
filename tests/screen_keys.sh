#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Keys an operator hits in the first hour: Home, End and the page keys on a vt100 (and g, G, ^B,
# ^F where a terminal sends none); L where no VM cursor shows acts on marked VMs only; recording
# a macro under a name taken asks first.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$SCREEN_TMP/fleet.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 200 >"$fleet" || screen_fatal "gen-fleet.sh failed"
HOME_DIR="$SCREEN_TMP/home"
CFG="$HOME_DIR/.config"
MACROS="$CFG/guestos/macros"
mkdir -p "$MACROS" || screen_fatal "cannot make $MACROS"
top_has() { screen_capture | head -n 2 | grep -F -q -- "$1"; }
# The cursor's row, from the top line ("37/200, 0 marked").
cursor_row() { screen_capture | head -n 2 | grep -o -E '[0-9]+/200' | head -n 1 | cut -d/ -f1; }

console() {
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit.db") --no-restore; echo \"EXIT=\$?\""
    screen_wait_re '^ +app-00002 +'
}

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}

    # --- a vt100 has no Home, End or page keys in its terminfo entry ---------------------
    for term in vt100 screen; do
        screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C TERM=$term HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG"
        console
        screen_keys End
        screen_poll "End on $term" top_has "200/200"
        screen_keys Home
        screen_poll "Home on $term" top_has "1/200"
        screen_keys PageDown
        screen_poll "PgDn on $term" sh -c "[ \$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | head -n 2 | grep -o -E '[0-9]+/200' | cut -d/ -f1) -gt 5 ]"
        screen_keys PageUp
        screen_poll "PgUp on $term" top_has "1/200"
        # The keys of less and vi, for a terminal that sends none of those.
        screen_keys G
        screen_poll "G" top_has "200/200"
        screen_keys g
        screen_poll "g" top_has "1/200"
        screen_keys C-f
        screen_poll "^F" sh -c "[ \$(tmux -L $SCREEN_SOCKET capture-pane -p -t main | head -n 2 | grep -o -E '[0-9]+/200' | cut -d/ -f1) -gt 5 ]"
        screen_keys C-b
        screen_poll "^B" top_has "1/200"
        # Esc alone still goes back (no key sequence swallows it).
        screen_keys a
        screen_wait "All tasks, newest first"
        screen_keys Escape
        screen_wait_re '^ +app-00002 +'
        screen_keys q
        screen_wait "EXIT=0"
    done

    # --- L in the audit log: no cursor VM there, only marked ones ----------------------------
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG"
    console
    screen_keys a
    screen_wait "All tasks, newest first"
    screen_keys L
    screen_wait "No VM is marked, and this view has no VM cursor"
    screen_expect_absent "Run logoff on"
    screen_keys Escape
    screen_wait_re '^ +app-00002 +'
    screen_keys Down Space
    screen_wait "1 marked"
    screen_keys a
    screen_wait "All tasks, newest first"
    screen_keys L
    screen_wait "Run logoff on this VM?"
    screen_wait "app-00007 (test:fleet.xml)"
    screen_keys n
    screen_wait "Nothing was done."

    # --- a macro under a name taken: asked, not written over ----------------------------------
    screen_keys Escape
    printf '# by hand\nselect web*\n' >"$MACROS/night.gos"
    screen_keys R
    screen_wait "Record a macro named:"
    screen_type "night"
    screen_keys Enter
    screen_wait "Macro night exists"
    screen_wait "Replace it with what is recorded now"
    # Another name, then: the prompt asks again.
    screen_keys o
    screen_wait "Record a macro named:"
    screen_keys Escape
    grep -q "by hand" "$MACROS/night.gos" || screen_fail "night.gos was written over"
    # Replace, said: the recording goes where the old one was.
    screen_keys R
    screen_type "night"
    screen_keys Enter
    screen_wait "Macro night exists"
    screen_keys r
    screen_wait "REC night"
    screen_keys :
    screen_type "sort state"
    screen_keys Enter
    screen_keys R
    screen_wait "Macro night saved"
    grep -q "by hand" "$MACROS/night.gos" && screen_fail "night.gos was not replaced"
    grep -q "^sort state$" "$MACROS/night.gos" || screen_fail "night.gos does not hold what was recorded"
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_keys"
exit 0
