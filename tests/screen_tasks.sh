#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Task states on screen say what happened: queued apart from running, failed and cancelled
# tasks where they stopped (never a full bar and "done"), and time in the queue apart from run time.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos
screen_slow_preload
SLOW_MS=${SCREEN_SLOW_MS:-9000}

# 14 VMs on one host: 8 run, 4 are shut off, 2 paused. The engine runs 5
# tasks of a host at once: the other 9 wait in its queue.
fleet="$SCREEN_TMP/fleet.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 14 >"$fleet" || screen_fatal "gen-fleet.sh failed"

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    db="$SCREEN_TMP/audit-$size.db"
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    screen_run "LD_PRELOAD=$(screen_quote "$SLOW") GOS_TEST_SLOW_MS=$SLOW_MS ASAN_OPTIONS=verify_asan_link_order=0 \
$(screen_quote "$GUESTOS") -c $(screen_quote "test://$fleet") --per-host 5 --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
    screen_wait_re '^ +app-00002 +'
    screen_keys +
    screen_wait "14 marked"
    screen_keys L
    screen_wait "Run logoff on these 14 VMs?"
    screen_type yes
    screen_keys Enter

    # Five run, nine wait: the panel says so, and so does each task's line
    # (the newest, which wait; the oldest run, at the end of the full list).
    screen_wait "Tasks: 5 running, 9 queued"
    screen_wait_re ' logoff +queued +'
    screen_keys -
    screen_wait "0 marked"
    screen_keys t
    screen_wait "14 tasks: 5 running, 9 queued"
    screen_wait "waiting for a slot"
    # Nothing marked, in the task list: C cancels the task under its cursor, the newest.
    screen_keys C
    screen_wait "1 task asked to cancel."
    screen_wait "14 tasks: 5 running, 8 queued, 1 cancelled"
    screen_keys End
    screen_wait_re ' logoff +running +checking state'
    # The time in the queue apart from the time running (which ticks at the end of line one).
    screen_wait_re '^  queued [0-9]+:[0-9]{2}; Log off all users of '
    screen_wait_re ' logoff +running +checking state .* 0:0[1-9]$'
    screen_keys Escape
    screen_wait_re "^  Name"

    # The first five end (none can log off on the test driver), five more start.
    saved=$SCREEN_TIMEOUT
    SCREEN_TIMEOUT=$((SLOW_MS / 1000 * 3 + 30))
    screen_wait "Tasks: 5 running, 3 queued, 5 failed, 1 cancelled"
    SCREEN_TIMEOUT=$saved
    screen_keys +
    screen_wait "14 marked"
    # A failed task stays where it failed: its phase and its percent, not done
    # at 100%. The first five are the oldest: at the end of the full list.
    screen_keys t
    screen_keys End
    screen_wait_re ' logoff +failed +checking (agent|state) '
    screen_expect_absent "100%"
    screen_expect_absent " done "

    # Cancel what has not ended: the queued ones at once, the running ones at
    # their next step (one whose VM does not run fails at the step it is in).
    screen_keys C
    screen_wait "8 tasks asked to cancel."
    SCREEN_TIMEOUT=$((SLOW_MS / 1000 * 2 + 30))
    screen_wait_re '14 tasks: 0 running, [5-9] failed, [4-9] cancelled'
    SCREEN_TIMEOUT=$saved
    screen_keys Home
    screen_wait_re ' logoff +cancelled +'
    screen_wait_re 'queued [0-9]+:[0-9]{2}, ran [0-9]+:[0-9]{2}'
    screen_wait "Cancelled"
    screen_expect_absent "100%"
    screen_keys Escape
    screen_wait_re 'Tasks: 0 running, [5-9] failed, [4-9] cancelled'
    screen_expect_absent "100%"
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_tasks"
exit 0
