#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console at 80x24 on test:///default: VM list, logoff with confirmation, help, resize, NO_COLOR, quit.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

# The help text of logoff, from the same action table the help screen is
# generated from; its first 30 characters fit on one line at 80 columns.
LOGOFF_HELP=$("$GUESTOS" --list-actions | sed -n 's/^logoff\( \[[^]]*\]\)\{0,1\}  *//p' | cut -c1-30)
[ -n "$LOGOFF_HELP" ] || screen_fatal "guestos --list-actions does not list logoff"

# Starts the console in the pane; the shell prints its exit status after it.
console() {
    screen_run "$(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
}

# Quits with q and checks the exit status and that the screen is the shell's again.
quit_console() {
    screen_keys q
    screen_wait "EXIT=0"
    [ "$(screen_alternate_on)" = 0 ] || screen_fail "the alternate screen is still on after quitting"
    screen_expect_absent "F10 Quit"
    screen_expect_absent "Tasks:"
}

# --- colour terminal, UTF-8 ---------------------------------------------------
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C
console
screen_wait_re '^ +test +.*running'
screen_wait "F1 Help"
[ "$(screen_alternate_on)" = 1 ] || screen_fail "the console does not use the alternate screen"

# L asks first, naming the VM; y runs the logoff; the test driver has no agent.
screen_keys L
screen_wait "Confirm"
screen_wait_line "test" "(test:"
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
screen_wait_gone "Run logoff on this VM?"
screen_wait_line "0xA0040505" "VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
screen_wait "1 failed"

# n (or Esc) answers no: nothing runs.
screen_keys L
screen_wait "Run logoff on this VM?"
screen_keys n
screen_wait "Nothing was done."
screen_expect_absent "2 failed"

# Why a line failed stays until the next line works; moving the cursor keeps it.
screen_keys :
screen_type "bogus"
screen_keys Enter
screen_wait 'Cannot run "bogus"'
screen_keys Down
sleep 0.3
screen_wait 'Cannot run "bogus"'
screen_keys :
screen_type "sort name"
screen_keys Enter
screen_wait_gone 'Cannot run "bogus"'

# The help screen comes from the action table.
screen_keys '?'
screen_wait "Keys in the VM list"
screen_page_until "logoff" "$LOGOFF_HELP" PageDown 5
screen_keys Escape
screen_wait "Name"
screen_expect_absent "Keys in the VM list"

# Below 80x24 the console says so; grown back, the list returns.
screen_resize 70 20
screen_wait "too small"
screen_expect_absent "F1 Help"
screen_resize 80 24
screen_wait "F1 Help"
screen_wait_re '^ +test +.*running'
screen_expect_absent "too small"

quit_console

# --- NO_COLOR, and the ASCII fallbacks on a vt100 in the C locale -------------
screen_start 80 24 NO_COLOR=1 LC_ALL=C LANGUAGE=C TERM=vt100
console
screen_wait_re '^ +test +.*running'
screen_wait " | "
screen_keys L
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
screen_wait_line "0xA0040505" "VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
screen_wait_re '\[#+\.*\]'
quit_console

echo "PASS: screen_basic"
exit 0
