#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Resizing while a logoff of several VMs runs: too small at 60x20 and back, a live `wait`, Esc, blind keys refused.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos
# The test driver ends a logoff at once; this preload makes each task spend
# SLOW_MS in its "state" phase, in the worker, so that it runs while we resize.
screen_slow_preload
SLOW_MS=${SCREEN_SLOW_MS:-6000}

screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C
screen_run "LD_PRELOAD=$(screen_quote "$SLOW") GOS_TEST_SLOW_MS=$SLOW_MS ASAN_OPTIONS=verify_asan_link_order=0 \
$(screen_quote "$GUESTOS") -c $(screen_quote "test://$top_srcdir/tests/fleet.xml") \
--audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
screen_wait_re '^ +batch-paused +.*paused'

# The two running VMs: web1 and web2.
screen_keys :
screen_wait "Action:"
screen_type "select web*"
screen_keys Enter
screen_wait "2 marked"
screen_keys L
screen_wait "Run logoff on these 2 VMs?"
screen_type yes
screen_keys Enter
screen_wait "Tasks: 2 running"

# A wait typed at the action prompt does not freeze the screen.
screen_keys :
screen_type "wait 600"
screen_keys Enter
screen_wait "Waiting until every task has ended; Esc stops waiting."
screen_wait "Esc Stop waiting"
# Keys that would change the targets are held back; the status line says why.
screen_keys -
screen_wait "press Esc to stop waiting first"
screen_wait "2 marked"

# Smaller than 80x24 while the tasks run: the console says so and takes no blind keys.
screen_resize 60 20
screen_wait "too small"
screen_wait "60x20"
screen_keys L
screen_resize 80 24
screen_wait_re '^\* +web1 '
screen_wait "Tasks: 2 running"
screen_expect_absent "too small"
screen_expect_absent "Confirm"
screen_wait "Esc Stop waiting"

# Narrower only, then lower only, then larger; the clock goes on meanwhile.
screen_resize 79 24
screen_wait "79x24"
screen_resize 80 23
screen_wait "80x23"
screen_resize 100 30
screen_wait_re '^\* +web1 '
screen_wait "Tasks: 2 running"
screen_wait_re 'web[12] +logoff +running +checking.* 0:0[1-9]'
screen_expect_absent "too small"

# Esc stops waiting; the tasks go on.
screen_keys Escape
screen_wait "Stopped waiting; the tasks go on."
screen_wait "F1 Help"
screen_wait "Tasks: 2 running"

# Waiting again, to the end of both tasks.
screen_keys :
screen_type "wait 600"
screen_keys Enter
saved_timeout=$SCREEN_TIMEOUT
SCREEN_TIMEOUT=$((SLOW_MS / 1000 + 30))
screen_wait "Every task has ended."
SCREEN_TIMEOUT=$saved_timeout
screen_wait "Tasks: 0 running, 2 failed"
screen_resize 80 24
screen_wait "F1 Help"
screen_keys q
screen_wait "EXIT=0"
[ "$(screen_alternate_on)" = 0 ] || screen_fail "the alternate screen is still on after quitting"

# Both tasks have their audit rows, whatever the window did.
n=$("$GUESTOS" --audit-db "$SCREEN_TMP/audit.db" audit --format csv | tail -n +2 | wc -l)
[ "$n" = 2 ] || { echo "FAIL: the audit log has $n tasks, not 2" >&2; exit 1; }

echo "PASS: screen_resize"
exit 0
