#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The optional mouse, as htop has it: a click moves the cursor, a click on the mark column marks,
# a double click opens the detail, a click on a header sorts (again: the other way), the wheel
# scrolls; --no-mouse and [console] mouse = false leave the mouse to the terminal (no reports asked for).

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$SCREEN_TMP/fleet.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 60 >"$fleet" || screen_fatal "gen-fleet.sh failed"
CFG="$SCREEN_TMP/config"
mkdir -p "$CFG/guestos" || screen_fatal "cannot make $CFG"
top_has() { screen_capture | head -n 2 | grep -F -q -- "$1"; }
# The screen column (from 0) where a column's header starts.
header_x() { screen_line 1 | sed 's/[▲▼]/^/g' | awk -v t="$1" '{ print index($0, t) - 1 }'; }

console() {
    screen_run "XDG_CONFIG_HOME=$(screen_quote "$CFG") $(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit.db") --no-restore $*; echo \"EXIT=\$?\""
    screen_wait_re '^ +app-00002 +'
}

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    rm -f "$CFG/guestos/guestos.conf"
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    console
    # Rows of the screen: 0 the top line, 1 the column headers, 2 the first VM.
    screen_click 5 4
    screen_poll "the cursor on the third row" top_has "3/60, 0 marked"
    screen_click 0 5
    screen_poll "the fourth row marked" top_has "4/60, 1 marked"
    screen_wait_re '^\* app-00017 '
    # The wheel: three rows a notch.
    screen_click 5 6 65
    screen_poll "the wheel down" top_has "7/60, 1 marked"
    screen_click 5 6 64
    screen_poll "the wheel up" top_has "4/60, 1 marked"
    # A click on a header sorts by its column; on the sorted one, the other way.
    x=$(header_x State)
    screen_click "$x" 1
    screen_wait "State ▲"
    screen_click "$x" 1
    screen_wait "State ▼"
    screen_click 5 1
    screen_wait "Name ▲"
    # A double click opens the detail.
    screen_click 5 2
    screen_click 5 2
    screen_wait "Integration components"
    screen_keys Escape
    screen_wait "Name ▲"
    screen_keys q
    screen_wait "EXIT=0"

    # --- off: the terminal is not asked for mouse reports -----------------------------------
    for how in --no-mouse config; do
        if [ "$how" = config ]; then
            printf '[console]\nmouse = false\n' >"$CFG/guestos/guestos.conf"
            console
        else
            console --no-mouse
        fi
        flags=$(screen_tmux display-message -p -t main '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}')
        [ "$flags" = 000 ] || screen_fail "the console asked for mouse reports ($flags) with the mouse off ($how)"
        screen_keys q
        screen_wait "EXIT=0"
    done
    # ... and on, it does.
    rm -f "$CFG/guestos/guestos.conf"
    console
    flags=$(screen_tmux display-message -p -t main '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}')
    [ "$flags" != 000 ] || screen_fail "the console did not ask for mouse reports with the mouse on"
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_mouse"
exit 0
