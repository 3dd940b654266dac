#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the console says of its hosts and its terminal: a host that fails is named in the top
# line and on the status line; a terminal that cannot move the cursor is refused in one line.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

db="$SCREEN_TMP/audit.db"
for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C

    # --- one host of two cannot be reached -----------------------------------------------
    screen_run "$(screen_quote "$GUESTOS") -c test:///default -c nosuch:///x --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
    screen_wait_re '^ +test +.*running'
    # The top line names it, whatever else it must fit.
    screen_poll "the failed host in the top line" sh -c "tmux -L $SCREEN_SOCKET capture-pane -p -t main | head -n 2 | grep -q 'nosuch:x'"
    screen_wait "FAILED"
    # The status line says why, as a failure.
    screen_wait "Cannot connect to nosuch:///x"
    # Refreshing tries it again and says how it ended, once the listings are in.
    screen_keys F5
    screen_wait_re 'The inventory is up to date: 1 VMs?; 1 host failed'
    screen_keys q
    screen_wait "EXIT=0"

    # --- a refresh that works says so: "Refreshing the inventory." does not stay ------
    screen_run "$(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
    screen_wait_re '^ +test +.*running'
    screen_keys F5
    screen_wait "The inventory is up to date: 1 VM."
    screen_expect_absent "Refreshing the inventory."
    screen_keys q
    screen_wait "EXIT=0"

    # --- a terminal without cursor addressing: one line, exit 2, nothing drawn -----------
    screen_run "clear; TERM=dumb $(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$db"); echo \"EXIT=\$?\""
    screen_wait "EXIT=2"
    screen_wait "guestos: The terminal type 'dumb' cannot move the cursor"
    n=$(screen_capture | grep -c "guestos:")
    [ "$n" = 1 ] || screen_fail "TERM=dumb printed $n lines of guestos, not one"
    [ "$(screen_alternate_on)" = 0 ] || screen_fail "TERM=dumb took the screen"
    screen_expect_absent "F1 Help"
done

# --- the terminal goes away without a SIGHUP (poll says POLLHUP): the console ends as on one,
# and does not spin ---------------------------------------------------------------------------
out=$(python3 "$top_srcdir/tests/pty_hangup.py" "$GUESTOS" "$db") || screen_fail "$out"
echo "$out"

echo "PASS: screen_hosts"
exit 0
