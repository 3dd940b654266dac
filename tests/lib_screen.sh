# SPDX-License-Identifier: GPL-2.0-or-later
# Screen-test helpers: run the real guestos in a private detached tmux server and read its pane.
#
# Source this file from a test script. It makes $SCREEN_TMP (removed on exit),
# and an EXIT trap kills the private tmux server whatever happens. Every wait
# is a bounded poll of capture-pane; a failed wait prints the pane and exits 1.

# Every screen test needs tmux: skip (77) before making anything without it.
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed; the screen tests need it." >&2
    exit 77
fi

SCREEN_SOCKET="guestos-screen-$$-0"
screen_servers=0
SCREEN_TIMEOUT=${SCREEN_TIMEOUT:-15}
SCREEN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/guestos-screen.XXXXXX") || exit 99
SCREEN_CONF="$SCREEN_TMP/tmux.conf"
# The console keeps its view and its prompt history in the state folder: each
# test has its own, so that no run restores what another left.
XDG_STATE_HOME="$SCREEN_TMP/state"
export XDG_STATE_HOME

# No status line (the pane gets every row), no user configuration, and no
# delay on Escape (tmux waits 500 ms by default for the rest of a sequence).
cat >"$SCREEN_CONF" <<'EOF'
set -g status off
set -sg escape-time 0
set -g default-terminal screen
set -g remain-on-exit off
EOF

screen_tmux() {
    tmux -L "$SCREEN_SOCKET" -f "$SCREEN_CONF" "$@"
}

screen_cleanup() {
    screen_tmux kill-server >/dev/null 2>&1 || :
    # tmux leaves its socket files behind; they are ours to remove.
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/guestos-screen-$$-"*
    rm -rf "$SCREEN_TMP"
}
trap screen_cleanup EXIT
trap 'exit 130' INT TERM HUP

# Exits 77 (skipped) when tmux is missing (sourcing this file checks already).
screen_require_tmux() {
    if ! command -v tmux >/dev/null 2>&1; then
        echo "SKIP: tmux is not installed; the screen tests need it." >&2
        exit 77
    fi
}

# Exits 99 (a hard error) unless $GUESTOS names the binary; make check sets it.
screen_require_guestos() {
    if [ -z "$GUESTOS" ] || [ ! -x "$GUESTOS" ]; then
        echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
        exit 99
    fi
}

# Sets SLOW to tests/slow_libvirt.so beside the binary: preloaded with
# GOS_TEST_SLOW_MS, it keeps each logoff task in its state phase that long
# (the test driver would end it at once).
screen_slow_preload() {
    SLOW="$(dirname "$GUESTOS")/tests/slow_libvirt.so"
    [ -r "$SLOW" ] || screen_fatal "$SLOW is missing (make check builds it)"
}

# screen_start COLS ROWS [NAME=VALUE...]: a fresh server with one pane of
# COLS x ROWS running sh with the given environment added.
screen_start() {
    screen_cols=$1
    screen_rows=$2
    shift 2
    # A new server on a new socket: a dying one cannot take the new session down.
    screen_tmux kill-server >/dev/null 2>&1 || :
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SCREEN_SOCKET"
    screen_servers=$((screen_servers + 1))
    SCREEN_SOCKET="guestos-screen-$$-$screen_servers"
    screen_tmux new-session -d -s main -x "$screen_cols" -y "$screen_rows" \
        env PS1='$ ' ENV=/dev/null "$@" sh ||
        screen_fatal "cannot start tmux"
    screen_wait '$'
}

# Prints the visible pane.
screen_capture() {
    screen_tmux capture-pane -p -t main
}

# Prints the pane between rulers to stderr (the test's log) with a reason.
screen_dump() {
    {
        echo "--- pane ($*) ---"
        screen_capture 2>&1
        echo "--- end of pane ---"
    } >&2
}

screen_fail() {
    echo "FAIL: $*" >&2
    screen_dump "$*"
    exit 1
}

