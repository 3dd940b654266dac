#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Quitting with tasks under way: the console says what still runs and offers to
# wait or to cancel; it stays up (never an empty screen with keys echoing into
# the shell) until they have ended, and Esc stays.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos
screen_slow_preload
SLOW_MS=${SCREEN_SLOW_MS:-4000}
fleet="$top_srcdir/tests/fleet.xml"
db="$SCREEN_TMP/audit.db"

console() {
    screen_run "LD_PRELOAD=$(screen_quote "$SLOW") GOS_TEST_SLOW_MS=$SLOW_MS ASAN_OPTIONS=verify_asan_link_order=0 \
$(screen_quote "$GUESTOS") -c test://$(screen_quote "$fleet") --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
}

screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C
console
screen_wait_re '^ +web2 +'
screen_keys +
screen_keys L
screen_wait "Run logoff on these 4 VMs?"
screen_type yes
screen_keys Enter
screen_wait "4 logoff tasks submitted."

# q with tasks under way asks; Esc stays and changes nothing.
screen_keys q
screen_wait "tasks have not ended yet"
screen_wait "w  Wait for them to end, then quit"
screen_wait "c  Cancel the queued ones"
screen_keys Escape
screen_wait_gone "tasks have not ended yet"
screen_expect_absent "EXIT="

# w waits with the console up, then quits by itself.
screen_keys q
screen_wait "tasks have not ended yet"
screen_keys w
screen_wait "Quitting once every task has ended"
screen_expect_absent "EXIT="
SCREEN_TIMEOUT=$((SLOW_MS * 4 / 1000 + 30)) screen_wait "EXIT=0"
open=$(sqlite3 "$db" "SELECT count(*) FROM tasks WHERE end_kind IS NULL")
[ "$open" = 0 ] || screen_fail "$open tasks have no end in the audit log"

# c cancels what can stop, then quits once the rest has ended.
console
screen_wait_re '^ +web2 +'
screen_keys +
screen_keys L
screen_wait "Run logoff on these 4 VMs?"
screen_type yes
screen_keys Enter
screen_wait "4 logoff tasks submitted."
screen_keys q
screen_wait "tasks have not ended yet"
screen_keys c
SCREEN_TIMEOUT=$((SLOW_MS * 2 / 1000 + 30)) screen_wait "EXIT=0"
cancelled=$(sqlite3 "$db" "SELECT count(*) FROM tasks WHERE task_result = 1")
[ "$cancelled" -ge 1 ] || screen_fail "quit cancel cancelled nothing"
open=$(sqlite3 "$db" "SELECT count(*) FROM tasks WHERE end_kind IS NULL")
[ "$open" = 0 ] || screen_fail "$open tasks have no end in the audit log"

# --- the audit view says what the task panel says: queued is queued, and an accepted call
# is no error -------------------------------------------------------------------------------
screen_run "LD_PRELOAD=$(screen_quote "$SLOW") GOS_TEST_SLOW_MS=$SLOW_MS ASAN_OPTIONS=verify_asan_link_order=0 \
$(screen_quote "$GUESTOS") -c test://$(screen_quote "$fleet") --audit-db $(screen_quote "$SCREEN_TMP/queued.db") --per-host 1; echo \"EXIT=\$?\""
screen_wait_re '^ +web2 +'
screen_keys :
screen_type "logoff web1 web2"
screen_keys Enter
screen_wait "Run logoff on these 2 VMs?"
screen_type yes
screen_keys Enter
screen_wait "2 logoff tasks submitted."
screen_keys a
screen_wait_line "web2" "queued"
screen_wait_line "web1" "running"
screen_expect_absent "S_OK"
screen_keys q
screen_wait "tasks have not ended yet"
screen_keys c
SCREEN_TIMEOUT=$((SLOW_MS * 2 / 1000 + 30)) screen_wait "EXIT=0"
echo "PASS: screen_quit"
