#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Where the operator is: the top line keeps every count at 80 columns with 10,000 VMs, says where the
# cursor is and what hides VMs (a search like a filter); names cut by their column end in an ellipsis
# and are whole one key away; sentences too long for the status line are cut between words.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

big="$SCREEN_TMP/big.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 10000 >"$big" || screen_fatal "gen-fleet.sh failed"
# Two names that agree in their first 25 characters.
long="$SCREEN_TMP/long.xml"
cat >"$long" <<'EOF'
<node>
  <domain type='test'><name>web-frontend-production-eu-01</name><memory>8192</memory><os><type>hvm</type></os></domain>
  <domain type='test'><name>web-frontend-production-eu-02</name><memory>8192</memory><os><type>hvm</type></os></domain>
</node>
EOF

# The top line: its first row, or both when the words take two.
top() { screen_capture | head -n 2; }
top_has() { top | grep -F -q -- "$1"; }

for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=C
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$big") --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
    saved=$SCREEN_TIMEOUT
    SCREEN_TIMEOUT=$((saved * 4))
    screen_wait_re '^ +app-00002 +'
    SCREEN_TIMEOUT=$saved

    # Every count, whole, and where the cursor is.
    screen_poll "the counts per state" top_has "5,715 running, 1,428 paused, 2,857 shut off"
    screen_poll "the position" top_has "1/10,000, 0 marked"
    screen_keys Down Down
    screen_poll "the position after two moves" top_has "3/10,000, 0 marked"
    if [ "$cols" -ge 200 ]; then
        # Room enough: one row, with the host and the view.
        screen_poll "the host and the view" top_has "test:big.xml"
        screen_poll "the view's name" top_has "VM list"
    fi

    # A search that hides every VM shows in the top line, as a filter does.
    screen_keys /
    screen_type "zzz"
    screen_keys Enter
    screen_poll "the search in the top line" top_has "search: zzz"
    screen_poll "the position in an empty list" top_has "0/0 of 10,000"
    screen_wait "No VM matches the search; press / and Enter on an empty line to clear it."
    screen_poll "the counts with a search" top_has "2,857 shut off"

    # A filter beside it: at 80 columns the top line takes a second row, and keeps every count.
    screen_keys f
    screen_keys C-u
    screen_type "state=running"
    screen_keys Enter
    screen_poll "the filter in the top line" top_has "filter: state=running"
    screen_poll "the counts with a filter and a search" top_has "5,715 running, 1,428 paused, 2,857 shut off"
    screen_keys /
    screen_keys C-u Enter
    screen_keys f
    screen_keys C-u Enter
    screen_poll "no search any more" sh -c "! tmux -L $SCREEN_SOCKET capture-pane -p -t main | head -n 2 | grep -q 'search:'"
    screen_keys q
    screen_wait "EXIT=0"

    # --- names cut by their column, and whole one key away -----------------------------
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$long") --audit-db $(screen_quote "$SCREEN_TMP/audit.db") --no-restore; echo \"EXIT=\$?\""
    screen_wait "web-frontend-"
    if [ "$cols" -lt 100 ]; then
        screen_wait_re "^ +web-frontend-prod… +"
        n=$(screen_capture | grep -c "web-frontend-prod… ")
        [ "$n" = 2 ] || screen_fail "both cut names should end in an ellipsis ($n do)"
    else
        screen_wait_re "^ +web-frontend-production-eu-01 +"
    fi
    screen_keys n
    screen_wait "web-frontend-production-eu-01 on test://"
    # Longer than the status line (at 80 columns): it goes on in the hint bar's row, so the
    # UUID it is there to show is whole.
    screen_wait_re 'UUID [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    screen_keys q
    screen_wait "EXIT=0"
done

echo "PASS: screen_header"
exit 0
