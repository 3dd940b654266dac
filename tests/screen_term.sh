#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Terminals over SSH: UTF-8 and ASCII glyphs, NO_COLOR and monochrome, guest text made harmless,
# a clock tick that redraws only the task panel, and no output or wakeups while idle.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos
screen_slow_preload

# VMs whose names carry what a guest or a careless admin might put there:
# a tab, a right-to-left override, a C1 control that starts an escape sequence.
ODD="$SCREEN_TMP/odd.xml"
cat >"$ODD" <<'EOF'
<node>
  <domain type='test'><name>tab&#9;name</name><memory>8192</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
  <domain type='test'><name>bidi&#x202E;name</name><memory>8192</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
  <domain type='test'><name>c1&#x9B;31mname</name><memory>8192</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
</node>
EOF

# console URI [ENV...]: runs guestos on URI in the pane.
console() {
    uri=$1
    shift
    screen_run "$* $(screen_quote "$GUESTOS") -c $(screen_quote "$uri") --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
}

quit_console() {
    screen_keys q
    screen_wait "EXIT=0"
}

# The pane with its attributes, as tmux re-encodes them.
capture_attrs() { screen_tmux capture-pane -p -e -t main; }
has_colour() { capture_attrs | grep -E -q '(\[|;)(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;|m)'; }
non_ascii() { screen_capture | LC_ALL=C grep -q '[^ -~]'; }

# --- glyphs and colours -----------------------------------------------------------------
# UTF-8 on a capable terminal: line drawing, colours.
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TERM=screen
console test:///default
screen_wait_re '^ +test +.*running'
screen_wait " │ "
screen_wait "── Tasks"
has_colour || screen_fail "no colour on a colour terminal without NO_COLOR"
quit_console

# A locale that is not UTF-8: ASCII only, whatever the terminal can do.
screen_start 80 24 LC_ALL=C LANGUAGE=C TERM=screen
console test:///default
screen_wait_re '^ +test +.*running'
screen_wait " | "
screen_wait "-- Tasks"
non_ascii && screen_fail "non-ASCII output under LC_ALL=C"
quit_console

# vt100 under UTF-8: ASCII too, and a monochrome terminal gets no colour codes.
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TERM=vt100
console test:///default
screen_wait_re '^ +test +.*running'
screen_wait " | "
non_ascii && screen_fail "non-ASCII output on a vt100"
has_colour && screen_fail "colour codes on a monochrome vt100"
quit_console

# NO_COLOR on a colour terminal: attributes only.
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TERM=screen NO_COLOR=1
console test:///default
screen_wait_re '^ +test +.*running'
has_colour && screen_fail "colour codes under NO_COLOR"
screen_wait " │ "
quit_console

# --- guest text ---------------------------------------------------------------------------
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TERM=screen
console "test://$ODD"
screen_wait_line "c1?31mname" "running"
screen_wait_line "tab?name" "running"
screen_wait_line "bidi?name" "running"
# The columns stay where they are: the state of each begins at the same place.
cols=$(screen_capture | grep -E 'name +test' | sed 's/running.*//' | awk '{ print length($0) }' | sort -u | wc -l)
[ "$cols" = 1 ] || screen_fail "guest names shifted the columns"
quit_console

# --- a clock tick redraws the task panel only ---------------------------------------------
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=C TERM=screen
console "test://$top_srcdir/tests/fleet.xml" LD_PRELOAD="$(screen_quote "$SLOW")" GOS_TEST_SLOW_MS=9000 \
    ASAN_OPTIONS=verify_asan_link_order=0
screen_wait_re '^ +web1 +.*running'
screen_keys :
screen_type "logoff web2"
screen_keys Enter
screen_wait "Run logoff on this VM?"
screen_type yes
screen_keys Enter
screen_wait "Tasks: 1 running"
screen_wait_re 'web2 +logoff +running +checking.* 0:01'
sleep 0.3
TICKS="$SCREEN_TMP/ticks.out"
screen_tmux pipe-pane -o -t main "cat >>$(screen_quote "$TICKS")"
sleep 3.2
screen_tmux pipe-pane -t main
screen_wait_re 'web2 +logoff +running +checking.* 0:0[4-9]'
FULL="$SCREEN_TMP/full.out"
screen_tmux pipe-pane -o -t main "cat >>$(screen_quote "$FULL")"
screen_keys C-l
sleep 1
screen_tmux pipe-pane -t main
tick_bytes=$(wc -c <"$TICKS")
full_bytes=$(wc -c <"$FULL")
echo "NOTE: 3 s of ticks wrote $tick_bytes bytes; one full repaint wrote $full_bytes." >&2
[ "$tick_bytes" -gt 0 ] || screen_fail "the clock did not move while a task ran"
[ $((tick_bytes * 4)) -lt "$full_bytes" ] || screen_fail "ticks wrote $tick_bytes bytes, near a full repaint ($full_bytes)"
# Every absolute cursor move of the ticks lands in the task panel: rows 16 to 22 of 24.
rows=$(tr '\033' '\n' <"$TICKS" | sed -n 's/^\[\([0-9]*\);[0-9]*H.*/\1/p' | sort -un)
echo "NOTE: the ticks moved the cursor to rows: $(echo $rows)." >&2
for r in $rows; do
    if [ "$r" -lt 16 ] || [ "$r" -gt 22 ]; then
        screen_fail "a tick wrote to row $r, outside the task panel (rows $(echo $rows))"
    fi
done
saved_timeout=$SCREEN_TIMEOUT
SCREEN_TIMEOUT=30
screen_wait "Tasks: 0 running, 1 failed"
SCREEN_TIMEOUT=$saved_timeout

# --- idle: nothing written, nothing woken ---------------------------------------------------
sleep 1.5
IDLE="$SCREEN_TMP/idle.out"
pid=$(pgrep -P "$(screen_tmux display-message -p -t main '#{pane_pid}')" -x guestos 2>/dev/null | head -n 1)
switches() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null; }
before=$(switches)
screen_tmux pipe-pane -o -t main "cat >>$(screen_quote "$IDLE")"
sleep 3
screen_tmux pipe-pane -t main
after=$(switches)
[ ! -s "$IDLE" ] || screen_fail "the idle console wrote $(wc -c <"$IDLE") bytes in 3 s"
if [ -n "$pid" ] && [ -n "$before" ]; then
    echo "NOTE: the console's thread woke $((after - before)) times in 3 idle seconds." >&2
    [ "$after" = "$before" ] || screen_fail "the idle console woke $((after - before)) times in 3 s"
else
    echo "NOTE: no /proc or pgrep here: the idle wakeups were not counted." >&2
fi
quit_console

echo "PASS: screen_term"
exit 0
