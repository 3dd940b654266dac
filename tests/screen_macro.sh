#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Macros in the console: record with R, the file it writes, replay from a key of guestos.conf, the audit origin, batch.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

# A home of its own: messages name macro files as ~/.config/guestos/macros/NAME.gos.
HOME_DIR="$SCREEN_TMP/home"
CFG="$HOME_DIR/.config"
DB="$SCREEN_TMP/audit.db"
MACROS="$CFG/guestos/macros"
mkdir -p "$CFG/guestos" || screen_fatal "cannot make $CFG"
cat >"$CFG/guestos/guestos.conf" <<'EOF'
# A key of its own for the macro this test records.
[keys]
F6 = macro demo
EOF

# Starts the console in the pane; the shell prints its exit status after it.
console() {
    screen_run "$(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$DB"); echo \"EXIT=\$?\""
}

quit_console() {
    screen_keys q
    screen_wait "EXIT=0"
    [ "$(screen_alternate_on)" = 0 ] || screen_fail "the alternate screen is still on after quitting"
}

# Prints the origins of the audit log, one a line, oldest first.
origins() {
    "$GUESTOS" --audit-db "$DB" audit --format json | grep -o -E '"origin": *"[^"]*"' |
        sed 's/.*: *"\(.*\)"/\1/'
}

screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG"
console
screen_wait_re '^ +test +.*running'
# The start key shows in the hint bar while nothing is recorded.
screen_wait "R Record"

# The configured key is in the help screen, generated from the live tables.
screen_keys '?'
screen_wait "Keys in the VM list"
screen_page_until "F6" "macro demo" PageDown 8
screen_keys Escape
screen_wait "R Record"

# --- record ------------------------------------------------------------------------
screen_keys R
screen_wait "Record a macro named:"
screen_type "demo"
screen_keys Enter
screen_wait "REC demo"
# While recording, the same key stops, and it is never dropped from the bar.
screen_wait "R Stop"
screen_expect_absent "R Record"

# A search, a confirmed logoff and a wait typed at the action prompt.
screen_keys /
screen_wait "Search:"
screen_type "te"
screen_keys Enter
screen_keys L
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
screen_wait_line "0xA0040505" "VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
# view and help are not recorded.
screen_keys t
screen_wait "Tasks"
screen_keys v
screen_keys :
screen_wait "Action:"
screen_type "wait 30"
screen_keys Enter
screen_wait "Every task has ended."
screen_keys R
screen_wait "Macro demo saved to"
screen_wait "R Record"
screen_expect_absent "REC demo"

# --- the file ---------------------------------------------------------------------------
FILE="$MACROS/demo.gos"
[ -f "$FILE" ] || screen_fail "no macro file $FILE"
[ "$(stat -c %a "$FILE")" = 600 ] || screen_fail "$FILE has mode $(stat -c %a "$FILE"), not 600"
[ "$(stat -c %a "$MACROS")" = 700 ] || screen_fail "$MACROS has mode $(stat -c %a "$MACROS"), not 700"
head -n 1 "$FILE" | grep -q '^# guestos macro demo' || screen_fail "$FILE has no comment header: $(head -n 1 "$FILE")"
lines=$(grep -v '^#' "$FILE")
want=$(printf 'search te\nlogoff test\nwait 30')
if [ "$lines" != "$want" ]; then
    printf 'FAIL: %s holds\n%s\ninstead of\n%s\n' "$FILE" "$lines" "$want" >&2
    exit 1
fi
ls -a "$MACROS" | grep -q '^\.demo' && screen_fail "a temporary file was left in $MACROS"

# --- replay from the configured key ------------------------------------------------------
screen_keys F6
# The macro's logoff asks first, like the key would.
screen_wait "Run logoff on this VM?"
screen_wait "PLAY demo"
screen_type yes
screen_keys Enter
screen_wait "Macro demo has run to its end."
screen_wait "2 failed"
screen_expect_absent "PLAY demo"

# A syntax error names file, line and column, and runs nothing.
printf 'logoff test\nlogof test\n' >"$MACROS/broken.gos"
screen_keys :
screen_type "macro broken"
screen_keys Enter
screen_wait "~/.config/guestos/macros/broken.gos:2:1: unknown action 'logof'"
screen_expect_absent "3 failed"
# A macro that calls itself stops at the line that would.
printf 'search t\nmacro loop\n' >"$MACROS/loop.gos"
screen_keys :
screen_type "macro loop"
screen_keys Enter
# At 80 columns the failure goes on in the hint bar's row, broken between words.
screen_wait "Macro loop stopped: ~/.config/guestos/macros/loop.gos:2: macro loop calls"
screen_wait_re '^itself\.'
screen_expect_absent "F1 Help"

quit_console

# --- the audit log: origin macro:demo for the replayed task ------------------------------
o=$(origins)
[ "$(printf '%s\n' "$o" | grep -c -x 'macro:demo')" = 1 ] ||
    { printf 'FAIL: want one task with origin macro:demo, the audit has:\n%s\n' "$o" >&2; exit 1; }
[ "$(printf '%s\n' "$o" | grep -c -x 'interactive')" = 1 ] ||
    { printf 'FAIL: want one interactive task, the audit has:\n%s\n' "$o" >&2; exit 1; }

# --- the recorded file runs unchanged in batch mode --------------------------------------
out=$("$GUESTOS" -c test:///default --audit-db "$DB" batch "$FILE" 2>&1)
rc=$?
[ "$rc" = 1 ] || { printf 'FAIL: batch of the macro exited %s, not 1 (a failed task):\n%s\n' "$rc" "$out" >&2; exit 1; }
printf '%s\n' "$out" | grep -q "VM_E_ADDITIONS_FEATURE_NOT_AVAIL" ||
    { printf 'FAIL: batch of the macro did not log off test:\n%s\n' "$out" >&2; exit 1; }
origins | grep -q -x "batch:$FILE" || { echo "FAIL: no task with origin batch:$FILE" >&2; exit 1; }
# ... and as a macro line of a batch file, under the macro's name.
printf 'macro demo\n' >"$SCREEN_TMP/calls-demo.gos"
HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG" "$GUESTOS" -c test:///default --audit-db "$DB" \
    batch "$SCREEN_TMP/calls-demo.gos" >/dev/null 2>&1
[ "$(origins | grep -c -x 'macro:demo')" = 2 ] || { echo "FAIL: batch 'macro demo' did not record origin macro:demo" >&2; exit 1; }

# --- a bad binding stops everything before the terminal is touched -----------------------
cat >"$CFG/guestos/guestos.conf" <<'EOF'
[keys]
F6 = macro demo
F7 = frobnicate
EOF
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG"
console
screen_wait "EXIT=2"
screen_wait "guestos.conf:3:"
screen_wait "frobnicate"
[ "$(screen_alternate_on)" = 0 ] || screen_fail "the alternate screen is on after a configuration error"

# --- keys moved by the configuration: the empty task panel names the ones in force --------
cat >"$CFG/guestos/guestos.conf" <<'EOF'
[keys]
Space =
M = mark
EOF
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C HOME="$HOME_DIR" XDG_CONFIG_HOME="$CFG"
console
screen_wait "Tasks: none yet. Mark VMs with M and press L to log off their users."
quit_console

echo "PASS: screen_macro"
exit 0
