#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The confirmation of a destructive action wants a deliberate yes: the word typed
# and Enter, never one key (j moves the cursor, and German habit says "ja"); it
# says how many of the VMs run and which will be refused, and why.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

fleet="$top_srcdir/tests/fleet.xml"
console() {
    screen_run "LANGUAGE=$1 $(screen_quote "$GUESTOS") -c test://$(screen_quote "$fleet") --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
}

screen_start 80 24 LC_ALL=C.UTF-8 GUESTOS_LOCALEDIR="$(dirname "$GUESTOS")/po/locale"
console C
screen_wait_re '^ +web2 +'
# Every VM of the fleet: two run, one is paused, one shut off.
screen_keys +
screen_wait "4 marked"
screen_keys L
screen_wait "Run logoff on these 4 VMs?"
screen_wait "2 of them are running."
screen_wait "Not running, so their tasks will fail at once: 1 paused, 1 shut off."
# Navigation keys, y alone, Enter alone: the question stays.
screen_keys j
screen_keys k Space Enter
screen_wait "Type yes and press Enter"
screen_keys y Enter
sleep 0.3
screen_wait "Run logoff on these 4 VMs?"
n=$(sqlite3 -readonly "$SCREEN_TMP/audit.db" "SELECT count(*) FROM tasks" 2>/dev/null || echo 0)
[ "$n" = 0 ] || screen_fail "a task ran without a deliberate yes ($n in the audit log)"
screen_type yes
# The word shows as it is typed: nobody types a safety word blind.
screen_wait "> yes"
screen_keys Enter
screen_wait_gone "Run logoff on these 4 VMs?"
screen_wait "4 logoff tasks submitted."
screen_wait "0 running, 4 failed"
screen_keys q
screen_wait "EXIT=0"