screen_fatal() {
    echo "ERROR: $*" >&2
    exit 99
}

# screen_poll DESCRIPTION COMMAND...: runs COMMAND every 0.1 s until it
# succeeds, at most SCREEN_TIMEOUT seconds; fails with the pane otherwise.
screen_poll() {
    what=$1
    shift
    tries=$((SCREEN_TIMEOUT * 10))
    while [ "$tries" -gt 0 ]; do
        if "$@"; then
            return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    screen_fail "timed out after ${SCREEN_TIMEOUT}s waiting for $what"
}

_screen_has() { screen_capture | grep -F -q -- "$1"; }
_screen_lacks() { ! screen_capture | grep -F -q -- "$1"; }
_screen_has_re() { screen_capture | grep -E -q -- "$1"; }
_screen_line_has() { screen_capture | grep -F -- "$1" | grep -F -q -- "$2"; }

# screen_wait TEXT: until TEXT (a fixed string) shows.
screen_wait() { screen_poll "\"$1\"" _screen_has "$1"; }
# screen_wait_gone TEXT: until TEXT no longer shows.
screen_wait_gone() { screen_poll "\"$1\" to go" _screen_lacks "$1"; }
# screen_wait_re REGEX: until a line matches the extended regular expression.
screen_wait_re() { screen_poll "/$1/" _screen_has_re "$1"; }
# screen_wait_line A B: until one line holds both fixed strings.
screen_wait_line() { screen_poll "a line with \"$1\" and \"$2\"" _screen_line_has "$1" "$2"; }

# screen_page_until A B KEY N: presses KEY (PageDown, say) up to N times until
# one line holds both fixed strings.
screen_page_until() {
    n=$4
    while [ "$n" -gt 0 ]; do
        sleep 0.2
        if _screen_line_has "$1" "$2"; then
            return 0
        fi
        screen_keys "$3"
        n=$((n - 1))
    done
    screen_wait_line "$1" "$2"
}

# screen_expect_absent TEXT: fails at once if TEXT shows.
screen_expect_absent() {
    if _screen_has "$1"; then
        screen_fail "\"$1\" should not show"
    fi
}

# screen_keys KEY...: tmux key names (Enter, Escape, PageDown, C-l) or characters.
screen_keys() { screen_tmux send-keys -t main "$@"; }
# screen_type TEXT: literal text, no key names.
screen_type() { screen_tmux send-keys -t main -l -- "$1"; }
# screen_run COMMAND: types a shell command line and Enter.
screen_run() {
    screen_type "$1"
    screen_keys Enter
}

# screen_resize COLS ROWS
screen_resize() { screen_tmux resize-window -t main -x "$1" -y "$2"; }

# Prints 1 while the application in the pane uses the alternate screen.
screen_alternate_on() { screen_tmux display-message -p -t main '#{alternate_on}'; }

# Quotes a word for sh, for command lines typed into the pane.
screen_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# The sizes every screen test of the console's ergonomics runs at: the
# smallest it supports and a large one.
SCREEN_SIZES="80x24 200x50"

# screen_click X Y [BUTTON]: a click at column X, row Y (from 0) as a terminal
# in X10 mouse mode sends it (press, then release); BUTTON 0 is the left one,
# 64 and 65 the wheel up and down (no release).
screen_click() {
    b=${3:-0}
    ch() { printf "\\$(printf '%03o' "$1")"; }
    screen_tmux send-keys -t main -l "$(printf '\033[M')$(ch $((b + 32)))$(ch $(($1 + 33)))$(ch $(($2 + 33)))"
    if [ "$b" -lt 64 ]; then
        screen_tmux send-keys -t main -l "$(printf '\033[M')$(ch 35)$(ch $(($1 + 33)))$(ch $(($2 + 33)))"
    fi
}

# screen_line N: row N of the pane (from 0).
screen_line() { screen_capture | sed -n "$(($1 + 1))p"; }
